import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { money, timestamptz, uuidPk } from './columns.ts';

/** One reconciliation run: our payments against the provider's over a period (Finance's report). */
export const ReconciliationReport = defineEntity({
  name: 'ReconciliationReport',
  tableName: 'reconciliation_reports',
  properties: {
    id: uuidPk(),
    provider: p.text(),
    periodFrom: timestamptz(),
    periodTo: timestamptz(),
    startedAt: timestamptz().defaultRaw('now()'),
    finishedAt: timestamptz().nullable(),
    /** running, completed, failed */
    status: p.text().default('running'),
    oursChecked: p.integer().default(0),
    providerChecked: p.integer().default(0),
    mismatchCount: p.integer().default(0),
    error: p.text().nullable(),
  },
  indexes: [{ name: 'idx_reconciliation_reports_started', properties: ['startedAt'] }],
});
export type ReconciliationReport = InferEntity<typeof ReconciliationReport>;

/** One difference found by a run; each raised an exception for Finance. */
export const ReconciliationMismatch = defineEntity({
  name: 'ReconciliationMismatch',
  tableName: 'reconciliation_mismatches',
  properties: {
    id: uuidPk(),
    reportId: p.uuid(),
    /** missing_here (paid at the provider, not here), missing_at_provider, amount_differs, refund_differs */
    kind: p.text(),
    providerPaymentId: p.text().nullable(),
    paymentId: p.uuid().nullable(),
    bookingId: p.uuid().nullable(),
    ourAmount: money().nullable(),
    providerAmount: money().nullable(),
    currency: p.text().nullable(),
    detail: p.text(),
    exceptionId: p.uuid().nullable(),
  },
  indexes: [{ name: 'idx_reconciliation_mismatches_report', properties: ['reportId'] }],
});
export type ReconciliationMismatch = InferEntity<typeof ReconciliationMismatch>;
