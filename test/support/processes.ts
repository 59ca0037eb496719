/**
 * Platform processes started as in production (worker/main.ts, api/main.ts), against the test
 * servers, so that a crash test can kill one with SIGKILL mid-work: nothing drains, nothing
 * shuts down cleanly. Each suite keeps its own set and kills what is left after it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../launcher/temporal-binaries.ts';
import { testEnv } from './platform.ts';

export interface ProcessStart {
  /** A line the process logs once it is ready (e.g. '"worker running"'). */
  readonly ready: string;
  /** Configuration beyond the test servers' addresses. */
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
}

/** Kills the process with SIGKILL and waits until it has exited; one already gone is left. */
export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

export function platformProcesses() {
  const children: ChildProcess[] = [];
  return {
    /** Starts `script` (relative to the project) and resolves once it has logged its ready line. */
    async start(script: string, options: ProcessStart): Promise<ChildProcess> {
      const env = testEnv();
      const child = spawn(process.execPath, [path.join(PROJECT_ROOT, script)], {
        cwd: PROJECT_ROOT,
        env: {
          PATH: process.env.PATH, DATABASE_URL: env.databaseUrl, TEMPORAL_ADDRESS: env.temporalAddress, WORKER_METRICS_ADDRESS: '', LOG_LEVEL: 'info',
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        let output = '';
        const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${output}`)), options.timeoutMs ?? 60_000);
        child.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes(options.ready)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${output}`)));
      });
      return child;
    },
    /** The processes started and still running. */
    running(): ChildProcess[] {
      return children.filter((child) => child.exitCode === null && child.signalCode === null);
    },
    /** Kills every process still running (a suite's afterAll). */
    async killAll(): Promise<void> {
      await Promise.all(children.map(kill));
    },
  };
}
