/**
 * System health and queue state (system.read; seed §7 /health, /system/queue): PostgreSQL and
 * Temporal checked now, the task queues of seed §9 as Temporal reports them (pollers and
 * approximate backlog via DescribeTaskQueue), and running lifecycles by entity type (visibility counts).
 */
import proto from '@temporalio/proto';
import { LIFECYCLE_ENTITY_TYPES } from '../../../domain/lifecycles.ts';
import { SA_ENTITY_TYPE } from '../../../workflows/search-attributes.ts';
import { ACTIVITY_QUEUES, WORKFLOW_TASK_QUEUES } from '../../../workflows/task-queues.ts';
import { requirePermission, requireViewer } from '../../auth/authorize.ts';
import type { ApiContext } from '../context.ts';
import type { Resolvers } from '../generated/types.ts';
import { pageSize } from '../connection.ts';
import { callerOf, servicesOf } from '../services.ts';

const CHECK_TIMEOUT_MS = 2000;
// CommonJS: its enums come through the default export.
const { TaskQueueType, TaskQueueKind } = proto.temporal.api.enums.v1;

async function timed(check: () => Promise<unknown>) {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([check(), new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    })]);
    return { status: 'up', latencyMs: Math.round(performance.now() - started), error: null };
  } catch (error) {
    return { status: 'down', latencyMs: Math.round(performance.now() - started), error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Within the check's deadline: the gRPC call itself ends then, no retry outlives it. */
const withDeadline = <T>(ctx: ApiContext, call: () => Promise<T>) => ctx.temporal.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, call);

const QUEUES: ReadonlyArray<{ name: string; kind: 'workflow' | 'activity' }> = [
  ...WORKFLOW_TASK_QUEUES.map((name) => ({ name, kind: 'workflow' as const })),
  ...ACTIVITY_QUEUES.map((name) => ({ name, kind: 'activity' as const })),
];

async function describeQueue(ctx: ApiContext, queue: (typeof QUEUES)[number]) {
  const response = await withDeadline(ctx, () => ctx.temporal.workflowService.describeTaskQueue({
    namespace: ctx.temporal.options.namespace,
    taskQueue: { name: queue.name, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: queue.kind === 'workflow' ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    reportStats: true,
  }));
  const age = response.stats?.approximateBacklogAge;
  return {
    name: queue.name,
    kind: queue.kind,
    pollers: response.pollers?.length ?? 0,
    backlog: Number(response.stats?.approximateBacklogCount ?? 0),
    backlogAgeSeconds: age ? Number(age.seconds ?? 0) + Number(age.nanos ?? 0) / 1e9 : 0,
  };
}

export const systemResolvers: Resolvers = {
  Query: {
    async systemHealth(_, __, ctx) {
      requirePermission(ctx, 'system.read');
      const [postgres, temporalCheck] = await Promise.all([
        timed(() => ctx.em.getConnection().execute('SELECT 1')),
        timed(() => withDeadline(ctx, () => ctx.temporal.workflowService.getSystemInfo({}))),
      ]);
      const ok = postgres.status === 'up' && temporalCheck.status === 'up';
      return { status: ok ? 'ok' : 'degraded', postgres, temporal: temporalCheck, time: new Date() };
    },
    async failingActivities(_, args, ctx) {
      const viewer = requireViewer(ctx);
      return servicesOf(ctx).failingActivities.list(callerOf(ctx, viewer), { first: pageSize(args.first) });
    },
    async queueState(_, __, ctx) {
      requirePermission(ctx, 'system.read');
      try {
        const [queues, workflows] = await Promise.all([
          Promise.all(QUEUES.map((queue) => describeQueue(ctx, queue))),
          Promise.all(LIFECYCLE_ENTITY_TYPES.map(async (entityType) => {
            const { count } = await withDeadline(ctx, () => ctx.temporal.workflow.count(`${SA_ENTITY_TYPE.name} = '${entityType}' AND ExecutionStatus = 'Running'`));
            return { entityType, running: count };
          })),
        ]);
        return { queues, workflows, error: null };
      } catch (error) {
        ctx.log.warn({ err: error }, 'queue state unavailable');
        return { queues: [], workflows: [], error: error instanceof Error ? error.message : String(error) };
      }
    },
  },
};
