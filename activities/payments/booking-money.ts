/**
 * The booking's money columns (deposit_status, payment_status), recomputed from its payments
 * inside the caller's transaction after any payment change, and the change-log entry that goes
 * with it (audit + timeline + the `payment.*` domain event the automation rules react to).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { writeChange } from '../../db/change-log.ts';
import {
  bookingPaymentStatus, depositStatusOf, toMinorUnits, type DepositStatus, type PaymentEventPayload, type PaymentStatus,
} from '../../domain/payments.ts';
import type { Actor } from '../../workflows/lifecycle/messages.ts';
import type { KnownPayment } from '../../workflows/booking/messages.ts';
import { nonRetryable } from '../store/errors.ts';

export interface PaymentRow {
  id: string;
  booking_id: string | null;
  inquiry_id?: string | null;
  provider_payment_id: string | null;
  type: string;
  status: PaymentStatus;
  amount: string;
  amount_refunded: string;
  currency: string;
  provider_event_at: Date | string | null;
  raw: Record<string, unknown> | null;
}

export const known = (row: PaymentRow): KnownPayment => ({
  providerRef: row.provider_payment_id, type: row.type, status: row.status, amount: row.amount, amountRefunded: row.amount_refunded,
  providerEventAt: row.provider_event_at ? new Date(row.provider_event_at).toISOString() : null,
});

export async function execute<T>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  return em.getConnection().execute<T[]>(sql, params, 'all', em.getTransactionContext());
}

interface BookingMoney {
  readonly inquiryId: string | null;
  readonly before: { deposit_status: string | null; payment_status: string | null };
  readonly after: { deposit_status: DepositStatus | string | null; payment_status: string };
}

/**
 * Locks the booking and recomputes its deposit and payment status. `deposit`: the deposit
 * payment whose status now decides deposit_status (absent: leave it).
 */
export async function refreshBookingMoney(em: EntityManager, bookingId: string, deposit?: { status: PaymentStatus }): Promise<BookingMoney> {
  const [booking] = await execute<{ deposit_status: string | null; payment_status: string | null; price_total: string; inquiry_id: string | null }>(em,
    'SELECT deposit_status, payment_status, price_total, inquiry_id FROM bookings WHERE id = ? FOR UPDATE', [bookingId]);
  if (!booking) throw nonRetryable('NOT_FOUND', `No booking ${bookingId}.`, { entityType: 'booking', entityId: bookingId });
  const [sums] = await execute<{ paid: string; refunded: string }>(em, `
    SELECT coalesce(sum(amount) FILTER (WHERE status = 'succeeded'), 0)::text AS paid,
           coalesce(sum(amount_refunded) FILTER (WHERE status = 'succeeded'), 0)::text AS refunded
      FROM payments WHERE booking_id = ? AND type <> 'refund'`, [bookingId]);
  const paymentStatus = bookingPaymentStatus(toMinorUnits(sums?.paid ?? '0'), toMinorUnits(sums?.refunded ?? '0'), toMinorUnits(booking.price_total));
  const depositStatus = deposit ? depositStatusOf(deposit.status) : booking.deposit_status;
  await execute(em, 'UPDATE bookings SET deposit_status = ?, payment_status = ?, updated_at = now() WHERE id = ?', [depositStatus, paymentStatus, bookingId]);
  return {
    inquiryId: booking.inquiry_id,
    before: { deposit_status: booking.deposit_status, payment_status: booking.payment_status },
    after: { deposit_status: depositStatus, payment_status: paymentStatus },
  };
}

/** The audit entry, timeline entry and domain event of a payment change, in the caller's transaction. */
export async function recordPaymentChange(em: EntityManager, change: {
  bookingId: string; transitionId: string; actor: Actor; action: string; money: BookingMoney;
  event: string; payload: Omit<PaymentEventPayload, 'bookingId' | 'inquiryId'>; reason?: string | undefined;
}): Promise<void> {
  const payload: PaymentEventPayload = { bookingId: change.bookingId, inquiryId: change.money.inquiryId, ...change.payload };
  await writeChange(em, {
    entityType: 'booking', entityId: change.bookingId, transitionId: change.transitionId, actor: change.actor,
    audit: {
      action: change.action, before: change.money.before, after: { ...change.money.after, payment_id: payload.paymentId, amount: payload.amount },
      metadata: change.reason ? { reason: change.reason } : null,
    },
    event: { type: change.event, payload: { ...payload } },
    // The event is the payment's (domain/automation-events.ts): rules read the payment row as `entity`.
    eventEntity: { type: 'payment', id: payload.paymentId },
  });
}

/** Whether this change (booking, transition id) was committed already (a retry after a crash). */
export async function committedAlready(em: EntityManager, bookingId: string, transitionId: string): Promise<boolean> {
  const rows = await execute(em, `SELECT 1 FROM audit_log WHERE entity_type = 'booking' AND entity_id = ? AND transition_id = ?`, [bookingId, transitionId]);
  return rows.length > 0;
}
