/**
 * A crash between a webhook's receipt and its signal loses nothing and doubles nothing:
 * the worker, then the API, is killed with SIGKILL (separate processes, as in production)
 * while signed Stripe webhooks arrive. Afterwards every acknowledged event has been applied
 * exactly once: one processed webhooks_in row, one succeeded payment, one `payment.succeeded`.
 * The API only acknowledges (verify, store, answer); the workers deliver what is stored, and a
 * delivery claim left by a dead worker is taken over once it expires.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type Stripe from 'stripe';
import { freePort } from '../launcher/ports.ts';
import { freshBooking } from './operations/bookings.ts';
import { startTestPlatform, testStripe, testStripeEnv, TEST_JWT_SECRET, type TestPlatform } from './support/platform.ts';
import { kill, platformProcesses } from './support/processes.ts';
import { deleteSchedules } from './support/schedules.ts';
import { deliver, pay, paymentSteps, signedEvent, type PaymentSteps, type SignedEvent, uniqueSlot } from './support/stripe.ts';
import { eventually } from './support/wait.ts';

let platform: TestPlatform;
let stripe: Stripe;
let steps: PaymentSteps;
const processes = platformProcesses();
let worker: ChildProcess | undefined;

/** A platform process (worker/main.ts or api/main.ts) with the Stripe stand-in and no payment Schedules firing meanwhile. */
const startProcess = (script: string, ready: string, extraEnv: Record<string, string> = {}) => processes.start(script, {
  ready, env: { JWT_SECRET: TEST_JWT_SECRET, WEBHOOKS_SWEEP_EVERY_SECONDS: '3600', PAYMENTS_RECONCILE_EVERY_MINUTES: '600', ...testStripeEnv(), ...extraEnv },
});

/** `count` bookings whose deposits the client has paid at Stripe; their success events, signed. */
async function paidIntents(count: number): Promise<Array<{ bookingId: string; providerRef: string; event: SignedEvent }>> {
  const out = [];
  for (let i = 0; i < count; i++) {
    const bookingId = await steps.bookingAwaitingDeposit();
    const intent = await steps.requestDeposit(bookingId);
    out.push({ bookingId, providerRef: intent.providerRef, event: signedEvent('payment_intent.succeeded', await pay(stripe, intent.providerRef)) });
  }
  return out;
}

/** Exactly once for every one: webhook processed, one succeeded payment, one payment.succeeded. */
async function appliedExactlyOnce(items: Array<{ bookingId: string; providerRef: string; event: SignedEvent }>, timeoutMs: number) {
  const ids = `{${items.map((i) => i.event.id).join(',')}}`;
  await eventually(
    () => platform.sql<{ n: string }>(`SELECT count(*) AS n FROM webhooks_in WHERE idempotency_key = ANY(?::text[]) AND status = 'processed'`, [ids]),
    (rows) => Number(rows[0]?.n) === items.length, timeoutMs);
  for (const item of items) {
    const [row] = await platform.sql<{ webhooks: string; payments: string; events: string }>(`
      SELECT (SELECT count(*) FROM webhooks_in WHERE idempotency_key = ? AND status = 'processed') AS webhooks,
             (SELECT count(*) FROM payments WHERE provider_payment_id = ? AND status = 'succeeded') AS payments,
             (SELECT count(*) FROM domain_events WHERE payload->>'bookingId' = ? AND event_type = 'payment.succeeded') AS events`,
    [item.event.id, item.providerRef, item.bookingId]);
    expect({ ref: item.providerRef, ...row }).toEqual({ ref: item.providerRef, webhooks: '1', payments: '1', events: '1' });
  }
}

beforeAll(async () => {
  // The API under test runs in this process; the worker is a process of its own, to be killed.
  platform = await startTestPlatform({ worker: false });
  stripe = testStripe();
  steps = paymentSteps(platform, () => freshBooking(platform, uniqueSlot()));
});

afterAll(async () => {
  try {
    await processes.killAll();
    // worker/main.ts created the Schedules (webhook sweep, reconciliation, calendar imports, mismatch sweep):
    // left behind they would fire in the files that run after this one.
    if (platform) await deleteSchedules(platform.temporal);
  } finally {
    await platform?.stop();
  }
});

describe('the API only acknowledges', () => {
  test('a verified event is stored and answered; no signal leaves the API; a worker started later applies it once', async () => {
    // A worker for the deposit (an Update's activity), gone before the webhook arrives.
    const before = await startProcess('worker/main.ts', '"worker running"');
    const [item] = await paidIntents(1);
    await kill(before);
    expect(await deliver(platform.url, item!.event)).toMatchObject({ status: 200, body: { received: true, duplicate: false } });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // No worker runs: nothing signalled it (the API answered, and that is all it did).
    expect(await platform.sql('SELECT status, signalled_at, attempts FROM webhooks_in WHERE idempotency_key = ?', [item!.event.id]))
      .toEqual([{ status: 'received', signalled_at: null, attempts: 0 }]);
    const after = await startProcess('worker/main.ts', '"worker running"');
    try {
      await appliedExactlyOnce([item!], 60_000);
    } finally {
      await kill(after);
    }
  }, 120_000);
});

