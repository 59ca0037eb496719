/** The platform's processes as a bench starts and stops them (stdout quiet, stderr shown). */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../launcher/temporal-binaries.ts';

export function startChild(script: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [path.join(PROJECT_ROOT, script)], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
}
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}
