/**
 * Supervision of the server processes the launcher owns (PostgreSQL, Temporal dev server,
 * worker, API). Each child gets a pid file in the data folder, so that a launcher killed with
 * SIGKILL leaves nothing behind: the next start finds the stale pid and stops that process
 * first, but only after checking that the pid still names the process it started (pids are
 * recycled, and another checkout runs processes with the same command line).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFile, readlink, realpath, rm, writeFile } from 'node:fs/promises';

export interface Supervised {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has exited and its pid file is gone. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** Asks the process to stop (its stop signal), SIGKILL after `timeoutMs`; resolves once it is gone. */
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

/**
 * What tells one process from another that later got the same pid: its start time (field 22
 * of /proc/<pid>/stat, clock ticks since boot) and its working directory.
 */
interface ProcessIdentity {
  readonly startTicks: string;
  readonly cwd: string;
}

async function identityOf(pid: number): Promise<ProcessIdentity | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const startTicks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    if (!startTicks) return undefined;
    return { startTicks, cwd: await readlink(`/proc/${pid}/cwd`) };
  } catch {
    return undefined;
  }
}

/** Pid file: the pid on the first line (what other tools read), then the identity lines. */
async function writePidFile(file: string, pid: number, cwd: string): Promise<void> {
  const identity = (await identityOf(pid)) ?? { startTicks: '', cwd };
  await writeFile(file, `${pid}\n${identity.startTicks}\n${identity.cwd}\n`);
}

/**
 * Stops a process left over by a launcher that died without cleaning up, if the pid file still
 * names it: same start time, same working directory, and its command line has `commandMarker`.
 * Anything else (a recycled pid, another checkout's process, an old pid file without identity)
 * is left alone and only the pid file is removed.
 */
export async function stopStaleProcess(pidFile: string, commandMarker: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const lines = await readFile(pidFile, 'utf8').then((text) => text.split('\n'), () => undefined);
  if (!lines) return;
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const [, startTicks, cwd] = lines;
  if (Number.isInteger(pid) && pid > 0 && startTicks && cwd) {
    const identity = await identityOf(pid);
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (identity?.startTicks === startTicks && identity.cwd === cwd && cmdline.includes(commandMarker)) {
      process.kill(pid, signal);
      if (!(await waitForExit(pid, 15_000))) process.kill(pid, 'SIGKILL');
    }
  }
  await rm(pidFile, { force: true });
}

/** Every supervised child still running, so that a stop can reach one started mid-shutdown. */
const running = new Set<Supervised>();
let closing = false;

/**
 * Stops every supervised child not stopped yet (one still starting when a stop began), and
 * refuses new ones from now on.
 */
export async function stopAllSupervised(): Promise<void> {
  closing = true;
  await Promise.all([...running].map((child) => child.stop()));
}

export async function startSupervised(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions & { pidFile?: string; onOutput?: (line: string) => void; stopSignal?: NodeJS.Signals },
): Promise<Supervised> {
  if (closing) throw new Error(`${name}: not started, the platform is stopping`);
  // `detached` (own process group) keeps a terminal's Ctrl-C, sent to the whole foreground
  // group, away from the child: the launcher then stops its children itself, in order.
  // Without it the child shares the caller's group, so a supervisor killing the group reaches it.
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  const { pidFile } = options;
  let pidFileWritten: Promise<void> = Promise.resolve();
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(supervised);
      const result = code ?? signal;
      if (!pidFile) resolve(result);
      else {
        void pidFileWritten
          .catch(() => undefined)
          .then(() => rm(pidFile, { force: true }))
          .catch(() => undefined)
          .then(() => resolve(result));
      }
    });
  });
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) options.onOutput?.(line);
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const supervised: Supervised = {
    name,
    process: child,
    exited,
    async stop(timeoutMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(options.stopSignal ?? 'SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      await exited;
    },
  };
  running.add(supervised);
  if (pidFile) {
    pidFileWritten = realpath(String(options.cwd ?? process.cwd())).then((cwd) => writePidFile(pidFile, pid, cwd));
    await pidFileWritten;
  }
  return supervised;
}
