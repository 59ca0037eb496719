/**
 * Payment operations for the role × operation matrix: deposits, retries and refunds
 * (payments.write: Finance, Owner), reconciliation (payments.read / .write), received webhooks
 * (integrations.read / .write: Integrations Admin, Owner). Operators hold none of these: they
 * never see an amount.
 */
import { randomUUID } from 'node:crypto';
import type { TestPlatform } from '../support/platform.ts';
import { countOf, type MatrixOperation } from '../support/role-matrix.ts';
import { testStripe } from '../support/platform.ts';
import { paidDeposit, paymentSteps, uniqueSlot } from '../support/stripe.ts';
import { freshBooking, inquiryAwaitingDeposit } from './bookings.ts';

const steps = (platform: TestPlatform) => paymentSteps(platform, () => freshBooking(platform, uniqueSlot()));
const paymentsOf = (platform: TestPlatform, vars: Record<string, unknown>) =>
  countOf(platform, 'SELECT count(*) AS n FROM payments WHERE booking_id = ?', [vars.bookingId]);

/** A failed deposit payment (row only: the matrix checks who may retry it, not Stripe). */
async function failedPayment(platform: TestPlatform) {
  const bookingId = await steps(platform).bookingAwaitingDeposit();
  const [row] = await platform.orm.em.getConnection().execute<Array<{ id: string }>>(
    `INSERT INTO payments (booking_id, provider, provider_payment_id, type, status, amount) VALUES (?, 'stripe', ?, 'deposit', 'failed', '100.00') RETURNING id`,
    [bookingId, `pi_matrix${randomUUID().slice(0, 8)}`]);
  return { id: row!.id, bookingId };
}

/** A failed webhook (an event about a payment nobody knows), stored through the real endpoint path. */
async function failedWebhook(platform: TestPlatform) {
  const [integration] = await platform.orm.em.getConnection().execute<Array<{ id: string }>>(`SELECT id FROM integrations WHERE code = 'stripe'`);
  const [row] = await platform.orm.em.getConnection().execute<Array<{ id: string }>>(
    `INSERT INTO webhooks_in (integration_id, event_type, payload, idempotency_key, status, error) VALUES (?, 'payment_intent.succeeded', '{}', ?, 'failed', 'matrix') RETURNING id`,
    [integration!.id, `evt_matrix${randomUUID()}`]);
  return { id: row!.id };
}

export const PAYMENT_OPERATIONS: MatrixOperation[] = [
  {
    field: 'Mutation.requestDeposit', permission: 'payments.write',
    setup: async (p) => ({ bookingId: await steps(p).bookingAwaitingDeposit() }), state: paymentsOf,
    document: 'mutation ($bookingId: ID!) { requestDeposit(bookingId: $bookingId) { clientSecret payment { amount } } }',
  },
  {
    field: 'Mutation.requestInquiryDeposit', permission: 'payments.write',
    setup: async (p) => ({ inquiryId: await inquiryAwaitingDeposit(p) }),
    state: (p, vars) => countOf(p, 'SELECT count(*) AS n FROM payments WHERE inquiry_id = ?', [vars.inquiryId]),
    document: 'mutation ($inquiryId: ID!) { requestInquiryDeposit(inquiryId: $inquiryId) { clientSecret payment { amount inquiryId inquiryRef bookingId } } }',
  },
  {
    field: 'Mutation.retryPayment', permission: 'payments.write', setup: failedPayment, state: paymentsOf,
    document: 'mutation ($id: ID!) { retryPayment(id: $id) { clientSecret } }',
  },
  {
    field: 'Mutation.refundPayment', permission: 'payments.write',
    setup: async (p) => ({ id: (await paidDeposit(p, () => freshBooking(p, uniqueSlot()), testStripe())).paymentId }),
    state: (p, vars) => countOf(p, 'SELECT count(*) AS n FROM payments WHERE refunds_payment_id = ?', [vars.id]),
    document: 'mutation ($id: ID!) { refundPayment(id: $id, amount: "1.00") { refund { amount } payment { amountRefunded } } }',
  },
  { field: 'Query.webhooks', permission: 'integrations.read', document: '{ webhooks(first: 1) { edges { cursor node { status error } } } }' },
  {
    field: 'Mutation.reprocessWebhook', permission: 'integrations.write', setup: failedWebhook,
    state: (p, vars) => countOf(p, `SELECT attempts AS n FROM webhooks_in WHERE id = ?`, [vars.id]),
    document: 'mutation ($id: ID!) { reprocessWebhook(id: $id) { status } }',
  },
  { field: 'Query.reconciliationReports', permission: 'payments.read', document: '{ reconciliationReports(first: 1) { edges { cursor node { mismatchCount } } } }' },
  {
    field: 'Query.reconciliationReport', permission: 'payments.read',
    setup: async (p) => {
      const [row] = await p.orm.em.getConnection().execute<Array<{ id: string }>>(
        `INSERT INTO reconciliation_reports (provider, period_from, period_to, status) VALUES ('stripe', now() - interval '1 day', now(), 'completed') RETURNING id`);
      return { id: row!.id };
    },
    document: 'query ($id: ID!) { reconciliationReport(id: $id) { id mismatches { kind } } }',
  },
  {
    field: 'Mutation.runReconciliation', permission: 'payments.write',
    state: (p) => countOf(p, 'SELECT count(*) AS n FROM reconciliation_reports'),
    // A quiet period: the matrix checks who may run it, the payments tests what it finds.
    document: 'mutation { runReconciliation(from: "2020-01-01T00:00:00Z", to: "2020-01-02T00:00:00Z") { status mismatchCount } }',
  },
];
