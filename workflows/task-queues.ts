/**
 * Task queues (seed §9 as Temporal task queues). Lifecycle workflows run on their own queue;
 * activities run on `critical`, `ops` or `heavy`, each with the seed's timeout and retries,
 * declared once here so every proxy uses the same policy.
 */
import type { ActivityOptions } from '@temporalio/workflow';

export const WORKFLOW_TASK_QUEUE = 'lifecycles';

/**
 * The platform's own background workflows: automation executions and schedule ticks, message and
 * outgoing-webhook deliveries, the payment sweep and reconciliation, media processing, CSV
 * imports and reports. Their workflow tasks have a worker (and slots) of their own, so a burst
 * of rule executions never queues ahead of an operator's transition on `lifecycles`. (The lifecycles worker registers every workflow type
 * too, so anything started on `lifecycles` before this split still finishes.)
 */
export const BACKGROUND_TASK_QUEUE = 'background';
export const WORKFLOW_TASK_QUEUES = [WORKFLOW_TASK_QUEUE, BACKGROUND_TASK_QUEUE] as const;

/**
 * How long a lifecycle's workflow task may run on a worker before the server gives it to
 * another (Temporal's default is 10 s). A worker killed mid-task holds its tasks this long, so
 * it bounds how soon an in-flight change resumes on a new worker. A task does little (its row
 * writes are local activities, whose running keeps the task alive with heartbeats at 80 % of
 * this), so 2 s leaves ample room on a busy machine. Continue-as-new keeps it; every start of a
 * lifecycle workflow sets it (the API's starts, child bookings and exceptions, payment notices'
 * signal-with-start), since a workflow started without it has the 10 s default for its whole life.
 */
export const LIFECYCLE_WORKFLOW_TASK_TIMEOUT = '2s';

/**
 * How long a workflow task waits on its worker's sticky queue before any worker may take it
 * (the SDK's default is 10 s). Tasks of a worker that died wait this long once the server has
 * noticed that no one polls its sticky queue. A busy live worker that misses it loses more than
 * its cache hit: the task comes back through the normal queue with the whole history, which the
 * worker replays in a fresh workflow context. At 1 s a burst of payment webhooks on a loaded
 * machine turned most tasks into such replays (bench/RESULTS.md, payments notes: the worker's
 * workflow thread spent its time entering workflow contexts), which slowed the worker and made
 * the backlog longer still. 3 s keeps a worker's cache through such bursts and still hands a dead
 * worker's tasks over within test/crash.test.ts's 5 s.
 */
export const STICKY_QUEUE_SCHEDULE_TO_START_TIMEOUT = '3s';

export const ACTIVITY_QUEUES = ['critical', 'ops', 'heavy'] as const;
export type ActivityQueue = (typeof ACTIVITY_QUEUES)[number];

export const activityQueueOptions: Readonly<Record<ActivityQueue, ActivityOptions>> = {
  // Payments, booking status, SLA: 30 s, 3 attempts, 1 s / 2 s / 4 s.
  critical: {
    taskQueue: 'critical',
    startToCloseTimeout: '30s',
    retry: { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '4s' },
  },
  // Notifications, syncs, automation, webhooks: 60 s, 5 attempts, 5 s … 80 s.
  ops: {
    taskQueue: 'ops',
    startToCloseTimeout: '60s',
    retry: { maximumAttempts: 5, initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '80s' },
  },
  // Media, imports, reports: 300 s, 2 attempts, 60 s then 120 s.
  heavy: {
    taskQueue: 'heavy',
    startToCloseTimeout: '300s',
    retry: { maximumAttempts: 2, initialInterval: '60s', backoffCoefficient: 2, maximumInterval: '120s' },
  },
};
