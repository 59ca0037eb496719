/**
 * The payment jobs Temporal Schedules start: the webhook sweep (stored but undelivered
 * webhooks, ops queue) and Finance's reconciliation (a report, heavy queue, seed §9).
 * Each is one activity; the workflow fixes the report id and the period once, so a retried
 * activity writes the same report.
 */
import { proxyActivities, uuid4 } from '@temporalio/workflow';
import type { createReconciliationActivities } from '../../activities/payments/reconciliation.ts';
import type { createSweepActivities } from '../../activities/payments/sweep.ts';
import { activityQueueOptions } from '../task-queues.ts';
import type { ReconcileRequest, ReconcileResult, SweepInput } from './messages.ts';

const ops = proxyActivities<ReturnType<typeof createSweepActivities>>(activityQueueOptions.ops);
const heavy = proxyActivities<ReturnType<typeof createReconciliationActivities>>({ ...activityQueueOptions.heavy, heartbeatTimeout: '60s' });

const HOUR = 3600_000;

export async function sweepWebhooks(input: SweepInput = {}): Promise<{ found: number; delivered: number }> {
  return ops.sweepStoredWebhooks({ graceMs: input.graceMs ?? 5000, limit: 1000 });
}

export async function reconcilePayments(input: ReconcileRequest = {}): Promise<ReconcileResult> {
  const to = input.to ?? new Date().toISOString();
  const from = input.from ?? new Date(Date.parse(to) - (input.lookbackHours ?? 25) * HOUR).toISOString();
  return heavy.reconcilePayments({ reportId: uuid4(), from, to });
}
