/**
 * The deposit paths end to end with no operator action, on the real servers: Finance asks for
 * the deposit, the client pays (or is declined) at Stripe (localstripe through the SDK), Stripe's
 * signed webhook reaches the real endpoint, the booking's workflow records it, and the real
 * automation dispatcher runs the shipped rules on the event the workflow wrote: "Confirm booking
 * when deposit paid" confirms the booking; "Escalate failed payments" (seed rule 4) opens an
 * exception, gives Finance a retry task and keeps the booking in deposit_required.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type Stripe from 'stripe';
import { openOrm } from '../db/orm.ts';
import { bookingWorkflowId } from '../workflows/booking/messages.ts';
import { lifecycleStateQuery } from '../workflows/lifecycle/messages.ts';
import { freshBooking } from './operations/bookings.ts';
import { inquiryWorkflowId } from '../domain/inquiry.ts';
import { freshModel } from './support/models.ts';
import { startTestPlatform, testEnv, testStripe, type TestPlatform } from './support/platform.ts';
import { deliver, pay, paymentSteps, signedEvent, uniqueSlot, type PaymentSteps } from './support/stripe.ts';
import { eventually } from './support/wait.ts';

let platform: TestPlatform;
let stripe: Stripe;
let steps: PaymentSteps;

interface Execution { id: string; status: string; error: string | null; result: { actions?: Record<string, { outcome: string }> } | null }

beforeAll(async () => {
  // Events of earlier suites in this shared database are not this suite's to act on.
  const orm = await openOrm(testEnv().databaseUrl);
  await orm.em.getConnection().execute('UPDATE domain_events SET published_at = now() WHERE published_at IS NULL');
  await orm.close();
  platform = await startTestPlatform({ automation: true });
  stripe = testStripe();
  // A model of its own per booking: a confirmed booking holds the model's time.
  steps = paymentSteps(platform, async () => freshBooking(platform, { ...uniqueSlot(), modelId: (await freshModel(platform)).id }));
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

const ruleId = async (name: string) => (await platform.sql<{ id: string }>('SELECT id FROM automation_rules WHERE name = ?', [name]))[0]!.id;

/** The event the booking's workflow wrote for this webhook (its transition id names the Stripe event). */
async function eventFor(stripeEventId: string, type: string): Promise<{ id: string; entity_type: string; entity_id: string }> {
  const rows = await eventually(
    () => platform.sql<{ id: string; entity_type: string; entity_id: string }>('SELECT id, entity_type, entity_id FROM domain_events WHERE transition_id = ? AND event_type = ?', [`stripe:${stripeEventId}`, type]),
    (r) => r.length > 0, 30_000);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

/** The rule's execution for the event, once the dispatcher has run it to the end. */
async function finished(rule: string, eventId: string): Promise<Execution> {
  const rows = await eventually(() => platform.sql<Execution>('SELECT id, status, error, result FROM automation_executions WHERE rule_id = ? AND event_id = ?', [rule, eventId]),
    (r) => r.length > 0 && ['done', 'failed', 'skipped'].includes(r[0]!.status), 60_000);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

/** The booking's status as its workflow holds it (the row follows the workflow). */
const workflowStatus = async (bookingId: string) => (await platform.temporal.workflow.getHandle(bookingWorkflowId(bookingId)).query(lifecycleStateQuery)).status;

describe('deposit happy path, no operator action', () => {
  test('deposit_required → requestDeposit → the client pays → signed webhook → the shipped rule confirms the booking', async () => {
    const bookingId = await steps.bookingAwaitingDeposit('120.00');
    const intent = await steps.requestDeposit(bookingId);
    const paid = await pay(stripe, intent.providerRef);
    expect(paid.status).toBe('succeeded');
    const webhook = signedEvent('payment_intent.succeeded', paid);
    expect((await deliver(platform.url, webhook)).status).toBe(200);

    const event = await eventFor(webhook.id, 'payment.succeeded');
    const execution = await finished(await ruleId('Confirm booking when deposit paid'), event.id);
    expect(execution).toMatchObject({ status: 'done', error: null });
    expect(Object.values(execution.result?.actions ?? {}).map((a) => a.outcome)).toEqual(['done', 'done']);

    expect(await workflowStatus(bookingId)).toBe('confirmed');
    const [row] = await platform.sql<{ status: string; deposit_status: string; payment_status: string }>('SELECT status, deposit_status, payment_status FROM bookings WHERE id = ?', [bookingId]);
    expect(row).toEqual({ status: 'confirmed', deposit_status: 'paid', payment_status: 'partial' });
    // Audit: Finance's request, the payment the webhook recorded (keyed by the Stripe event), then
    // the confirmation the rule's execution made (keyed by that execution), in that order; no person's.
    const audit = await platform.sql<{ action: string; actor_type: string; actor_user_id: string | null; transition_id: string; after: Record<string, unknown> }>(
      `SELECT action, actor_type, actor_user_id, transition_id, after FROM audit_log WHERE entity_type = 'booking' AND entity_id = ? ORDER BY created_at, id`, [bookingId]);
    const since = audit.findIndex((a) => a.action === 'DEPOSIT_REQUESTED');
    expect(audit.slice(since).map((a) => [a.action, a.actor_type, a.actor_user_id === null, a.after?.status ?? a.after?.deposit_status])).toEqual([
      ['DEPOSIT_REQUESTED', 'user', false, 'pending'],
      ['PAYMENT_SUCCEEDED', 'system', true, 'paid'],
      ['STATUS_CHANGE', 'system', true, 'confirmed'],
    ]);
    expect(audit[since + 1]!.transition_id).toBe(`stripe:${webhook.id}`);
    expect(audit[since + 2]!.transition_id).toContain(`automation:${execution.id}:`);
    expect((await platform.sql<{ type: string }>('SELECT type FROM tasks WHERE entity_id = ?', [bookingId])).map((t) => t.type)).toEqual(['notify_model']);
  }, 180_000);
});

describe('failed deposit, no operator action', () => {
  test('a declined card → signed webhook → rule 4: exception, retry task for Finance, booking kept in deposit_required', async () => {
    const bookingId = await steps.bookingAwaitingDeposit('90.00');
    const intent = await steps.requestDeposit(bookingId);
    const declined = await pay(stripe, intent.providerRef, 'pm_card_chargeCustomerFail');
    expect(declined.status).toBe('requires_payment_method');
    const webhook = signedEvent('payment_intent.payment_failed', declined);
    expect((await deliver(platform.url, webhook)).status).toBe(200);

    const event = await eventFor(webhook.id, 'payment.failed');
    const execution = await finished(await ruleId('Escalate failed payments'), event.id);
    expect(execution).toMatchObject({ status: 'done', error: null });
    // The booking already waits for its deposit: the status action finds it there and forces nothing.
    expect(Object.values(execution.result?.actions ?? {}).map((a) => a.outcome)).toEqual(['done', 'done', 'unchanged']);

    expect(await workflowStatus(bookingId)).toBe('deposit_required');
    const [row] = await platform.sql<{ status: string; deposit_status: string }>('SELECT status, deposit_status FROM bookings WHERE id = ?', [bookingId]);
    expect(row).toEqual({ status: 'deposit_required', deposit_status: 'failed' });
    const exceptions = await platform.sql<{ type: string; severity: string; entity_type: string }>('SELECT type, severity, entity_type FROM exceptions WHERE entity_id = ?', [bookingId]);
    expect(exceptions).toEqual([{ type: 'payment_failed', severity: 'high', entity_type: 'booking' }]);
    const tasks = await platform.sql<{ type: string; role: string }>(
      `SELECT t.type, r.code AS role FROM tasks t JOIN user_roles ur ON ur.user_id = t.assigned_to JOIN roles r ON r.id = ur.role_id WHERE t.entity_id = ?`, [bookingId]);
    expect(tasks).toEqual([{ type: 'retry_payment', role: 'FINANCE' }]);
    const audit = (await platform.sql<{ action: string }>(`SELECT action FROM audit_log WHERE entity_type = 'booking' AND entity_id = ?`, [bookingId])).map((a) => a.action);
    expect(audit).toContain('PAYMENT_FAILED');
  }, 180_000);
});

describe('an inquiry\'s deposit and the shipped rules', () => {
  /** A phone inquiry (rule 1 acts on web ones only) moved to awaiting_deposit by the owner. */
  async function inquiryAwaitingDeposit(): Promise<string> {
    const created = await platform.gql<{ createInquiry: { inquiry: { id: string } } }>('mutation { createInquiry(input: { source: phone, clientName: "Deposit rules" }) { inquiry { id } } }');
    const id = created.data!.createInquiry.inquiry.id;
    for (const [to, extra] of [['qualified', ''], ['awaiting_client', ''], ['awaiting_deposit', ', depositAmount: "75.00"']]) {
      const moved = await platform.gql(`mutation ($id: ID!) { changeStatus(input: { entity: { type: inquiry, id: $id }, to: "${to}"${extra} }) { to } }`, { id });
      if (moved.errors) throw new Error(JSON.stringify(moved.errors));
    }
    return id;
  }
  const requestInquiryDeposit = async (id: string) => (await platform.gql<{ requestInquiryDeposit: { payment: { id: string; providerPaymentId: string } } }>(
    'mutation ($id: ID!) { requestInquiryDeposit(inquiryId: $id) { payment { id providerPaymentId } } }', { id }, await platform.as('FINANCE'))).data!.requestInquiryDeposit.payment;

  test('paid: the waiting deposit reminder (rule 2) is dropped at once, the confirm rule finds no booking; declined: rule 4 leaves it alone', async () => {
    const inquiryId = await inquiryAwaitingDeposit();
    const reminderRule = await ruleId('Send deposit reminder if not paid in 2 hours');
    const [entered] = await eventually(() => platform.sql<{ id: string }>(
      `SELECT id FROM domain_events WHERE entity_id = ? AND event_type = 'inquiry.status_changed' AND payload->>'to' = 'awaiting_deposit'`, [inquiryId]), (r) => r.length > 0);
    const waiting = await eventually(() => platform.sql<{ status: string }>('SELECT status FROM automation_executions WHERE rule_id = ? AND event_id = ?', [reminderRule, entered!.id]),
      (r) => r[0]?.status === 'waiting', 60_000);
    expect(waiting).toEqual([{ status: 'waiting' }]);

    const payment = await requestInquiryDeposit(inquiryId);
    const webhook = signedEvent('payment_intent.succeeded', await pay(stripe, payment.providerPaymentId));
    expect((await deliver(platform.url, webhook)).status).toBe(200);
    const paid = await eventFor(webhook.id, 'payment.succeeded');
    expect(await finished(await ruleId('Confirm booking when deposit paid'), paid.id)).toMatchObject({ status: 'skipped' });
    // The reminder's follow-up is dropped now, not sent two hours later.
    const reminder = await finished(reminderRule, entered!.id);
    expect(reminder.status).toBe('done');
    expect(Object.values(reminder.result?.actions ?? {}).map((a) => a.outcome)).toEqual(['cancelled']);
    expect(await platform.sql(`SELECT id FROM messages WHERE subject_id = ?`, [inquiryId])).toEqual([]);
    const [row] = await platform.sql<{ source: 'phone'; external_ref: string | null }>('SELECT source, external_ref FROM inquiries WHERE id = ?', [inquiryId]);
    expect((await platform.temporal.workflow.getHandle(inquiryWorkflowId({ id: inquiryId, source: row!.source, externalRef: row!.external_ref })).query(lifecycleStateQuery)).status).toBe('awaiting_deposit');

    const declinedInquiry = await inquiryAwaitingDeposit();
    const declinedPayment = await requestInquiryDeposit(declinedInquiry);
    const failed = signedEvent('payment_intent.payment_failed', await pay(stripe, declinedPayment.providerPaymentId, 'pm_card_chargeCustomerFail'));
    expect((await deliver(platform.url, failed)).status).toBe(200);
    const failedEvent = await eventFor(failed.id, 'payment.failed');
    expect(await finished(await ruleId('Escalate failed payments'), failedEvent.id)).toMatchObject({ status: 'skipped', error: null });
    expect(await platform.sql('SELECT 1 FROM exceptions WHERE entity_id = ?', [declinedInquiry])).toEqual([]);
  }, 180_000);
});
