/** Loopback ports: free ones for scratch servers, and a clear error when a wanted one is taken. */
import { createServer } from 'node:net';

/**
 * Where scratch ports are picked: below Linux's ephemeral range (32768–60999), whose ports
 * outgoing connections take as their local ports. A port the OS hands out from that range is
 * free when asked, but any process's next connection (a database pool's, a test client's) may
 * take it before our server binds it: a launcher test once failed so.
 */
const SCRATCH_PORTS = { from: 20000, to: 32000 } as const;

function listenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A loopback port nothing listens on or connects from now, for a scratch server to bind. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = SCRATCH_PORTS.from + Math.floor(Math.random() * (SCRATCH_PORTS.to - SCRATCH_PORTS.from));
    if (await listenable(port)) return port;
  }
  throw new Error(`no free loopback port between ${SCRATCH_PORTS.from} and ${SCRATCH_PORTS.to}`);
}

/** Fails with a clear message if something already listens on host:port. */
export async function assertPortFree(host: string, port: number, what: string, setting: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`${host}:${port} (${what}) is already in use by another process. Stop it, or choose another port with ${setting}.`)
          : error,
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
