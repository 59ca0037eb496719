/**
 * A booking's deposit: its PaymentIntent (activities/payments/intents.ts, which says why an
 * intent and how it is crash-safe) for the booking in deposit_required, the payment row of the
 * booking and the booking's money columns changed with it, in one transaction.
 */
import { DEFAULT_CURRENCY } from '../../domain/formats.ts';
import { assertDepositRequestable } from '../../domain/payments.ts';
import { toFailure } from '../../workflows/failures.ts';
import type { DepositRequest } from '../../workflows/booking/messages.ts';
import type { ActivityDeps } from '../deps.ts';
import { nonRetryable } from '../store/errors.ts';
import { committedAlready, execute, recordPaymentChange, refreshBookingMoney, type PaymentRow } from './booking-money.ts';
import { cancelRetriedDeposit, existingDeposit, intentOf, type DepositOutcome } from './intents.ts';
import { requireStripe } from './stripe-errors.ts';

export interface DepositInput extends DepositRequest {
  readonly bookingId: string;
  /** Fixed by the workflow before the first attempt: the same on every retry. */
  readonly paymentId: string;
}

export function createDepositActivities({ orm, stripe }: ActivityDeps) {
  return {
    async requestDepositIntent(input: DepositInput): Promise<DepositOutcome> {
      const client = await requireStripe(stripe);
      // (1) The row (or the booking's open deposit, which is sent again instead of a second one).
      const row = await orm.em.fork().transactional(async (em) => {
        const [booking] = await execute<{ status: string; deposit_required: string | null; deposit_status: string | null; currency: string }>(em,
          'SELECT status, deposit_required, deposit_status, currency FROM bookings WHERE id = ? FOR UPDATE', [input.bookingId]);
        if (!booking) throw nonRetryable('NOT_FOUND', `No booking ${input.bookingId}.`, { entityType: 'booking', entityId: input.bookingId });
        const owner = { type: 'booking', id: input.bookingId } as const;
        const existing = await existingDeposit(em, owner, input);
        if (existing) return existing;
        try {
          assertDepositRequestable(booking.status, booking.deposit_required, booking.deposit_status);
        } catch (error) {
          throw toFailure(error);
        }
        if (input.retryOf) await cancelRetriedDeposit(em, owner, input.retryOf);
        const [created] = await execute<PaymentRow>(em, `
          INSERT INTO payments (id, booking_id, provider, type, status, amount, currency) VALUES (?, ?, 'stripe', 'deposit', 'pending', ?, ?) RETURNING *`,
        [input.paymentId, input.bookingId, booking.deposit_required, booking.currency ?? DEFAULT_CURRENCY]);
        const money = await refreshBookingMoney(em, input.bookingId, { status: 'pending' });
        if (!(await committedAlready(em, input.bookingId, input.transitionId))) {
          await recordPaymentChange(em, {
            bookingId: input.bookingId, transitionId: input.transitionId, actor: input.actor, action: input.retryOf ? 'PAYMENT_RETRY' : 'DEPOSIT_REQUESTED', money,
            event: 'payment.requested', payload: { paymentId: input.paymentId, amount: String(booking.deposit_required), currency: booking.currency, providerRef: '' },
            reason: input.retryOf ? `retry of failed payment ${input.retryOf}` : undefined,
          });
        }
        return created as PaymentRow;
      });
      return intentOf(orm, client, row, { paymentId: row.id, bookingId: input.bookingId });
    },
  };
}
