/**
 * The worker's composition root: one Temporal connection, one ORM, the activities built
 * over them, and a worker per task queue. Resolves when every worker has shut down
 * (SIGINT / SIGTERM drain in-flight tasks first).
 */
import { createRequire } from 'node:module';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, GracefulShutdownPeriodExpiredError, bundleWorkflowCode, makeTelemetryFilterString, type LogLevel } from '@temporalio/worker';
import { createAutomationActivities } from '../activities/automation.ts';
import { openOrm } from '../db/orm.ts';
import { loadConfig, type FilesConfig, type MessagingConfig, type StripeConfig } from '../platform/config.ts';
import { createFileStorage } from '../platform/file-stores.ts';
import type { OutboundPolicy } from '../platform/guarded-fetch.ts';
import { createMediaActivities } from '../activities/media.ts';
import { createImportActivities } from '../activities/imports.ts';
import { createReportActivities } from '../activities/reports.ts';
import type { Logger } from '../platform/logger.ts';
import { createDeliveryActivities } from '../activities/delivery/index.ts';
import { createStripeAccount } from '../services/stripe-account.ts';
import { createStoreActivities } from '../activities/store/index.ts';
import { activityFailureNotes } from './activity-failures.ts';
import { ACTIVITY_QUEUES, BACKGROUND_TASK_QUEUE, STICKY_QUEUE_SCHEDULE_TO_START_TIMEOUT, WORKFLOW_TASK_QUEUE, type ActivityQueue } from '../workflows/task-queues.ts';
import { startDispatcherLoop, type DispatcherLoop } from './automation-dispatcher.ts';
import type { NotifiedLoop } from './notified-loop.ts';
import { startWebhookDelivery } from './webhook-delivery.ts';
import { createPaymentActivities } from '../activities/payments/index.ts';
import { createReconciliationActivities } from '../activities/payments/reconciliation.ts';
import { createSweepActivities } from '../activities/payments/sweep.ts';
import { ensureSchedules, type ScheduleIntervals } from './schedules.ts';
import { createAvailabilityActivities } from '../activities/availability.ts';
import { createCalendarActivities } from '../activities/calendar.ts';
import { ensureSearchAttributes } from './search-attributes.ts';

export interface WorkerOptions {
  readonly databaseUrl: string;
  readonly temporalAddress: string;
  /** An existing connection to use (and leave open), e.g. a test environment's. */
  readonly connection?: NativeConnection | undefined;
  /** An existing client for activities that message workflows (a test environment's); else one is dialled. */
  readonly client?: Client | undefined;
  /**
   * Workflow runs kept in memory between tasks. A run that is not cached is replayed from its
   * history on its next task: size this above the number of entities active at once.
   */
  readonly maxCachedWorkflows?: number | undefined;
  /** Register the lifecycle search attributes at start (not possible on the time-skipping test server). */
  readonly registerSearchAttributes?: boolean | undefined;
  readonly namespace: string;
  /**
   * Run the automation outbox dispatcher in this process (worker/automation-dispatcher.ts). Off
   * unless asked: tests that do not exercise automation keep the shared database's events to
   * themselves.
   */
  readonly automation?: { readonly dispatcher: boolean; readonly sweepMs?: number | undefined } | undefined;
  /**
   * Deliver stored Stripe webhooks from this process (worker/webhook-delivery.ts): the API only
   * acknowledges them. worker/main.ts always does; off unless asked, for workers on another
   * Temporal server (the time-skipping one) than the rows' events belong to.
   */
  readonly webhookDelivery?: boolean | undefined;
  readonly metricsAddress: string | undefined;
  readonly logger: Logger;
  /** Where messages and webhooks go (platform/config.ts); absent: the defaults of an empty environment. */
  readonly messaging?: MessagingConfig | undefined;
  /**
   * The environment's Stripe settings (STRIPE_SECRET_KEY, STRIPE_API_*): what payment activities
   * call Stripe with unless the `stripe` integration row is active with its own key
   * (services/stripe-account.ts). Absent: an empty environment's (no key).
   */
  readonly stripe?: StripeConfig | undefined;
  /**
   * Create the Schedules (webhook sweep, reconciliation, calendar imports, mismatch sweep) at start with these intervals
   * (worker/main.ts always does; absent or false: none, as on the time-skipping test server).
   */
  readonly schedules?: ScheduleIntervals | false | undefined;
  /** The file store of media, imports and reports (absent: an empty environment's defaults). */
  readonly files?: FilesConfig | undefined;
  /** Which non-public hosts calendar imports may reach (CALENDAR_IMPORT_ALLOW_HOSTS); absent: none. */
  readonly outbound?: OutboundPolicy | undefined;
}

