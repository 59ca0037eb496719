/**
 * How lifecycle workflows reach the store activities.
 *
 * Row writes on the request path (create, transition, assign, note, reschedule) run as LOCAL
 * activities: executed by the worker that runs the workflow task, recorded in history as a
 * marker, with no round trip through a task queue and no second workflow task. That halves a
 * transition's latency (bench/RESULTS.md). It is safe because every write is idempotent by its
 * transition id: a local activity re-run after a crash finds its committed audit entry.
 * They keep the `critical` queue's timeout and retry policy (seed §9).
 *
 * Work no caller waits for runs as ordinary activities: SLA escalation on `critical` (seed §9:
 * SLA is critical work); timer events that drive reminders and notifications (deposit reminder,
 * booking approaching, SLA warning) on `ops`.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { StoreActivities } from '../../activities/store/index.ts';
import { activityQueueOptions } from '../task-queues.ts';

const { startToCloseTimeout, retry } = activityQueueOptions.critical;

export const storeWrites = proxyLocalActivities<StoreActivities>({ startToCloseTimeout, retry });
export const storeEvents = proxyActivities<StoreActivities>(activityQueueOptions.critical);
export const notificationEvents = proxyActivities<StoreActivities>(activityQueueOptions.ops);
