/**
 * A real S3-compatible server for the tests of the bucket file store (FILE_STORAGE=s3,
 * platform/s3-file-storage.ts): PyPI's `moto` in server mode, which answers the S3 REST API
 * (buckets, PUT / GET / HEAD, ListObjectsV2, DeleteObjects) in memory.
 *
 * Installed like localstripe (launcher/localstripe.ts): pinned, into its own folder
 * `.tools/moto` with its dependencies on first use (scripts/provision.ts does it before the
 * tests), run with PYTHONPATH, never installed system-wide. It listens on loopback only.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { startSupervised, type Supervised } from './child-process.ts';
import { PROJECT_ROOT, pipInstallInto, python3 } from './temporal-binaries.ts';

/** Pinned (the `server` extra brings Flask, which its server mode runs on). */
export const MOTO_PACKAGE = 'moto[server]==5.2.1';
export const MOTO_DIR = path.join(PROJECT_ROOT, '.tools', 'moto');

/** The installed package folder (installing it into .tools/moto when missing). */
export async function resolveMoto(): Promise<string> {
  // flask is checked too: a folder holding moto without its server extra cannot serve.
  const markers = [path.join(MOTO_DIR, 'moto', 'server.py'), path.join(MOTO_DIR, 'flask', '__init__.py')];
  const present = async () => (await Promise.all(markers.map((m) => access(m).then(() => true, () => false)))).every(Boolean);
  if (!(await present())) {
    await pipInstallInto(MOTO_PACKAGE, MOTO_DIR);
    if (!(await present())) throw new Error(`${MOTO_PACKAGE} installed, but ${markers.join(' / ')} is missing: the package layout changed`);
  }
  return MOTO_DIR;
}

export interface Moto {
  /** e.g. http://127.0.0.1:45991: the S3 endpoint (path-style). */
  readonly url: string;
  stop(): Promise<void>;
}

export async function startMoto(options: { port: number; onOutput?: (line: string) => void }): Promise<Moto> {
  const dir = await resolveMoto();
  const server: Supervised = await startSupervised('moto', await python3(), ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(options.port)], {
    env: { ...process.env, PYTHONPATH: dir, PYTHONDONTWRITEBYTECODE: '1' },
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
  });
  const url = `http://127.0.0.1:${options.port}`;
  let dead = false;
  void server.exited.then(() => (dead = true));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/moto-api/data.json`)).ok) break;
    } catch {
      // not listening yet
    }
    if (dead || Date.now() > deadline) {
      await server.stop();
      throw new Error(`moto did not answer on ${url}${dead ? ' (the process exited)' : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop: () => server.stop(5000) };
}