const require = createRequire(import.meta.url);
export const WORKFLOWS_PATH = require.resolve('../workflows/index.ts');

/**
 * On SIGTERM / SIGINT, running activities get this long to finish before they are cancelled
 * (the SDK's default is none): a graceful stop then rarely leaves work for the retry timeout.
 */
const SHUTDOWN_GRACE_TIME = '5s';

/**
 * A stop never hangs past this: an activity that ignores its cancellation (or waits on an Update
 * that this stopping worker will no longer process) is abandoned, and its attempt is retried
 * elsewhere after its timeout. The SDK's default is to wait forever.
 */
const SHUTDOWN_FORCE_TIME = '20s';

/** Per-queue concurrency: critical work must never wait behind a report. */
const QUEUE_CONCURRENCY: Record<ActivityQueue, number> = { critical: 100, ops: 50, heavy: 4 };

let runtimeInstalled = false;

function installRuntime(options: WorkerOptions): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  // A test environment may have created the process's runtime already: keep that one.
  if (options.connection) return;
  // The SDK's own log lines join the process's JSON log; its INFO chatter (bundler stats,
  // state changes) is only useful when debugging, so it follows LOG_LEVEL=debug.
  const sdkLevel: LogLevel = options.logger.isLevelEnabled('debug') ? 'DEBUG' : 'WARN';
  const sdkLog = options.logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger(sdkLevel, (entry) => {
      const level = entry.level === 'TRACE' ? 'trace' : (entry.level.toLowerCase() as 'debug' | 'info' | 'warn' | 'error');
      sdkLog[level](entry.meta ?? {}, entry.message);
    }),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      ...(options.metricsAddress ? { metrics: { prometheus: { bindAddress: options.metricsAddress } } } : {}),
    },
  });
}

export interface RunningWorkers {
  /** Resolves once every worker has drained and stopped, and the ORM and connection are closed. */
  readonly finished: Promise<void>;
  /** Asks every worker to drain and stop (what SIGINT / SIGTERM do). */
  shutdown(): Promise<void>;
}

