/**
 * API process: GraphQL + HTTP endpoints against an existing Temporal server and PostgreSQL
 * (DATABASE_URL, TEMPORAL_ADDRESS). The launcher starts it as a child process;
 * docker-compose runs it as a service (several replicas are fine: no process-local state; each process LISTENs for
 * committed changes and session revocations, so subscriptions work whichever replica a client hits).
 */
import { Client, Connection } from '@temporalio/client';
import { openOrm } from '../db/orm.ts';
import { loadConfig } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { buildApp } from './app.ts';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel, service: 'api' });
if (!config.database.url || !config.temporal.address) {
  logger.fatal('api/main.ts needs DATABASE_URL and TEMPORAL_ADDRESS (npm start sets both for you)');
  process.exit(2);
}

const orm = await openOrm(config.database.url);
const connection = await Connection.connect({ address: config.temporal.address });
const temporal = new Client({ connection, namespace: config.temporal.namespace });
const app = buildApp({
  orm,
  temporal,
  temporalAddress: config.temporal.address,
  namespace: config.temporal.namespace,
  logger,
  production: config.env === 'production',
  jwtSecret: config.jwtSecret,
  limits: config.api.limits,
  databaseUrl: config.database.url,
  temporalUiUrl: config.temporal.uiUrl,
  metricsAccess: config.api.metrics,
  stripeWebhook: { secret: config.stripe.webhookSecret, toleranceSeconds: config.stripe.webhookToleranceSeconds },
  files: config.files,
  outbound: config.outbound,
});
const url = await app.start(config.api.host, config.api.port);
logger.info({ url, graphql: `${url}/graphql`, metrics: app.metricsUrl }, 'api listening');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'api stopping');
  await app.stop();
  await connection.close();
  await orm.close();
  logger.info('api stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
