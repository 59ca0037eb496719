/**
 * A real SMTP server with an inbox API for tests: the maildev CLI (the same package `npm start`
 * runs) in a child process on free ports (jest's module sandbox cannot load its ESM-only web
 * server in-process). `messages()` reads what it received through its REST API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../launcher/ports.ts';
import { PROJECT_ROOT } from '../../launcher/temporal-binaries.ts';
import { until } from './wait.ts';

export interface CaughtMail {
  readonly subject: string;
  readonly to: Array<{ address: string }>;
  readonly text: string;
  readonly html: string;
  readonly headers: Record<string, string>;
}

export interface TestMailCatcher {
  readonly smtpPort: number;
  readonly webUrl: string;
  messages(): Promise<CaughtMail[]>;
  stop(): Promise<void>;
}

export async function startTestMailCatcher(): Promise<TestMailCatcher> {
  const [smtpPort, webPort] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn(process.execPath, [
    path.join(PROJECT_ROOT, 'node_modules/maildev/dist/bin/maildev.js'),
    '--smtp', String(smtpPort), '--web', String(webPort), '--ip', '127.0.0.1', '--web-ip', '127.0.0.1', '--silent',
  ], { stdio: 'ignore' });
  const webUrl = `http://127.0.0.1:${webPort}`;
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`maildev exited with ${child.exitCode}`);
    return fetch(`${webUrl}/api/healthz`).then((r) => r.ok, () => false);
  }, 'maildev to answer', 20_000);
  return {
    smtpPort,
    webUrl,
    messages: async () => (await (await fetch(`${webUrl}/api/email`)).json()) as CaughtMail[],
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