/** Starts the workers and returns at once; `finished` settles when they stop. */
export async function startWorkers(options: WorkerOptions): Promise<RunningWorkers> {
  installRuntime(options);
  const { logger } = options;
  const connection = options.connection ?? (await NativeConnection.connect({ address: options.temporalAddress }));
  const orm = await openOrm(options.databaseUrl);
  // Automation's actions, the payment sweep and reconciliation's exceptions message workflows
  // through a client (a test environment's own when given: the time-skipping server has no address to dial).
  const clientConnection = options.client ? undefined : await Connection.connect({ address: options.temporalAddress });
  const temporal = options.client ?? new Client({ connection: clientConnection, namespace: options.namespace });
  let dispatcher: DispatcherLoop | undefined;
  let webhookDelivery: NotifiedLoop | undefined;
  const close = async () => {
    await dispatcher?.stop();
    await webhookDelivery?.stop();
    await clientConnection?.close();
    await orm.close();
    if (!options.connection) await connection.close();
  };
  try {
    if (options.registerSearchAttributes !== false) {
      const added = await ensureSearchAttributes(connection, options.namespace);
      if (added.length > 0) logger.info({ added }, 'registered search attributes');
    }

    // Each activity runs on the queue whose timeouts and retries fit it (seed §9).
    const stripe = createStripeAccount({ em: orm.em, defaults: options.stripe ?? loadConfig({}).stripe });
    const deps = { orm, logger, stripe, temporal, outbound: options.outbound };
    const store = createStoreActivities(deps);
    const messaging = options.messaging ?? loadConfig({}).messaging;
    const delivery = createDeliveryActivities({ orm, logger, messaging });
    const automation = createAutomationActivities({ orm, logger, temporal, opsAddresses: messaging.ops });
    const payments = createPaymentActivities(deps);
    const storage = createFileStorage(options.files ?? loadConfig({}).files);
    // Each queue's worker serves the activities scheduled on it (workflows/lifecycle/store.ts,
    // workflows/booking/payments.ts, workflows/payments/workflow.ts, workflows/delivery/,
    // workflows/automation/); heavy: reconciliation, media processing, CSV imports and reports
    // (workflows/media/, imports/, reports/).
    const activitiesByQueue: Record<ActivityQueue, object> = {
      critical: { ...store, ...payments },
      ops: { recordEvent: store.recordEvent, ...delivery, ...automation, ...createSweepActivities(deps), ...createCalendarActivities(deps), ...createAvailabilityActivities(deps) },
      heavy: { ...createReconciliationActivities(deps), ...createMediaActivities({ ...deps, storage }), ...createImportActivities({ ...deps, storage }), ...createReportActivities({ ...deps, storage }) },
    };
    // One bundle of the workflow code for both workflow workers (bundling is the slow part of a start).
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: Runtime.instance().logger });
    const workflowWorkerOf = (taskQueue: string, maxCachedWorkflows: number) => Worker.create({
      connection,
      namespace: options.namespace,
      taskQueue,
      workflowBundle,
      // The store's row writes and payment notices run here as local activities (workflows/lifecycle/store.ts,
      // workflows/booking/payments.ts).
      activities: { ...store, ...payments },
      maxCachedWorkflows,
      // Fast take-over when a worker dies (workflows/task-queues.ts says why).
      stickyQueueScheduleToStartTimeout: STICKY_QUEUE_SCHEDULE_TO_START_TIMEOUT,
      shutdownGraceTime: SHUTDOWN_GRACE_TIME,
      shutdownForceTime: SHUTDOWN_FORCE_TIME,
    });
    // Lifecycles and the platform's background workflows on separate queues (task-queues.ts says why).
    const workflowWorkers = [
      await workflowWorkerOf(WORKFLOW_TASK_QUEUE, options.maxCachedWorkflows ?? 5000),
      await workflowWorkerOf(BACKGROUND_TASK_QUEUE, 1000),
    ];
    const activityWorkers = await Promise.all(
      ACTIVITY_QUEUES.filter((queue) => Object.keys(activitiesByQueue[queue]).length > 0).map((queue) =>
        Worker.create({
          connection,
          namespace: options.namespace,
          taskQueue: queue,
          activities: activitiesByQueue[queue],
          maxConcurrentActivityTaskExecutions: QUEUE_CONCURRENCY[queue],
          // Failed attempts and retries noted for the Stuck work view (worker/activity-failures.ts).
          interceptors: { activity: [activityFailureNotes(orm, logger)] },
          shutdownGraceTime: SHUTDOWN_GRACE_TIME,
          shutdownForceTime: SHUTDOWN_FORCE_TIME,
        }),
      ),
    );
    if (options.schedules) {
      for (const { id, error } of await ensureSchedules(temporal, options.schedules)) logger.warn({ err: error, schedule: id }, 'schedule exists but was not updated');
    }
    const queues = [...workflowWorkers, ...activityWorkers].map((w) => w.options.taskQueue);
    if (options.webhookDelivery) {
      webhookDelivery = await startWebhookDelivery({ orm, temporal, databaseUrl: options.databaseUrl, logger });
    }
    if (options.automation?.dispatcher) {
      dispatcher = await startDispatcherLoop({ orm, temporal, databaseUrl: options.databaseUrl, logger, sweepMs: options.automation.sweepMs ?? 1000 });
    }
    logger.info({ namespace: options.namespace, queues }, 'worker running');
    const workers = [...workflowWorkers, ...activityWorkers];
    const run = (w: Worker) => w.run().catch((error: unknown) => {
      if (!(error instanceof GracefulShutdownPeriodExpiredError)) throw error;
      logger.warn({ taskQueue: w.options.taskQueue }, `worker stopped without draining: work still running after ${SHUTDOWN_FORCE_TIME} was abandoned`);
    });
    const finished = Promise.all(workers.map(run)).finally(close).then(() => undefined);
    return {
      finished,
      async shutdown() {
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
        await finished;
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}
