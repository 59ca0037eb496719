/**
 * Stripe deposits, webhooks and refunds on the real servers: the real API and worker, real
 * PostgreSQL and Temporal, and the `stripe` SDK against localstripe (the client's side of a
 * payment); webhooks are Stripe events signed with the endpoint secret by the SDK's helper.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type Stripe from 'stripe';
import { freshBooking } from './operations/bookings.ts';
import { startTestPlatform, testStripe, type TestPlatform } from './support/platform.ts';
import { chargeOf, deliver, paidDeposit, pay, paymentSteps, signedEvent, startStripeRecorder, type PaymentSteps, uniqueSlot } from './support/stripe.ts';
import { eventually } from './support/wait.ts';
import { RECONCILIATION_SCHEDULE_ID, WEBHOOK_SWEEP_SCHEDULE_ID, type ReconcileResult } from '../workflows/payments/messages.ts';

let platform: TestPlatform;
let stripe: Stripe;
let steps: PaymentSteps;

beforeAll(async () => {
  platform = await startTestPlatform({ schedules: true });
  stripe = testStripe();
  steps = paymentSteps(platform, () => freshBooking(platform, uniqueSlot()));
});
afterAll(async () => {
  await platform?.stop();
});

interface WebhookRow { id: string; status: string; error: string | null }
const webhookRows = (eventId: string) => platform.sql<WebhookRow>('SELECT id, status, error FROM webhooks_in WHERE idempotency_key = ?', [eventId]);
/** Waits until the stored event is settled (processed / ignored / failed) and returns its row. */
async function settled(eventId: string): Promise<WebhookRow> {
  const rows = await eventually(() => webhookRows(eventId), (r) => r.length === 1 && r[0]!.status !== 'received', 15_000);
  expect(rows).toHaveLength(1);
  return rows[0] as WebhookRow;
}
const bookingMoney = async (id: string) => (await platform.sql<{ status: string; deposit_status: string; payment_status: string }>(
  'SELECT status, deposit_status, payment_status FROM bookings WHERE id = ?', [id]))[0];
const eventsOf = (bookingId: string, type: string) => platform.sql<{ payload: Record<string, unknown>; transition_id: string }>(
  `SELECT payload, transition_id FROM domain_events WHERE payload->>'bookingId' = ? AND event_type = ? ORDER BY created_at`, [bookingId, type]);
const paymentRows = (providerRef: string) => platform.sql<{ id: string; status: string; amount: string; amount_refunded: string }>(
  `SELECT id, status, amount, amount_refunded FROM payments WHERE provider_payment_id = ?`, [providerRef]);

/** A booking whose deposit was paid at Stripe and whose webhook was applied. */
async function paidBooking(deposit = '100.00') {
  const paid = await paidDeposit(platform, () => freshBooking(platform, uniqueSlot()), stripe, deposit);
  expect((await settled(paid.event.id)).status).toBe('processed');
  return paid;
}

