/**
 * Worker process: runs the lifecycle workflows and the critical / ops / heavy activity
 * queues against an existing Temporal server and PostgreSQL (DATABASE_URL, TEMPORAL_ADDRESS).
 * The launcher starts it as a child process; docker-compose runs it as a service.
 */
import { loadConfig } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { startWorkers } from './run.ts';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel, service: 'worker' });
if (!config.database.url || !config.temporal.address) {
  logger.fatal('worker/main.ts needs DATABASE_URL and TEMPORAL_ADDRESS (npm start sets both for you)');
  process.exit(2);
}
try {
  const workers = await startWorkers({
    databaseUrl: config.database.url,
    temporalAddress: config.temporal.address,
    namespace: config.temporal.namespace,
    metricsAddress: config.worker.metricsAddress,
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    automation: config.automation,
    webhookDelivery: true,
    logger,
    messaging: config.messaging,
    stripe: config.stripe,
    files: config.files,
    outbound: config.outbound,
    schedules: {
      sweepEverySeconds: config.stripe.sweepEverySeconds, reconcileEveryMinutes: config.stripe.reconcileEveryMinutes,
      calendarImportEveryMinutes: config.availability.calendarImportEveryMinutes, mismatchSweepEverySeconds: config.availability.mismatchSweepEverySeconds,
    },
  });
  // The SDK's runtime turns SIGINT / SIGTERM into a graceful drain of every worker.
  await workers.finished;
  logger.info('worker stopped');
  // Everything has drained and closed; a handle left behind by a reconnect (seen after the
  // Temporal server and PostgreSQL were restarted under it) must not keep the process alive.
  process.exit(0);
} catch (error) {
  logger.fatal({ err: error }, 'worker failed');
  process.exit(1);
}
