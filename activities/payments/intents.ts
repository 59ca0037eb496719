/**
 * Deposit intents (Stripe PaymentIntents), whoever the deposit belongs to: a booking
 * (deposits.ts) or an inquiry before its conversion (inquiry-deposits.ts). Why a PaymentIntent
 * and not a Checkout Session: the agency sends its client a link to its own payment page, which
 * opens Stripe's payment form with the intent's client secret; the same intent takes a second
 * card after a decline, and it is what the webhooks and the reconciliation speak about. Checkout
 * Sessions would add a hosted page on top, which the local stand-in (localstripe) does not have,
 * so the flow could not be tested end to end here.
 *
 * Crash-safe in three steps, each idempotent: (1) the payment row is committed first (pending,
 * our id, no provider id yet), by the owner's activity under the owner's lock; (2) the intent is
 * created with the Stripe idempotency key `deposit:<payment id>`, so a retried activity gets the
 * same intent back, never a second one; (3) the provider id is stored. A webhook about an intent
 * whose step 3 was lost finds the row by the payment id in the intent's metadata.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Stripe } from '../../platform/stripe.ts';
import { toMinorUnits } from '../../domain/payments.ts';
import type { DepositIntent, DepositRequest, KnownPayment } from '../../workflows/booking/messages.ts';
import type { ActivityDeps } from '../deps.ts';
import { nonRetryable } from '../store/errors.ts';
import { execute, known, type PaymentRow } from './booking-money.ts';
import { stripeFailure } from './stripe-errors.ts';

/** What a deposit request's activity reports to its workflow. */
export type DepositOutcome = Omit<DepositIntent, 'entityId' | 'transitionId' | 'duplicate'> & { readonly payment: KnownPayment; readonly depositStatus: string };

/** Whose deposit it is: the payments column that names the owner, and the owner's id. */
export interface DepositOwner {
  readonly type: 'booking' | 'inquiry';
  readonly id: string;
}

/** The owner's open deposit: an inquiry's only until conversion gives it to the booking. */
const OPEN_DEPOSIT: Record<DepositOwner['type'], string> = {
  booking: `SELECT * FROM payments WHERE booking_id = ? AND type = 'deposit' AND status = 'pending' ORDER BY created_at DESC LIMIT 1`,
  inquiry: `SELECT * FROM payments WHERE inquiry_id = ? AND booking_id IS NULL AND type = 'deposit' AND status = 'pending' ORDER BY created_at DESC LIMIT 1`,
};

const RETRIED_DEPOSIT: Record<DepositOwner['type'], string> = {
  booking: `SELECT * FROM payments WHERE id = ? AND booking_id = ? FOR UPDATE`,
  inquiry: `SELECT * FROM payments WHERE id = ? AND inquiry_id = ? FOR UPDATE`,
};

/**
 * The deposit row a request already has, read under the owner's lock: this payment id's row (an
 * earlier attempt of the same activity), else the owner's open deposit, which is sent again
 * instead of a second one (unless the request retries a failed payment). Null: a new row is due.
 */
export async function existingDeposit(em: EntityManager, owner: DepositOwner, input: DepositRequest & { readonly paymentId: string }): Promise<PaymentRow | null> {
  const [mine] = await execute<PaymentRow>(em, 'SELECT * FROM payments WHERE id = ?', [input.paymentId]);
  if (mine) return mine;
  const [open] = await execute<PaymentRow>(em, OPEN_DEPOSIT[owner.type], [owner.id]);
  return open && !input.retryOf ? open : null;
}

/** Cancels the owner's failed deposit that a retry replaces; NOT_FOUND or CONFLICT when it is not one. */
export async function cancelRetriedDeposit(em: EntityManager, owner: DepositOwner, retryOf: string): Promise<void> {
  const [failed] = await execute<PaymentRow>(em, RETRIED_DEPOSIT[owner.type], [retryOf, owner.id]);
  if (!failed || failed.type === 'refund') throw nonRetryable('NOT_FOUND', `No deposit payment ${retryOf} of this ${owner.type}.`, { entityType: 'payment', entityId: retryOf });
  if (failed.status !== 'failed') throw nonRetryable('CONFLICT', `Only a failed payment is retried; this one is ${failed.status}.`, { field: 'paymentId', status: failed.status });
  await execute(em, `UPDATE payments SET status = 'cancelled', updated_at = now() WHERE id = ?`, [retryOf]);
}

/**
 * Steps (2) and (3) for a committed pending payment row: its PaymentIntent, created once per
 * payment id whatever the retries (Stripe idempotency key `deposit:<payment id>`), and the
 * provider id stored once. `metadata` names our ids, so a webhook finds the payment even if (3)
 * was lost in a crash.
 */
async function ensureIntent(orm: ActivityDeps['orm'], client: Stripe, row: PaymentRow, metadata: Record<string, string>): Promise<Stripe.PaymentIntent & { client_secret: string }> {
  let intent: Stripe.PaymentIntent;
  try {
    intent = row.provider_payment_id
      ? await client.paymentIntents.retrieve(row.provider_payment_id)
      : await client.paymentIntents.create({ amount: toMinorUnits(row.amount), currency: row.currency.toLowerCase(), metadata }, { idempotencyKey: `deposit:${row.id}` });
  } catch (error) {
    throw stripeFailure(error);
  }
  if (!row.provider_payment_id) {
    await orm.em.fork().getConnection().execute('UPDATE payments SET provider_payment_id = ?, raw = ?, updated_at = now() WHERE id = ? AND provider_payment_id IS NULL',
      [intent.id, JSON.stringify(intent), row.id]);
  }
  if (!intent.client_secret) throw nonRetryable('CONFLICT', `Stripe returned intent ${intent.id} without a client secret.`);
  return intent as Stripe.PaymentIntent & { client_secret: string };
}

/** Steps (2) and (3) for the committed row, and what the workflow is told: the intent and the pending payment. */
export async function intentOf(orm: ActivityDeps['orm'], client: Stripe, row: PaymentRow, metadata: Record<string, string>): Promise<DepositOutcome> {
  const intent = await ensureIntent(orm, client, row, metadata);
  const payment = known({ ...row, provider_payment_id: intent.id });
  return { paymentId: row.id, providerRef: intent.id, clientSecret: intent.client_secret, amount: row.amount, currency: row.currency, payment, depositStatus: 'pending' };
}
