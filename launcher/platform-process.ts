/**
 * One API or worker process started as its own OS process (not in the caller's), so that tests
 * and the fault bench can kill it with SIGKILL as a crash would. Resolves once the process says
 * it is ready ("api listening" with its URL, or "worker running"); its log lines are kept for
 * the failure message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from './temporal-binaries.ts';

export type PlatformProcessKind = 'api' | 'worker';

export interface PlatformProcess {
  readonly kind: PlatformProcessKind;
  readonly child: ChildProcess;
  /** The API's base URL (http://host:port); undefined for a worker. */
  readonly url: string | undefined;
  /** Every line the process printed so far. */
  output(): string;
  /** SIGKILL, as a crash: resolves once the process is gone. */
  crash(): Promise<void>;
  /** SIGTERM and wait for the graceful stop; SIGKILL if it takes longer than `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

const READY: Record<PlatformProcessKind, string> = { api: 'api listening', worker: 'worker running' };

export async function startPlatformProcess(
  kind: PlatformProcessKind,
  env: Record<string, string | undefined>,
  timeoutMs = 60_000,
): Promise<PlatformProcess> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, kind, 'main.ts')], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'info', ...(kind === 'api' ? { API_PORT: '0' } : { WORKER_METRICS_ADDRESS: '' }), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string | undefined>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    // Whole lines only, per stream: a chunk may end in the middle of a line, and stdout and
    // stderr chunks interleave.
    const reader = () => {
      let partial = '';
      return (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-100_000);
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.includes(`"${READY[kind]}"`)) continue;
          clearTimeout(timer);
          try {
            resolve((JSON.parse(line) as { url?: string }).url);
          } catch {
            resolve(undefined);
          }
        }
      };
    };
    child.stdout?.on('data', reader());
    child.stderr?.on('data', reader());
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${kind} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    kind,
    child,
    url,
    output: () => output,
    async crash() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    async stop(timeoutMs = 30_000) {
      if (alive()) child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(force);
    },
  };
}
