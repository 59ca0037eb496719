/**
 * Supervision of the server processes the launcher owns (Temporal dev server, worker, API).
 * Each child gets a pid file in the data folder, so that a launcher killed with SIGKILL
 * leaves nothing behind: the next start finds the stale pid and stops that process first.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';

export interface Supervised {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  stop(timeoutMs?: number): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

/** Stops a process left over by a launcher that died without cleaning up. */
export async function stopStaleProcess(pidFile: string, commandMarker: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  let pid: number;
  try {
    pid = Number.parseInt((await readFile(pidFile, 'utf8')).trim(), 10);
  } catch {
    return;
  }
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    // Only stop it if it is still the process we started (pids are recycled).
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(commandMarker)) {
      process.kill(pid, signal);
      if (!(await waitForExit(pid, 15_000))) process.kill(pid, 'SIGKILL');
    }
  }
  await rm(pidFile, { force: true });
}

export async function startSupervised(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions & { pidFile?: string; onOutput?: (line: string) => void },
): Promise<Supervised> {
  // Same process group as the launcher: a supervisor that kills the group (Ctrl-C, systemd,
  // CI) reaches the children too; each child also shuts down gracefully on SIGINT/SIGTERM.
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  if (options.pidFile) await writeFile(options.pidFile, String(pid));
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) options.onOutput?.(line);
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    child.once('exit', (code, signal) => {
      if (options.pidFile) void rm(options.pidFile, { force: true });
      resolve(code ?? signal);
    });
  });
  return {
    name,
    process: child,
    exited,
    async stop(timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
