/**
 * A deposit asked of an inquiry's client (awaiting_deposit), before any booking exists, on the
 * real servers: Finance asks for it through GraphQL, the inquiry's workflow creates the
 * PaymentIntent (localstripe through the SDK), the client pays, Stripe's signed webhook reaches
 * the inquiry's workflow as a Signal, which records it (payment row of the inquiry, its
 * deposit_status, audit, `payment.succeeded` about the payment), stops the deposit reminder and
 * gives the operator a convert_inquiry task; converting the inquiry hands the paid deposit to the
 * booking. A declined card and its retry go through the inquiry's workflow too.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type Stripe from 'stripe';
import { inquiryWorkflowId } from '../domain/inquiry.ts';
import { lifecycleStateQuery } from '../workflows/lifecycle/messages.ts';
import { bookingInput, inquiryAwaitingDeposit } from './operations/bookings.ts';
import { freshModel } from './support/models.ts';
import { startTestPlatform, testStripe, type TestPlatform } from './support/platform.ts';
import { freshInquiry } from './support/role-matrix.ts';
import { deliver, pay, signedEvent, uniqueSlot } from './support/stripe.ts';
import { eventually } from './support/wait.ts';

let platform: TestPlatform;
let stripe: Stripe;

beforeAll(async () => {
  platform = await startTestPlatform();
  stripe = testStripe();
}, 120_000);
afterAll(async () => {
  await platform?.stop();
});

const PAYMENT = 'id providerPaymentId status amount bookingId bookingRef inquiryId inquiryRef';
interface PaymentView { id: string; providerPaymentId: string; status: string; amount: string; bookingId: string | null; bookingRef: string | null; inquiryId: string | null; inquiryRef: string | null }

async function requestInquiryDeposit(inquiryId: string, role = 'FINANCE') {
  return platform.gql<{ requestInquiryDeposit: { clientSecret: string; duplicate: boolean; payment: PaymentView } }>(
    `mutation ($id: ID!) { requestInquiryDeposit(inquiryId: $id) { clientSecret duplicate payment { ${PAYMENT} } } }`, { id: inquiryId }, await platform.as(role));
}

async function settled(eventId: string) {
  const rows = await eventually(
    () => platform.sql<{ status: string; error: string | null; entity_type: string | null; entity_id: string | null }>('SELECT status, error, entity_type, entity_id FROM webhooks_in WHERE idempotency_key = ?', [eventId]),
    (r) => r.length === 1 && r[0]!.status !== 'received', 30_000);
  return rows[0]!;
}

const inquiryRow = async (id: string) => (await platform.sql<{ status: string; deposit_status: string; booking_id: string | null }>(
  'SELECT status, deposit_status, booking_id FROM inquiries WHERE id = ?', [id]))[0]!;

async function workflowOf(inquiryId: string) {
  const [row] = await platform.sql<{ source: 'web'; external_ref: string | null }>('SELECT source, external_ref FROM inquiries WHERE id = ?', [inquiryId]);
  return platform.temporal.workflow.getHandle(inquiryWorkflowId({ id: inquiryId, source: row!.source, externalRef: row!.external_ref }));
}

describe('a deposit for an inquiry in awaiting_deposit', () => {
  test('Finance asks → the client pays → signed webhook → the inquiry records it, its reminder stops, its operator gets a convert task; conversion hands the deposit to the booking', async () => {
    const inquiryId = await inquiryAwaitingDeposit(platform);
    const asked = await requestInquiryDeposit(inquiryId);
    expect(asked.errors).toBeUndefined();
    const intent = asked.data!.requestInquiryDeposit;
    expect(intent.payment).toMatchObject({ status: 'pending', amount: '100.00', bookingId: null, bookingRef: null, inquiryId, inquiryRef: expect.stringMatching(/^I-/) });
    expect(intent.clientSecret).toContain(`${intent.payment.providerPaymentId}_secret_`);
    // Asking again sends the same open intent: one payment, one PaymentIntent.
    expect((await requestInquiryDeposit(inquiryId)).data!.requestInquiryDeposit.payment.id).toBe(intent.payment.id);
    expect((await stripe.paymentIntents.retrieve(intent.payment.providerPaymentId)).metadata).toEqual({ paymentId: intent.payment.id, inquiryId });
    expect(await inquiryRow(inquiryId)).toMatchObject({ status: 'awaiting_deposit', deposit_status: 'pending' });
    const handle = await workflowOf(inquiryId);
    expect((await handle.query(lifecycleStateQuery)).upcomingTimers.map((t) => t.name)).toContain('deposit_reminder');

    const paid = await pay(stripe, intent.payment.providerPaymentId);
    const webhook = signedEvent('payment_intent.succeeded', paid);
    expect((await deliver(platform.url, webhook)).status).toBe(200);
    expect(await settled(webhook.id)).toEqual({ status: 'processed', error: null, entity_type: 'inquiry', entity_id: inquiryId });
    // A repeat of the same event changes nothing.
    expect((await deliver(platform.url, webhook)).body).toMatchObject({ duplicate: true });

    // Recorded on the inquiry, through its workflow; the status is the operator's to move on.
    expect(await inquiryRow(inquiryId)).toEqual({ status: 'awaiting_deposit', deposit_status: 'paid', booking_id: null });
    const [payment] = await platform.sql<{ status: string; booking_id: string | null; inquiry_id: string }>('SELECT status, booking_id, inquiry_id FROM payments WHERE id = ?', [intent.payment.id]);
    expect(payment).toEqual({ status: 'succeeded', booking_id: null, inquiry_id: inquiryId });
    const events = await platform.sql<{ entity_type: string; entity_id: string; payload: Record<string, unknown> }>(
      `SELECT entity_type, entity_id, payload FROM domain_events WHERE transition_id = ? AND event_type = 'payment.succeeded'`, [`stripe:${webhook.id}`]);
    expect(events).toEqual([{ entity_type: 'payment', entity_id: intent.payment.id, payload: {
      bookingId: null, inquiryId, paymentId: intent.payment.id, amount: '100.00', currency: 'GBP', providerRef: intent.payment.providerPaymentId,
    } }]);
    const audit = (await platform.sql<{ action: string }>(`SELECT action FROM audit_log WHERE entity_type = 'inquiry' AND entity_id = ? ORDER BY created_at`, [inquiryId])).map((a) => a.action);
    expect(audit.filter((a) => a.startsWith('PAYMENT_') || a === 'DEPOSIT_REQUESTED')).toEqual(['DEPOSIT_REQUESTED', 'PAYMENT_SUCCEEDED']);
    const state = await handle.query(lifecycleStateQuery);
    expect(state.facts.depositStatus).toBe('paid');
    expect(state.upcomingTimers.map((t) => t.name)).not.toContain('deposit_reminder');
    const tasks = await eventually(() => platform.sql<{ type: string; priority: string; entity_type: string }>(`SELECT type, priority, entity_type FROM tasks WHERE entity_id = ?`, [inquiryId]), (r) => r.length > 0);
    expect(tasks).toEqual([{ type: 'convert_inquiry', priority: 'high', entity_type: 'inquiry' }]);

    // The owner (inquiries and payments) sees the deposit's state, Finance the payment; an operator neither.
    const owner = await platform.gql<{ inquiry: { depositStatus: string } }>('query ($id: ID!) { inquiry(id: $id) { depositStatus } }', { id: inquiryId }, await platform.as('OWNER'));
    expect(owner.data?.inquiry.depositStatus).toBe('paid');
    const finance = await platform.gql<{ payments: { edges: Array<{ node: PaymentView }> } }>(`query { payments(first: 5, status: "succeeded") { edges { node { ${PAYMENT} } } } }`, undefined, await platform.as('FINANCE'));
    expect(finance.data?.payments.edges.map((e) => e.node)).toContainEqual(expect.objectContaining({ id: intent.payment.id, inquiryId, bookingId: null }));
    const operator = await platform.gql<{ inquiry: { depositStatus: string | null } }>('query ($id: ID!) { inquiry(id: $id) { depositStatus } }', { id: inquiryId }, await platform.as('OPERATOR'));
    expect(operator.data?.inquiry.depositStatus).toBeNull();
    // Paid: asking again is refused; so is a refund before the conversion.
    expect((await requestInquiryDeposit(inquiryId)).errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
    const early = await platform.gql('mutation ($id: ID!) { refundPayment(id: $id) { refund { id } } }', { id: intent.payment.id }, await platform.as('FINANCE'));
    expect(early.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });

    // Converted: the booking starts with its deposit paid and owns the payment.
    const model = await freshModel(platform);
    const converted = await platform.gql<{ convertInquiryToBooking: { booking: { id: string; depositStatus: string; paymentStatus: string } } }>(
      'mutation ($id: ID!, $input: ConvertInquiryInput!) { convertInquiryToBooking(id: $id, input: $input) { booking { id depositStatus paymentStatus } } }',
      { id: inquiryId, input: { ...(await bookingInput(platform, 72)), ...uniqueSlot(), modelId: model.id } }, await platform.as('OWNER'));
    expect(converted.errors).toBeUndefined();
    const booking = converted.data!.convertInquiryToBooking.booking;
    expect(booking).toMatchObject({ depositStatus: 'paid', paymentStatus: 'partial' });
    const moved = await platform.gql<{ payment: PaymentView }>(`query ($id: ID!) { payment(id: $id) { ${PAYMENT} } }`, { id: intent.payment.id }, await platform.as('FINANCE'));
    expect(moved.data?.payment).toMatchObject({ bookingId: booking.id, inquiryId, status: 'succeeded' });
    const bookingState = await platform.temporal.workflow.getHandle(`booking:${booking.id}`).query(lifecycleStateQuery);
    expect(bookingState.facts).toMatchObject({ depositStatus: 'paid', payments: { [intent.payment.id]: { status: 'succeeded', amount: '100.00' } } });
    // Now a refund goes through the booking, as any booking's.
    const refunded = await platform.gql<{ refundPayment: { payment: { amountRefunded: string } } }>(
      'mutation ($id: ID!) { refundPayment(id: $id, amount: "10.00") { payment { amountRefunded } } }', { id: intent.payment.id }, await platform.as('FINANCE'));
    expect(refunded.errors).toBeUndefined();
    expect(refunded.data?.refundPayment.payment.amountRefunded).toBe('10.00');
  }, 180_000);

  test('a declined card marks the inquiry\'s deposit failed; a retry through its workflow gets a new intent', async () => {
    const inquiryId = await inquiryAwaitingDeposit(platform);
    const first = (await requestInquiryDeposit(inquiryId)).data!.requestInquiryDeposit.payment;
    const declined = await pay(stripe, first.providerPaymentId, 'pm_card_chargeCustomerFail');
    const webhook = signedEvent('payment_intent.payment_failed', declined);
    expect((await deliver(platform.url, webhook)).status).toBe(200);
    expect((await settled(webhook.id)).status).toBe('processed');
    expect(await inquiryRow(inquiryId)).toMatchObject({ deposit_status: 'failed' });
    expect(await platform.sql(`SELECT 1 FROM tasks WHERE entity_id = ?`, [inquiryId])).toEqual([]);

    const retried = await platform.gql<{ retryPayment: { payment: PaymentView } }>(`mutation ($id: ID!) { retryPayment(id: $id) { payment { ${PAYMENT} } } }`, { id: first.id }, await platform.as('FINANCE'));
    expect(retried.errors).toBeUndefined();
    const second = retried.data!.retryPayment.payment;
    expect(second).toMatchObject({ status: 'pending', inquiryId, bookingId: null });
    expect(second.providerPaymentId).not.toBe(first.providerPaymentId);
    expect((await platform.sql<{ status: string }>('SELECT status FROM payments WHERE id = ?', [first.id]))[0]?.status).toBe('cancelled');
    expect(await inquiryRow(inquiryId)).toMatchObject({ deposit_status: 'pending' });
  }, 120_000);

  test('refused for an inquiry that does not wait for a deposit, and for an operator; nothing is created', async () => {
    const inquiryId = await freshInquiry(platform);
    expect((await requestInquiryDeposit(inquiryId)).errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
    const waiting = await inquiryAwaitingDeposit(platform);
    expect((await requestInquiryDeposit(waiting, 'OPERATOR')).errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(await platform.sql('SELECT id FROM payments WHERE inquiry_id = ANY(?::uuid[])', [`{${inquiryId},${waiting}}`])).toEqual([]);
  });
});
