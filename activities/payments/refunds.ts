/**
 * Refunds, full or partial, never more than was paid. The amount is reserved on the refunded
 * payment's row under its lock before Stripe is called (`amount_refunded`, which a CHECK keeps
 * within the amount): of two concurrent refunds that together exceed the payment, the second
 * waits for the first's lock and is refused, whichever process runs it. The refund row is keyed
 * by an id the workflow fixed before the first attempt, and Stripe's idempotency key is derived
 * from it, so a retry neither reserves twice nor refunds twice. A refund Stripe refuses gives
 * the reservation back.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { PAYMENT_EVENTS, refundAmount, toMinorUnits } from '../../domain/payments.ts';
import { toFailure } from '../../workflows/failures.ts';
import type { KnownPayment, RefundRequest } from '../../workflows/booking/messages.ts';
import type { ActivityDeps } from '../deps.ts';
import { nonRetryable } from '../store/errors.ts';
import { committedAlready, execute, known, recordPaymentChange, refreshBookingMoney, type PaymentRow } from './booking-money.ts';
import { requireStripe, stripeFailure } from './stripe-errors.ts';

export interface RefundInput extends RefundRequest {
  readonly bookingId: string;
  readonly refundId: string;
}

export interface RefundOutcome {
  readonly refundId: string;
  readonly paymentId: string;
  readonly providerRef: string;
  readonly amount: string;
  readonly currency: string;
  readonly payment: KnownPayment;
}

async function lockPayment(em: EntityManager, input: RefundInput): Promise<PaymentRow> {
  const [payment] = await execute<PaymentRow>(em, 'SELECT * FROM payments WHERE id = ? AND booking_id = ? FOR UPDATE', [input.paymentId, input.bookingId]);
  if (!payment) throw nonRetryable('NOT_FOUND', `No payment ${input.paymentId} of this booking.`, { entityType: 'payment', entityId: input.paymentId });
  return payment;
}

export function createRefundActivities({ orm, stripe }: ActivityDeps) {
  return {
    async refundPayment(input: RefundInput): Promise<RefundOutcome> {
      const client = await requireStripe(stripe);
      // Reserve (or find the reservation of an earlier attempt).
      const { payment, refund } = await orm.em.fork().transactional(async (em) => {
        const payment = await lockPayment(em, input);
        const [earlier] = await execute<PaymentRow>(em, 'SELECT * FROM payments WHERE id = ?', [input.refundId]);
        if (earlier) return { payment, refund: earlier };
        let amount: string;
        try {
          amount = refundAmount({ status: payment.status, type: payment.type, amount: payment.amount, amountRefunded: payment.amount_refunded }, input.amount);
        } catch (error) {
          throw toFailure(error);
        }
        if (!payment.provider_payment_id) throw nonRetryable('CONFLICT', 'The payment has no provider id to refund.', { field: 'paymentId' });
        // The CHECK (amount_refunded <= amount) stands behind this guard.
        await execute(em, 'UPDATE payments SET amount_refunded = amount_refunded + ?::numeric, updated_at = now() WHERE id = ?', [amount, payment.id]);
        const [refund] = await execute<PaymentRow>(em, `
          INSERT INTO payments (id, booking_id, provider, type, status, amount, currency, refunds_payment_id) VALUES (?, ?, 'stripe', 'refund', 'pending', ?, ?, ?) RETURNING *`,
        [input.refundId, input.bookingId, amount, payment.currency, payment.id]);
        return { payment, refund: refund as PaymentRow };
      });
      if (refund.status === 'failed') throw nonRetryable('CONFLICT', `Stripe refused refund ${refund.id} earlier.`, { field: 'amount' });
      let providerRefund: { id: string; status: string | null };
      try {
        providerRefund = refund.provider_payment_id
          ? { id: refund.provider_payment_id, status: refund.status }
          : await client.refunds.create({
            payment_intent: payment.provider_payment_id as string,
            amount: toMinorUnits(refund.amount),
            metadata: { refundId: refund.id, paymentId: payment.id, bookingId: input.bookingId },
          }, { idempotencyKey: `refund:${refund.id}` });
      } catch (error) {
        const failure = stripeFailure(error);
        if (failure !== error) {
          // Refused by Stripe: the reservation is given back, the refund row says so.
          await orm.em.fork().transactional(async (em) => {
            await lockPayment(em, input);
            const released = await execute(em, `UPDATE payments SET status = 'failed', failure_reason = ?, updated_at = now() WHERE id = ? AND status = 'pending' RETURNING id`,
              [String((error as Error).message), refund.id]);
            if (released.length) await execute(em, 'UPDATE payments SET amount_refunded = amount_refunded - ?::numeric WHERE id = ?', [refund.amount, payment.id]);
          });
        }
        throw failure;
      }
      const after = await orm.em.fork().transactional(async (em) => {
        const locked = await lockPayment(em, input);
        await execute(em, `UPDATE payments SET status = 'succeeded', provider_payment_id = ?, updated_at = now() WHERE id = ? AND status = 'pending'`, [providerRefund.id, refund.id]);
        if (!(await committedAlready(em, input.bookingId, input.transitionId))) {
          const money = await refreshBookingMoney(em, input.bookingId);
          await recordPaymentChange(em, {
            bookingId: input.bookingId, transitionId: input.transitionId, actor: input.actor, action: 'REFUND', money, reason: input.reason,
            event: PAYMENT_EVENTS.refunded,
            payload: { paymentId: payment.id, amount: refund.amount, currency: refund.currency, providerRef: payment.provider_payment_id as string },
          });
        }
        return locked;
      });
      return {
        refundId: refund.id, paymentId: payment.id, providerRef: providerRefund.id, amount: refund.amount, currency: refund.currency, payment: known(after),
      };
    },
  };
}
