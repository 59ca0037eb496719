/** The payment jobs run by Temporal Schedules (worker/schedules.ts): their names and inputs. */

export const sweepWebhooksWorkflowType = 'sweepWebhooks';
export const reconcilePaymentsWorkflowType = 'reconcilePayments';

export const WEBHOOK_SWEEP_SCHEDULE_ID = 'webhooks-sweep';
export const RECONCILIATION_SCHEDULE_ID = 'payments-reconciliation';

export interface SweepInput {
  /** Rows younger than this are left to the API process that acknowledged them. */
  readonly graceMs?: number | undefined;
}

export interface ReconcileRequest {
  /** ISO; default: the last `lookbackHours` up to now (workflow time). */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly lookbackHours?: number | undefined;
}

export interface ReconcileResult {
  readonly reportId: string;
  readonly mismatches: number;
}
