/**
 * The Stripe stand-in for tests and `npm start` without a Stripe key: PyPI's `localstripe`, a
 * stateful imitation of Stripe's HTTP API (PaymentIntents, confirm, charges, refunds), reached
 * by the real `stripe` SDK through its host / port / protocol settings (platform/stripe.ts).
 *
 * Installed like the Temporal binaries (launcher/temporal-binaries.ts), in its own folder
 * `.tools/localstripe` with its dependencies (aiohttp …), never system-wide.
 *
 * Two things are changed at start, from outside the package: it listens on loopback only
 * (upstream binds every interface), and it keeps nothing on disk (upstream pickles its whole
 * store to the fixed file /tmp/localstripe.pickle after EVERY write: shared by every instance
 * on the machine, and a cost that grows with the store).
 */
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startSupervised, stopStaleProcess, type Supervised } from './child-process.ts';
import { PROJECT_ROOT, pipInstallInto, python3 } from './temporal-binaries.ts';

/** Pinned. */
export const LOCALSTRIPE_PACKAGE = 'localstripe==1.15.10';
export const LOCALSTRIPE_DIR = path.join(PROJECT_ROOT, '.tools', 'localstripe');
/** Any `sk_…` key opens localstripe; this one says what it is in logs. */
export const LOCALSTRIPE_SECRET_KEY = 'sk_test_localstripe';

const BOOTSTRAP = `
import socket, sys
import localstripe.resources as resources
resources.Store.dump_to_disk = lambda self: None
resources.Store.try_load_from_disk = lambda self: None
from aiohttp import web
from localstripe import server
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(('127.0.0.1', int(sys.argv[1])))
print('localstripe listening', flush=True)
web.run_app(server.app, sock=sock, access_log=None, print=None)
`;

/** The installed package folder (installing it into .tools/localstripe when missing). */
export async function resolveLocalstripe(): Promise<string> {
  const marker = path.join(LOCALSTRIPE_DIR, 'localstripe', 'server.py');
  try {
    await access(marker);
  } catch {
    await pipInstallInto(LOCALSTRIPE_PACKAGE, LOCALSTRIPE_DIR);
    await access(marker).catch(() => {
      throw new Error(`${LOCALSTRIPE_PACKAGE} installed, but ${marker} is missing: the package layout changed`);
    });
  }
  return LOCALSTRIPE_DIR;
}

export interface Localstripe {
  /** e.g. http://127.0.0.1:8420 */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startLocalstripe(options: { port: number; pidFile?: string; onOutput?: (line: string) => void }): Promise<Localstripe> {
  const dir = await resolveLocalstripe();
  if (options.pidFile) {
    await mkdir(path.dirname(options.pidFile), { recursive: true });
    await stopStaleProcess(options.pidFile, 'localstripe');
  }
  const server: Supervised = await startSupervised('localstripe', await python3(), ['-c', BOOTSTRAP, String(options.port), 'localstripe'], {
    env: { ...process.env, PYTHONPATH: dir, PYTHONDONTWRITEBYTECODE: '1' },
    ...(options.pidFile ? { pidFile: options.pidFile } : {}),
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
  });
  const host = '127.0.0.1';
  const url = `http://${host}:${options.port}`;
  let dead = false;
  void server.exited.then(() => (dead = true));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(`${url}/v1/payment_intents?limit=1`, { headers: { authorization: `Bearer ${LOCALSTRIPE_SECRET_KEY}` } });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (dead || Date.now() > deadline) {
      await server.stop();
      throw new Error(`localstripe did not answer on ${url}${dead ? ' (the process exited)' : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, host, port: options.port, stop: () => server.stop(5000) };
}