describe('deposit happy path', () => {
  test('link → client pays → signed webhook → deposit paid, payment.succeeded emitted, booking left to the automation rule', async () => {
    const bookingId = await steps.bookingAwaitingDeposit('100.00');
    const intent = await steps.requestDeposit(bookingId);
    expect(intent.providerRef).toMatch(/^pi_/);
    expect(intent.clientSecret).toContain(`${intent.providerRef}_secret_`);
    // Asking again sends the same open intent: one payment, one PaymentIntent.
    expect(await steps.requestDeposit(bookingId)).toEqual(intent);
    expect(await bookingMoney(bookingId)).toEqual({ status: 'deposit_required', deposit_status: 'pending', payment_status: 'unpaid' });
    // The call to Stripe is on the stripe integration's log: what was asked, the answer, Stripe's request id, our key.
    type Call = { outcome: string; summary: string; detail: { status: number; requestId: string | null; idempotencyKey: string; elapsedMs: number } };
    const calls = await eventually(() => platform.sql<Call>(`
      SELECT l.outcome, l.summary, l.detail FROM integration_logs l JOIN integrations i ON i.id = l.integration_id
       WHERE i.code = 'stripe' AND l.kind = 'request' AND l.detail->>'idempotencyKey' = ?`, [`deposit:${intent.paymentId}`]), (rows) => rows.length > 0, 10_000);
    expect(calls[0]).toMatchObject({ outcome: 'ok', summary: 'POST /v1/payment_intents → 200', detail: { status: 200, elapsedMs: expect.any(Number) } });

    const paid = await pay(stripe, intent.providerRef);
    expect(paid.status).toBe('succeeded');
    const event = signedEvent('payment_intent.succeeded', paid);
    const started = Date.now();
    const ack = await deliver(platform.url, event);
    expect(ack).toMatchObject({ status: 200, body: { received: true, duplicate: false } });
    expect(await settled(event.id)).toMatchObject({ status: 'processed', error: null });
    expect(Date.now() - started).toBeLessThan(15_000);

    expect(await paymentRows(intent.providerRef)).toEqual([{ id: intent.paymentId, status: 'succeeded', amount: '100.00', amount_refunded: '0.00' }]);
    // 100 of 550 paid; the status stays for the automation rule ("confirm booking when deposit paid").
    expect(await bookingMoney(bookingId)).toEqual({ status: 'deposit_required', deposit_status: 'paid', payment_status: 'partial' });
    const events = await eventsOf(bookingId, 'payment.succeeded');
    expect(events).toEqual([{
      transition_id: `stripe:${event.id}`,
      payload: { bookingId, inquiryId: null, paymentId: intent.paymentId, amount: '100.00', currency: 'GBP', providerRef: intent.providerRef },
    }]);
    // GraphQL shows it to Finance; the booking's deposit status too.
    const seen = await platform.gql<{ booking: { depositStatus: string; paymentStatus: string } }>(
      'query ($id: ID!) { booking(id: $id) { depositStatus paymentStatus } }', { id: bookingId }, await platform.as('FINANCE'));
    expect(seen.data?.booking).toEqual({ depositStatus: 'paid', paymentStatus: 'partial' });
    // An operator sees that it was paid, never how much: no finance fields, no amount in the timeline.
    const operator = await platform.gql<{ booking: { depositStatus: string | null; timeline: { edges: Array<{ node: { eventType: string; payload: string } }> } } }>(
      'query ($id: ID!) { booking(id: $id) { depositStatus timeline(first: 50) { edges { node { eventType payload } } } } }', { id: bookingId }, await platform.as('OPERATOR'));
    expect(operator.data?.booking.depositStatus).toBeNull();
    const paidEntry = operator.data?.booking.timeline.edges.find((e) => e.node.eventType === 'payment.succeeded')?.node;
    expect(JSON.parse(paidEntry?.payload ?? 'null')).toEqual({ bookingId, inquiryId: null, paymentId: intent.paymentId, currency: 'GBP', providerRef: intent.providerRef });
    expect((await platform.gql('{ payments(first: 1) { edges { cursor } } }', undefined, await platform.as('OPERATOR'))).errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
  }, 60_000);

  test('a deposit is refused for a booking that does not wait for one, and nothing is created', async () => {
    const bookingId = await freshBooking(platform, uniqueSlot());
    const refused = await platform.gql('mutation ($id: ID!) { requestDeposit(bookingId: $id) { clientSecret } }', { id: bookingId }, await platform.as('FINANCE'));
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect(await platform.sql('SELECT id FROM payments WHERE booking_id = ?', [bookingId])).toEqual([]);
  });
});

describe('failed payment and retry', () => {
  test('a declined card: payment.failed emitted, deposit failed; a retry gets a new intent that then succeeds', async () => {
    const bookingId = await steps.bookingAwaitingDeposit('80.00');
    const first = await steps.requestDeposit(bookingId);
    const declined = await pay(stripe, first.providerRef, 'pm_card_chargeCustomerFail');
    expect(declined.status).toBe('requires_payment_method');
    const failed = signedEvent('payment_intent.payment_failed', declined);
    expect((await deliver(platform.url, failed)).status).toBe(200);
    expect((await settled(failed.id)).status).toBe('processed');
    expect(await bookingMoney(bookingId)).toMatchObject({ deposit_status: 'failed', payment_status: 'unpaid' });
    const failures = await eventsOf(bookingId, 'payment.failed');
    expect(failures.map((e) => e.payload)).toEqual([{ bookingId, inquiryId: null, paymentId: first.paymentId, amount: '80.00', currency: 'GBP', providerRef: first.providerRef }]);
    expect((await platform.sql<{ failure_reason: string }>('SELECT failure_reason FROM payments WHERE id = ?', [first.paymentId]))[0]?.failure_reason).toMatch(/declined/i);

    const retried = await platform.gql<{ retryPayment: { clientSecret: string; payment: { id: string; providerPaymentId: string; status: string } } }>(
      'mutation ($id: ID!) { retryPayment(id: $id) { clientSecret payment { id providerPaymentId status } } }', { id: first.paymentId }, await platform.as('FINANCE'));
    const second = retried.data!.retryPayment.payment;
    expect(second.id).not.toBe(first.paymentId);
    expect(second.providerPaymentId).not.toBe(first.providerRef);
    expect((await platform.sql<{ status: string }>('SELECT status FROM payments WHERE id = ?', [first.paymentId]))[0]?.status).toBe('cancelled');
    // A payment that did not fail is not retried.
    const again = await platform.gql('mutation ($id: ID!) { retryPayment(id: $id) { clientSecret } }', { id: second.id }, await platform.as('FINANCE'));
    expect(again.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });

    const paid = await pay(stripe, second.providerPaymentId);
    const succeeded = signedEvent('payment_intent.succeeded', paid);
    await deliver(platform.url, succeeded);
    expect((await settled(succeeded.id)).status).toBe('processed');
    expect(await bookingMoney(bookingId)).toMatchObject({ deposit_status: 'paid' });
  }, 60_000);
});

