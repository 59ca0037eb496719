/**
 * The worker's composition root: one Temporal connection, one ORM, the activities built
 * over them, and a worker per task queue. Resolves when every worker has shut down
 * (SIGINT / SIGTERM drain in-flight tasks first).
 */
import { createRequire } from 'node:module';
import { DefaultLogger, NativeConnection, Runtime, Worker, makeTelemetryFilterString, type LogLevel } from '@temporalio/worker';
import { openOrm } from '../db/orm.ts';
import type { Logger } from '../platform/logger.ts';
import { createStoreActivities } from '../activities/store/index.ts';
import { ACTIVITY_QUEUES, WORKFLOW_TASK_QUEUE, type ActivityQueue } from '../workflows/task-queues.ts';
import { ensureSearchAttributes } from './search-attributes.ts';

export interface WorkerOptions {
  readonly databaseUrl: string;
  readonly temporalAddress: string;
  /** An existing connection to use (and leave open), e.g. a test environment's. */
  readonly connection?: NativeConnection | undefined;
  /**
   * Workflow runs kept in memory between tasks. A run that is not cached is replayed from its
   * history on its next task: size this above the number of entities active at once.
   */
  readonly maxCachedWorkflows?: number | undefined;
  /** Register the lifecycle search attributes at start (not possible on the time-skipping test server). */
  readonly registerSearchAttributes?: boolean | undefined;
  readonly namespace: string;
  readonly metricsAddress: string | undefined;
  readonly logger: Logger;
}

const require = createRequire(import.meta.url);
export const WORKFLOWS_PATH = require.resolve('../workflows/index.ts');

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
  const close = async () => {
    await orm.close();
    if (!options.connection) await connection.close();
  };
  try {
    if (options.registerSearchAttributes !== false) {
      const added = await ensureSearchAttributes(connection, options.namespace);
      if (added.length > 0) logger.info({ added }, 'registered search attributes');
    }

    // Each activity runs on the queue whose timeouts and retries fit it (seed §9).
    const store = createStoreActivities({ orm, logger });
    // Each queue's worker serves the activities scheduled on it (workflows/lifecycle/store.ts);
    // heavy gets media, imports and reports with their issues.
    const activitiesByQueue: Record<ActivityQueue, object> = {
      critical: store,
      ops: { recordEvent: store.recordEvent },
      heavy: {},
    };
    const workflowWorker = await Worker.create({
      connection,
      namespace: options.namespace,
      taskQueue: WORKFLOW_TASK_QUEUE,
      workflowsPath: WORKFLOWS_PATH,
      // The store's row writes run here as local activities (workflows/lifecycle/store.ts).
      activities: store,
      maxCachedWorkflows: options.maxCachedWorkflows ?? 5000,
    });
    const activityWorkers = await Promise.all(
      ACTIVITY_QUEUES.filter((queue) => Object.keys(activitiesByQueue[queue]).length > 0).map((queue) =>
        Worker.create({
          connection,
          namespace: options.namespace,
          taskQueue: queue,
          activities: activitiesByQueue[queue],
          maxConcurrentActivityTaskExecutions: QUEUE_CONCURRENCY[queue],
        }),
      ),
    );
    const queues = [WORKFLOW_TASK_QUEUE, ...activityWorkers.map((w) => w.options.taskQueue)];
    logger.info({ namespace: options.namespace, queues }, 'worker running');
    const workers = [workflowWorker, ...activityWorkers];
    const finished = Promise.all(workers.map((w) => w.run())).finally(close).then(() => undefined);
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
