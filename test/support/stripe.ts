/**
 * Stripe from the outside, for tests and the benchmark: the client paying on its side of a
 * PaymentIntent (localstripe, through the real SDK), and Stripe's webhooks as Stripe sends
 * them: a JSON event signed with the endpoint secret by the SDK's own test-header helper.
 */
import { randomUUID } from 'node:crypto';
import { createServer, request } from 'node:http';
import Stripe from 'stripe';
import { TEST_WEBHOOK_SECRET } from './platform.ts';

export interface SignedEvent {
  readonly id: string;
  readonly body: string;
  readonly signature: string;
}

/** A Stripe event of `type` about `object`, signed now (or at `signedAt`, unix seconds). */
export function signedEvent(type: string, object: object, options: { id?: string; created?: number; signedAt?: number; secret?: string } = {}): SignedEvent {
  const id = options.id ?? `evt_${randomUUID().replaceAll('-', '')}`;
  const created = options.created ?? Math.floor(Date.now() / 1000);
  const body = JSON.stringify({ id, object: 'event', api_version: '2026-01-01', created, livemode: false, type, data: { object } });
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload: body, secret: options.secret ?? TEST_WEBHOOK_SECRET, ...(options.signedAt ? { timestamp: options.signedAt } : {}),
  });
  return { id, body, signature };
}

/** POSTs an event to the platform's Stripe endpoint as Stripe does. */
export async function deliver(apiUrl: string, event: { body: string; signature?: string | undefined }): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${apiUrl}/api/v1/payments/webhook/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(event.signature ? { 'stripe-signature': event.signature } : {}) },
    body: event.body,
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
}

/** The client pays the intent with a test card (pm_card_visa succeeds; pm_card_chargeCustomerFail is declined when charged). */
export async function pay(stripe: Stripe, intentId: string, card = 'pm_card_visa'): Promise<Stripe.PaymentIntent> {
  await stripe.paymentIntents.update(intentId, { payment_method: card });
  try {
    await stripe.paymentIntents.confirm(intentId);
  } catch (error) {
    // A declined card: Stripe answers 402; the intent stays open for another card.
    if (!(error instanceof Stripe.errors.StripeCardError)) throw error;
  }
  return stripe.paymentIntents.retrieve(intentId);
}

/** The charge of a paid intent, as Stripe sends it with `charge.refunded`. */
export async function chargeOf(stripe: Stripe, intentId: string): Promise<Stripe.Charge> {
  const intent = await stripe.paymentIntents.retrieve(intentId);
  const latest = intent.latest_charge;
  return typeof latest === 'string' ? stripe.charges.retrieve(latest) : (latest as Stripe.Charge);
}

/**
 * A 2-hour slot of the demo model no other booking holds (a model cannot be double-booked):
 * far ahead, from a random base per process (400 to 3,400 days ahead), 3 hours apart. Days
 * beyond 3,500 are test/reports.test.ts's (a day whose rows are only its own).
 */
let slotIndex = 0;
const slotBase = Date.now() + (400 + Math.floor(Math.random() * 3000)) * 86_400_000;
export function uniqueSlot(): { startAt: string; endAt: string } {
  const start = slotBase + slotIndex++ * 3 * 3_600_000;
  return { startAt: new Date(start).toISOString(), endAt: new Date(start + 2 * 3_600_000).toISOString() };
}

/** What the payment tests do through the API, as Finance and the owner would. */
export interface PaymentSteps {
  /** A fresh booking moved to deposit_required with this deposit (owner). */
  bookingAwaitingDeposit(deposit?: string): Promise<string>;
  /** requestDeposit as Finance: the payment id, the intent id and its client secret. */
  requestDeposit(bookingId: string, headers?: Record<string, string>): Promise<{ paymentId: string; providerRef: string; clientSecret: string }>;
}

export function paymentSteps(platform: {
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<{ data?: T | null; errors?: unknown[] }>;
  as(role: string): Promise<Record<string, string>>;
}, freshBooking: () => Promise<string>): PaymentSteps {
  return {
    async bookingAwaitingDeposit(deposit = '100.00') {
      const id = await freshBooking();
      for (const [to, extra] of [['pending', ''], ['deposit_required', `, depositRequired: "${deposit}"`]] as const) {
        const moved = await platform.gql(`mutation ($id: ID!) { changeStatus(input: { entity: { type: booking, id: $id }, to: "${to}"${extra} }) { to } }`, { id });
        if (moved.errors) throw new Error(`could not move the booking: ${JSON.stringify(moved.errors)}`);
      }
      return id;
    },
    async requestDeposit(bookingId, headers) {
      const result = await platform.gql<{ requestDeposit: { clientSecret: string; payment: { id: string; providerPaymentId: string } } }>(
        'mutation ($id: ID!) { requestDeposit(bookingId: $id) { clientSecret payment { id providerPaymentId } } }', { id: bookingId }, headers ?? (await platform.as('FINANCE')));
      const intent = result.data?.requestDeposit;
      if (!intent) throw new Error(`requestDeposit failed: ${JSON.stringify(result.errors)}`);
      return { paymentId: intent.payment.id, providerRef: intent.payment.providerPaymentId, clientSecret: intent.clientSecret };
    },
  };
}

/**
 * A deposit paid end to end (intent, the client's card at Stripe, the signed webhook applied):
 * the payment id and intent id. `stripe` is the client's side (testStripe()).
 */
export async function paidDeposit(platform: Parameters<typeof paymentSteps>[0] & { url: string; sql<T>(q: string, p?: unknown[]): Promise<T[]> },
  freshBooking: () => Promise<string>, stripe: Stripe, deposit = '100.00') {
  const steps = paymentSteps(platform, freshBooking);
  const bookingId = await steps.bookingAwaitingDeposit(deposit);
  const intent = await steps.requestDeposit(bookingId);
  const paid = await pay(stripe, intent.providerRef);
  const event = signedEvent('payment_intent.succeeded', paid);
  const ack = await deliver(platform.url, event);
  if (ack.status !== 200) throw new Error(`webhook refused: ${JSON.stringify(ack.body)}`);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const [row] = await platform.sql<{ status: string }>('SELECT status FROM webhooks_in WHERE idempotency_key = ?', [event.id]);
    if (row && row.status !== 'received') break;
    if (Date.now() > deadline) throw new Error(`webhook ${event.id} not applied in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { bookingId, ...intent, paid, event };
}

export interface StripeCall {
  readonly method: string;
  readonly path: string;
  /** The API key the call was made with (the bearer token). */
  readonly key: string | undefined;
  readonly status: number;
  /** The id of the object Stripe answered with, if any. */
  readonly objectId: string | undefined;
}

/**
 * A pass-through in front of localstripe that records who called Stripe with which key: point
 * the platform at it (the `stripe` row's apiHost / apiPort) and read which key made which object.
 */
export async function startStripeRecorder(target: string): Promise<{ host: string; port: number; calls: StripeCall[]; stop(): Promise<void> }> {
  const upstream = new URL(target);
  const calls: StripeCall[] = [];
  const server = createServer((req, res) => {
    const forwarded = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        let objectId: string | undefined;
        try {
          objectId = (JSON.parse(body.toString('utf8')) as { id?: string }).id;
        } catch {
          // not JSON
        }
        const key = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        calls.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0] as string, key, status: answer.statusCode ?? 0, objectId });
        res.writeHead(answer.statusCode ?? 502, answer.headers).end(body);
      });
    });
    forwarded.on('error', () => res.writeHead(502).end());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    host: '127.0.0.1', port, calls,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