describe('SIGKILL between webhook receipt and signal', () => {
  test('the worker: webhooks stored and signalled while it is dead are applied once by its successor', async () => {
    const first = await startProcess('worker/main.ts', '"worker running"');
    const items = await paidIntents(8);
    // Kill it as the burst starts: some notices may be mid-activity, the rest wait in Temporal.
    const burst = Promise.all(items.flatMap((item, i) => [deliver(platform.url, item.event), ...(i % 3 === 0 ? [deliver(platform.url, item.event)] : [])]));
    await kill(first);
    const acks = await burst;
    expect(acks.every((a) => a.status === 200)).toBe(true);
    // Counted: every event stored once; those not yet applied wait in the table (never claimed, or claimed
    // by the dead worker until its claim expires) or, signalled, in Temporal.
    const ids = `{${items.map((i) => i.event.id).join(',')}}`;
    const [stored] = await platform.sql<{ n: string; waiting: string }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE status = 'received') AS waiting FROM webhooks_in WHERE idempotency_key = ANY(?::text[])`, [ids]);
    expect(Number(stored?.n)).toBe(items.length);
    expect(Number(stored?.waiting)).toBeGreaterThan(0);

    worker = await startProcess('worker/main.ts', '"worker running"');
    await appliedExactlyOnce(items, 60_000);
  }, 180_000);

  test('the API: killed mid-burst; every event it acknowledged is applied once by the worker, and the rest when Stripe retries', async () => {
    if (!worker || worker.exitCode !== null) worker = await startProcess('worker/main.ts', '"worker running"');
    const items = await paidIntents(24);
    const port = await freePort();
    const api = await startProcess('api/main.ts', '"api listening"', { API_PORT: String(port), API_HOST: '127.0.0.1' });
    const apiUrl = `http://127.0.0.1:${port}`;
    // A burst; the API is killed the moment the fifth acknowledgement is back, the others in flight.
    const acked: string[] = [];
    let killed: Promise<void> | undefined;
    const sent = items.map((item) => deliver(apiUrl, item.event).then((a) => {
      if (a.status !== 200) return;
      acked.push(item.event.id);
      if (acked.length === 5) killed = kill(api);
    }).catch(() => undefined));
    await Promise.all(sent);
    await killed;
    expect(acked.length).toBeGreaterThanOrEqual(5);
    console.info(`API SIGKILL: ${acked.length} of ${items.length} acknowledged before the kill`);

    // Counted: every acknowledged event is stored, and the worker applies each once: no sweep, no
    // restart of the API (it never delivered anything itself).
    const ackedIds = `{${acked.join(',')}}`;
    const [stored] = await platform.sql<{ n: string }>('SELECT count(*) AS n FROM webhooks_in WHERE idempotency_key = ANY(?::text[])', [ackedIds]);
    expect(Number(stored?.n)).toBe(acked.length);
    await appliedExactlyOnce(items.filter((i) => acked.includes(i.event.id)), 60_000);
    // Stripe retries what was never acknowledged: those are applied once too, through this process's API.
    const unacked = items.filter((i) => !acked.includes(i.event.id));
    await Promise.all(unacked.map((i) => deliver(platform.url, i.event)));
    await appliedExactlyOnce(items, 60_000);
  }, 240_000);

  test('a delivery claim left by a dead worker holds its row until it expires; then a live worker delivers it, once', async () => {
    if (!worker || worker.exitCode !== null) worker = await startProcess('worker/main.ts', '"worker running"');
    const [item] = await paidIntents(1);
    // As a worker leaves a row it claimed just before it was killed: stored, claimed, never signalled.
    // The claim lasts 10 s: well beyond the 1.5 s looked at below, even on a loaded machine.
    const [stripeRow] = await platform.sql<{ id: string }>(`SELECT id FROM integrations WHERE code = 'stripe'`);
    await platform.sql(`INSERT INTO webhooks_in (integration_id, event_type, headers, payload, idempotency_key, delivery_claimed_until)
      VALUES (?, 'payment_intent.succeeded', '{}', ?::jsonb, ?, now() + interval '10 seconds')`, [stripeRow!.id, item!.event.body, item!.event.id]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Held: the live worker's loop (sweeping every second) leaves it alone while the claim lasts.
    expect(await platform.sql('SELECT status, signalled_at, attempts FROM webhooks_in WHERE idempotency_key = ?', [item!.event.id]))
      .toEqual([{ status: 'received', signalled_at: null, attempts: 0 }]);
    // Expired: taken over and applied once; Stripe's repeat of it stores and applies nothing more.
    await appliedExactlyOnce([item!], 30_000);
    expect(await deliver(platform.url, item!.event)).toMatchObject({ status: 200, body: { duplicate: true } });
    await appliedExactlyOnce([item!], 5_000);
  }, 120_000);
});