describe('duplicate, out-of-order, forged and stale webhooks', () => {
  test('the same event delivered five times at once: one stored row, one payment, one transition', async () => {
    const bookingId = await steps.bookingAwaitingDeposit();
    const intent = await steps.requestDeposit(bookingId);
    const paid = await pay(stripe, intent.providerRef);
    const event = signedEvent('payment_intent.succeeded', paid);
    const acks = await Promise.all(Array.from({ length: 5 }, () => deliver(platform.url, event)));
    expect(acks.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(acks.filter((a) => a.body.duplicate === false)).toHaveLength(1);
    expect((await settled(event.id)).status).toBe('processed');
    expect(await paymentRows(intent.providerRef)).toHaveLength(1);
    expect(await eventsOf(bookingId, 'payment.succeeded')).toHaveLength(1);
    expect(await platform.sql(`SELECT 1 FROM audit_log WHERE entity_id = ? AND action = 'PAYMENT_SUCCEEDED'`, [bookingId])).toHaveLength(1);
  }, 60_000);

  test('a failure after the success, and the success replayed a day later: ignored, nothing changes', async () => {
    const { bookingId, providerRef, paid, event } = await paidBooking();
    // A failure Stripe sent before the success, arriving after it.
    const lateFailure = signedEvent('payment_intent.payment_failed', { ...paid, status: 'requires_payment_method' }, { created: event.id ? Math.floor(Date.now() / 1000) - 60 : 0 });
    expect((await deliver(platform.url, lateFailure)).status).toBe(200);
    expect(await settled(lateFailure.id)).toMatchObject({ status: 'ignored', error: expect.stringMatching(/out of order/) });
    // The original event, re-signed a day later: the same event id is stored once.
    const replay = signedEvent('payment_intent.succeeded', paid, { id: event.id, created: Math.floor(Date.now() / 1000) - 86_400 });
    expect(await deliver(platform.url, replay)).toMatchObject({ status: 200, body: { duplicate: true } });
    // A second success event (another id) for the same payment: a duplicate, no second transition.
    const second = signedEvent('payment_intent.succeeded', paid);
    await deliver(platform.url, second);
    expect(await settled(second.id)).toMatchObject({ status: 'ignored', error: expect.stringMatching(/duplicate/) });

    expect(await paymentRows(providerRef)).toEqual([expect.objectContaining({ status: 'succeeded' })]);
    expect(await eventsOf(bookingId, 'payment.succeeded')).toHaveLength(1);
    expect(await eventsOf(bookingId, 'payment.failed')).toHaveLength(0);
    expect(await bookingMoney(bookingId)).toMatchObject({ deposit_status: 'paid' });
  }, 60_000);

  test('unsigned, forged, tampered and stale requests get 400 and change nothing', async () => {
    const bookingId = await steps.bookingAwaitingDeposit();
    const intent = await steps.requestDeposit(bookingId);
    const paid = await pay(stripe, intent.providerRef);
    const countBefore = (await platform.sql<{ n: string }>('SELECT count(*) AS n FROM webhooks_in'))[0]?.n;
    const genuine = signedEvent('payment_intent.succeeded', paid);
    const attempts = [
      { name: 'unsigned', body: genuine.body, signature: undefined },
      { name: 'forged', ...signedEvent('payment_intent.succeeded', paid, { secret: 'whsec_not_the_endpoints' }) },
      { name: 'tampered', body: genuine.body.replace('"amount":10000', '"amount":1'), signature: genuine.signature },
      { name: 'stale', ...signedEvent('payment_intent.succeeded', paid, { signedAt: Math.floor(Date.now() / 1000) - 600 }) },
      { name: 'garbage', body: 'not json', signature: 't=1,v1=abc' },
    ];
    for (const attempt of attempts) {
      const answer = await deliver(platform.url, attempt);
      expect({ name: attempt.name, status: answer.status }).toEqual({ name: attempt.name, status: 400 });
    }
    expect((await platform.sql<{ n: string }>('SELECT count(*) AS n FROM webhooks_in'))[0]?.n).toBe(countBefore);
    expect(await bookingMoney(bookingId)).toMatchObject({ deposit_status: 'pending' });
    expect(await eventsOf(bookingId, 'payment.succeeded')).toHaveLength(0);
  }, 60_000);
});

describe('refunds', () => {
  const refund = async (paymentId: string, amount?: string) => platform.gql<{ refundPayment: { refund: { amount: string; status: string; providerPaymentId: string }; payment: { amountRefunded: string } } }>(
    'mutation ($id: ID!, $amount: String) { refundPayment(id: $id, amount: $amount) { refund { amount status providerPaymentId } payment { amountRefunded } } }',
    { id: paymentId, amount }, await platform.as('FINANCE'));

  test('partial, then an over-refund refused, then the rest; Stripe agrees', async () => {
    const { bookingId, paymentId, providerRef } = await paidBooking('100.00');
    const partial = await refund(paymentId, '30.00');
    expect(partial.errors).toBeUndefined();
    expect(partial.data?.refundPayment.refund).toMatchObject({ amount: '30.00', status: 'succeeded', providerPaymentId: expect.stringMatching(/^re_/) });
    expect(partial.data?.refundPayment.payment.amountRefunded).toBe('30.00');

    const over = await refund(paymentId, '80.00');
    expect(over.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect((await paymentRows(providerRef))[0]?.amount_refunded).toBe('30.00');

    const rest = await refund(paymentId);
    expect(rest.data?.refundPayment).toMatchObject({ refund: { amount: '70.00' }, payment: { amountRefunded: '100.00' } });
    expect(await bookingMoney(bookingId)).toMatchObject({ payment_status: 'refunded' });
    expect((await chargeOf(stripe, providerRef)).amount_refunded).toBe(10_000);
    const refunds = await eventsOf(bookingId, 'payment.refunded');
    expect(refunds.map((e) => e.payload.amount)).toEqual(['30.00', '70.00']);
    // Nothing is left: a further refund is refused.
    expect((await refund(paymentId, '0.01')).errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
    // Stripe's charge.refunded webhook for refunds already recorded changes nothing.
    const notice = signedEvent('charge.refunded', await chargeOf(stripe, providerRef));
    await deliver(platform.url, notice);
    expect(await settled(notice.id)).toMatchObject({ status: 'ignored', error: expect.stringMatching(/already recorded/) });
  }, 60_000);

  test('two concurrent refunds that together exceed the payment: exactly one passes', async () => {
    const { paymentId, providerRef } = await paidBooking('100.00');
    const [a, b] = await Promise.all([refund(paymentId, '60.00'), refund(paymentId, '60.00')]);
    const outcomes = [a, b].map((r) => (r.errors ? String(r.errors[0]?.extensions?.code) : 'ok')).sort();
    expect(outcomes).toEqual(['CONFLICT', 'ok']);
    expect((await paymentRows(providerRef))[0]?.amount_refunded).toBe('60.00');
    expect((await chargeOf(stripe, providerRef)).amount_refunded).toBe(6_000);
    // The database itself refuses a refund total above the amount.
    await expect(platform.sql(`UPDATE payments SET amount_refunded = amount + 1 WHERE provider_payment_id = ?`, [providerRef])).rejects.toThrow(/payments_amount_refunded_within/);
  }, 60_000);
});

describe('received webhooks', () => {
  test('listed with their processing status and error for Integrations Admins; a failed one is reprocessed', async () => {
    const bookingId = await steps.bookingAwaitingDeposit();
    // An intent made at Stripe without our metadata: no booking can be found for it yet.
    const foreign = await stripe.paymentIntents.create({ amount: 10_000, currency: 'gbp' });
    const paid = await pay(stripe, foreign.id);
    const event = signedEvent('payment_intent.succeeded', paid);
    await deliver(platform.url, event);
    const failed = await settled(event.id);
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(/no booking/) });

    const admin = await platform.as('INTEGRATIONS_ADMIN');
    const list = await platform.gql<{ webhooks: { edges: Array<{ node: { id: string; eventId: string; status: string; error: string; provider: string } }> } }>(
      '{ webhooks(first: 10, status: "failed") { edges { node { id eventId status error provider } } } }', undefined, admin);
    expect(list.data?.webhooks.edges.map((e) => e.node)).toContainEqual({ id: failed.id, eventId: event.id, status: 'failed', error: failed.error, provider: 'stripe' });
    expect((await platform.gql('{ webhooks(first: 1) { edges { cursor } } }', undefined, await platform.as('FINANCE'))).errors?.[0])
      .toMatchObject({ extensions: { code: 'FORBIDDEN' } });

    // The payment reaches us late (e.g. recorded by hand for the booking): reprocessing now applies the event.
    await platform.sql(`INSERT INTO payments (booking_id, provider, provider_payment_id, type, status, amount) VALUES (?, 'stripe', ?, 'deposit', 'pending', '100.00')`, [bookingId, foreign.id]);
    const reprocessed = await platform.gql<{ reprocessWebhook: { status: string } }>('mutation ($id: ID!) { reprocessWebhook(id: $id) { status } }', { id: failed.id }, admin);
    expect(reprocessed.errors).toBeUndefined();
    expect((await settled(event.id)).status).toBe('processed');
    expect(await bookingMoney(bookingId)).toMatchObject({ deposit_status: 'paid' });
    // Settled now: reprocessing again is refused.
    expect((await platform.gql('mutation ($id: ID!) { reprocessWebhook(id: $id) { status } }', { id: failed.id }, admin)).errors?.[0])
      .toMatchObject({ extensions: { code: 'CONFLICT' } });
  }, 60_000);
});

describe('the stripe integration row governs the endpoint', () => {
  const setStripe = async (input: string) => {
    const [row] = await platform.sql<{ id: string }>(`SELECT id FROM integrations WHERE code = 'stripe'`);
    const changed = await platform.gql(`mutation ($id: ID!) { updateIntegration(id: $id, input: ${input}) { status } }`, { id: row!.id }, await platform.as('INTEGRATIONS_ADMIN'));
    expect(changed.errors).toBeUndefined();
    return row!.id;
  };
  /**
   * The shared row as this file found it (status active, no settings or secrets of its own): each
   * test puts it back in its finally, and the describe again in afterAll, whatever happened (a test
   * that timed out never reaches its finally; later files take payments through this row).
   */
  const restoreStripe = () => setStripe(`{ status: active, settings: [{ name: "apiHost", value: null }, { name: "apiPort", value: null }, { name: "apiProtocol", value: null }],
    secrets: [{ name: "webhookSecret", value: null }, { name: "secretKey", value: null }] }`);
  afterAll(async () => {
    if (platform) await restoreStripe();
  });
  const logsOf = (integrationId: string, eventId: string) => platform.sql<{ outcome: string; summary: string; detail: Record<string, unknown> | null }>(
    `SELECT outcome, summary, detail FROM integration_logs WHERE integration_id = ? AND (detail->>'eventId' = ? OR summary LIKE '%' || ? || '%') ORDER BY created_at`, [integrationId, eventId, eventId]);

  test('disabled: 503 and nothing stored; testing: stored and logged as ignored, no effect; active again: applied and logged', async () => {
    const bookingId = await steps.bookingAwaitingDeposit();
    const intent = await steps.requestDeposit(bookingId);
    const paid = await pay(stripe, intent.providerRef);
    try {
      const integrationId = await setStripe('{ status: disabled }');
      const refused = signedEvent('payment_intent.succeeded', paid);
      expect(await deliver(platform.url, refused)).toMatchObject({ status: 503 });
      expect(await webhookRows(refused.id)).toEqual([]);
      expect(await eventually(() => logsOf(integrationId, refused.id), (r) => r.length > 0)).toEqual([expect.objectContaining({ outcome: 'disabled' })]);

      await setStripe('{ status: testing }');
      const tried = signedEvent('payment_intent.succeeded', paid);
      expect(await deliver(platform.url, tried)).toMatchObject({ status: 200, body: { received: true, testing: true } });
      expect(await webhookRows(tried.id)).toEqual([expect.objectContaining({ status: 'ignored', error: expect.stringMatching(/testing/) })]);
      expect(await logsOf(integrationId, tried.id)).toEqual([expect.objectContaining({ outcome: 'testing', summary: 'payment_intent.succeeded received (testing: no effect)' })]);
      // No effect: the deposit is still open, no payment.succeeded was written.
      expect(await bookingMoney(bookingId)).toMatchObject({ deposit_status: 'pending' });
      expect(await eventsOf(bookingId, 'payment.succeeded')).toEqual([]);

      await setStripe('{ status: active }');
      const applied = signedEvent('payment_intent.succeeded', paid);
      expect((await deliver(platform.url, applied)).status).toBe(200);
      expect((await settled(applied.id)).status).toBe('processed');
      expect(await bookingMoney(bookingId)).toMatchObject({ deposit_status: 'paid' });
      const logged = await logsOf(integrationId, applied.id);
      expect(logged).toEqual([expect.objectContaining({ outcome: 'ok', detail: { eventId: applied.id, duplicate: false } })]);
      // No client detail in the log: the event's payload stays in webhooks_in.
      expect(JSON.stringify(logged)).not.toContain(intent.clientSecret);
    } finally {
      await restoreStripe();
    }
  }, 90_000);

  test('the signing secret comes from the row when set (the new one at once, the old one refused within a second), the environment\'s otherwise', async () => {
    const bookingId = await steps.bookingAwaitingDeposit();
    const intent = await steps.requestDeposit(bookingId);
    const paid = await pay(stripe, intent.providerRef);
    const rowSecret = `whsec_row${Date.now()}`;
    try {
      await setStripe(`{ secrets: [{ name: "webhookSecret", value: "${rowSecret}" }] }`);
      // Signed with the row's secret: accepted at once (a failed signature reads the row again).
      const rowSigned = signedEvent('payment_intent.succeeded', paid, { secret: rowSecret });
      expect((await deliver(platform.url, rowSigned)).status).toBe(200);
      expect((await settled(rowSigned.id)).status).toBe('processed');
      // Signed with the environment's secret: refused once the endpoint's copy of the secret is renewed
      // (it keeps it at most a second), and then nothing is stored.
      const refusedLater = await eventually(async () => {
        const envSigned = signedEvent('payment_intent.succeeded', paid);
        return { id: envSigned.id, status: (await deliver(platform.url, envSigned)).status };
      }, (r) => r.status === 400, 15_000);
      expect(await webhookRows(refusedLater.id)).toEqual([]);
    } finally {
      await restoreStripe();
    }
    // Cleared: the environment's secret signs again (at once: a failed signature reads the row again).
    const again = signedEvent('payment_intent.succeeded', paid);
    expect((await deliver(platform.url, again)).status).toBe(200);
    expect(await settled(again.id)).toMatchObject({ status: 'ignored' });
  }, 90_000);

  test('Stripe is called with the active row\'s secret key and address; a rotated key is used by the next call without a restart; testing or no key: the environment\'s', async () => {
    // Between the platform and localstripe: records which key created which PaymentIntent.
    const recorder = await startStripeRecorder(process.env.TEST_STRIPE_URL as string);
    const keyOfIntent = (intentId: string) => recorder.calls.filter((c) => c.method === 'POST' && c.path === '/v1/payment_intents' && c.objectId === intentId).map((c) => c.key);
    const deposit = async () => (await steps.requestDeposit(await steps.bookingAwaitingDeposit())).providerRef;
    const first = `sk_test_row_first_${Date.now()}`;
    const rotated = `sk_test_row_rotated_${Date.now()}`;
    try {
      await setStripe(`{ settings: [{ name: "apiHost", value: "${recorder.host}" }, { name: "apiPort", value: "${recorder.port}" }, { name: "apiProtocol", value: "http" }],
        secrets: [{ name: "secretKey", value: "${first}" }] }`);
      const withFirst = await deposit();
      expect(keyOfIntent(withFirst)).toEqual([first]);

      await setStripe(`{ secrets: [{ name: "secretKey", value: "${rotated}" }] }`);
      const withRotated = await deposit();
      expect(keyOfIntent(withRotated)).toEqual([rotated]);
      // The rotated key serves the payment's later calls too: a refund after the client paid.
      await pay(stripe, withRotated);
      const paidEvent = signedEvent('payment_intent.succeeded', await stripe.paymentIntents.retrieve(withRotated));
      expect((await deliver(platform.url, paidEvent)).status).toBe(200);
      expect((await settled(paidEvent.id)).status).toBe('processed');
      const [payment] = await paymentRows(withRotated);
      const refunded = await platform.gql('mutation ($id: ID!) { refundPayment(id: $id, amount: "10.00") { refund { id } } }', { id: payment!.id }, await platform.as('FINANCE'));
      expect(refunded.errors).toBeUndefined();
      expect(recorder.calls.filter((c) => c.method === 'POST' && c.path === '/v1/refunds').map((c) => c.key)).toEqual([rotated]);

      // testing: the row's configuration is not used for calls (the environment's key, straight to localstripe).
      await setStripe('{ status: testing }');
      const whileTesting = await deposit();
      expect(keyOfIntent(whileTesting)).toEqual([]);
      expect((await stripe.paymentIntents.retrieve(whileTesting)).id).toBe(whileTesting);
    } finally {
      try {
        await restoreStripe();
      } finally {
        await recorder.stop();
      }
    }
    // Active without a key of its own: the environment's (the embedded default) again.
    const withoutRowKey = await deposit();
    expect(keyOfIntent(withoutRowKey)).toEqual([]);
    expect((await stripe.paymentIntents.retrieve(withoutRowKey)).id).toBe(withoutRowKey);
  }, 120_000);
});

describe('reconciliation', () => {
  interface Report { id: string; status: string; mismatchCount: number; mismatches: Array<{ kind: string; providerPaymentId: string; exceptionId: string | null; ourAmount: string | null; providerAmount: string | null }> }
  const REPORT = 'id status mismatchCount mismatches { kind providerPaymentId exceptionId ourAmount providerAmount }';

  test('finds every planted mismatch, raises an exception for each, and Finance reads the report', async () => {
    // 1. Paid at Stripe for one of our bookings, never recorded here.
    const bookingId = await steps.bookingAwaitingDeposit();
    const unrecorded = await pay(stripe, (await stripe.paymentIntents.create({ amount: 4_200, currency: 'gbp', metadata: { bookingId } })).id);
    // 2. Recorded here with another amount than Stripe charged.
    const { providerRef: differing } = await paidBooking('100.00');
    await platform.sql(`UPDATE payments SET amount = '90.00' WHERE provider_payment_id = ?`, [differing]);
    // 3. Succeeded here, unknown to Stripe.
    const phantom = `pi_phantom${Date.now()}`;
    await platform.sql(`INSERT INTO payments (booking_id, provider, provider_payment_id, type, status, amount) VALUES (?, 'stripe', ?, 'deposit', 'succeeded', '55.00')`, [bookingId, phantom]);
    // 4. A payment in order, for contrast.
    const { providerRef: matching } = await paidBooking('60.00');

    const run = await platform.gql<{ runReconciliation: Report }>(`mutation { runReconciliation { ${REPORT} } }`, undefined, await platform.as('FINANCE'));
    expect(run.errors).toBeUndefined();
    const report = run.data!.runReconciliation;
    expect(report.status).toBe('completed');
    const found = (ref: string) => report.mismatches.filter((m) => m.providerPaymentId === ref).map(({ kind, ourAmount, providerAmount }) => ({ kind, ourAmount, providerAmount }));
    expect(found(unrecorded.id)).toEqual([{ kind: 'missing_here', ourAmount: null, providerAmount: '42.00' }]);
    expect(found(differing)).toEqual([{ kind: 'amount_differs', ourAmount: '90.00', providerAmount: '100.00' }]);
    expect(found(phantom)).toEqual([{ kind: 'missing_at_provider', ourAmount: '55.00', providerAmount: null }]);
    expect(found(matching)).toEqual([]);
    // One exception per mismatch, for Finance and the Action Center.
    const planted = report.mismatches.filter((m) => [unrecorded.id, differing, phantom].includes(m.providerPaymentId));
    const exceptions = await platform.sql<{ type: string; severity: string }>(`SELECT type, severity FROM exceptions WHERE id = ANY(?::uuid[])`, [`{${planted.map((m) => m.exceptionId).join(',')}}`]);
    expect(exceptions).toEqual([1, 2, 3].map(() => ({ type: 'payment_mismatch', severity: 'high' })));

    // The report is Finance's to read (and nobody's without payments.read).
    const read = await platform.gql<{ reconciliationReport: Report }>(`query ($id: ID!) { reconciliationReport(id: $id) { ${REPORT} } }`, { id: report.id }, await platform.as('FINANCE'));
    expect(read.data?.reconciliationReport.mismatchCount).toBe(report.mismatchCount);
    expect((await platform.gql('{ reconciliationReports(first: 1) { edges { cursor } } }', undefined, await platform.as('OPERATOR'))).errors?.[0])
      .toMatchObject({ extensions: { code: 'FORBIDDEN' } });

    // A second run raises no second exception for the same mismatch.
    const again = (await platform.gql<{ runReconciliation: Report }>(`mutation { runReconciliation { ${REPORT} } }`, undefined, await platform.as('FINANCE'))).data!.runReconciliation;
    expect(again.mismatches.find((m) => m.providerPaymentId === phantom)?.exceptionId).toBe(planted.find((m) => m.providerPaymentId === phantom)?.exceptionId);
  }, 90_000);

  test('runs on a Temporal Schedule; the sweep has one too', async () => {
    const schedule = platform.temporal.schedule.getHandle(RECONCILIATION_SCHEDULE_ID);
    const described = await schedule.describe();
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'reconcilePayments' });
    expect((await platform.temporal.schedule.getHandle(WEBHOOK_SWEEP_SCHEDULE_ID).describe()).action).toMatchObject({ workflowType: 'sweepWebhooks' });
    // The run the trigger starts (not one started before it), and the report that run writes.
    const earlier = new Set(described.info.recentActions.map((a) => a.action.workflow.workflowId));
    await schedule.trigger();
    const run = await eventually(async () => (await schedule.describe()).info.recentActions.find((a) => !earlier.has(a.action.workflow.workflowId)), (a) => a !== undefined, 30_000);
    expect(run).toBeDefined();
    const result = await platform.temporal.workflow.getHandle(run!.action.workflow.workflowId, run!.action.workflow.firstExecutionRunId).result() as ReconcileResult;
    expect(await platform.sql<{ status: string }>('SELECT status FROM reconciliation_reports WHERE id = ?', [result.reportId])).toEqual([{ status: 'completed' }]);
  }, 60_000);
});
