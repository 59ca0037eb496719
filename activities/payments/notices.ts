/**
 * A provider's payment notice (one stored webhook), applied in ONE transaction: the payment
 * row (found by provider id, else by our id in the intent's metadata, else created: one row
 * per provider payment, the unique constraint says so), the booking's deposit and payment
 * status, the audit / timeline / `payment.*` event, and the webhooks_in row's outcome. Keyed by
 * the event id (audit_log is unique on it): a retry or a second delivery changes nothing twice.
 * A notice the payment rules refuse (duplicate, out of order) changes nothing and is recorded
 * as ignored with the reason.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { PAYMENT_EVENTS, paymentNoticeProblem, type PaymentStatus } from '../../domain/payments.ts';
import type { KnownPayment, PaymentNotice } from '../../workflows/booking/messages.ts';
import type { ActivityDeps } from '../deps.ts';
import { committedAlready, execute, known, recordPaymentChange, refreshBookingMoney, type PaymentRow } from './booking-money.ts';

export interface NoticeInput {
  readonly bookingId: string;
  readonly transitionId: string;
  readonly notice: PaymentNotice;
}

export interface NoticeOutcome {
  readonly applied: boolean;
  /** Why nothing changed (also stored on the webhook row). */
  readonly ignored?: string | undefined;
  readonly paymentId?: string | undefined;
  readonly payment?: KnownPayment | undefined;
  readonly depositStatus?: string | undefined;
}

export type WebhookOutcome = 'processed' | 'ignored' | 'failed';

/** Records what became of a stored webhook (in the caller's transaction when given one). */
export async function settleWebhookRow(em: EntityManager, webhookId: string, status: WebhookOutcome, error: string | null, entity?: { type: string; id: string }): Promise<void> {
  // The workflow settling a row proves it was signalled, even when the API died before it could
  // stamp signalled_at itself (killed between the signal and its UPDATE).
  await execute(em, `UPDATE webhooks_in SET status = ?, error = ?, processed_at = now(), signalled_at = coalesce(signalled_at, now()), entity_type = coalesce(?, entity_type), entity_id = coalesce(?::uuid, entity_id) WHERE id = ?`,
    [status, error, entity?.type ?? null, entity?.id ?? null, webhookId]);
}

async function paymentOf(em: EntityManager, input: NoticeInput): Promise<PaymentRow> {
  const { notice, bookingId } = input;
  const [byRef] = await execute<PaymentRow>(em, `SELECT * FROM payments WHERE provider = 'stripe' AND provider_payment_id = ? FOR UPDATE`, [notice.providerRef]);
  if (byRef) return byRef;
  if (notice.paymentId) {
    const [byId] = await execute<PaymentRow>(em, 'SELECT * FROM payments WHERE id = ? AND booking_id = ? FOR UPDATE', [notice.paymentId, bookingId]);
    if (byId) {
      // Created by us, its provider id lost in a crash before it was stored.
      await execute(em, 'UPDATE payments SET provider_payment_id = ? WHERE id = ? AND provider_payment_id IS NULL', [notice.providerRef, byId.id]);
      return { ...byId, provider_payment_id: notice.providerRef };
    }
  }
  // A payment made at the provider for this booking that we did not create (e.g. from its dashboard).
  const [created] = await execute<PaymentRow>(em, `
    INSERT INTO payments (booking_id, provider, provider_payment_id, type, status, amount, currency)
    VALUES (?, 'stripe', ?, 'deposit', 'pending', ?, ?)
    ON CONFLICT (provider, provider_payment_id) DO UPDATE SET updated_at = payments.updated_at RETURNING *`,
  [bookingId, notice.providerRef, notice.amount, notice.currency.toUpperCase()]);
  return created as PaymentRow;
}

export function createNoticeActivities({ orm }: ActivityDeps) {
  return {
    async applyPaymentNotice(input: NoticeInput): Promise<NoticeOutcome> {
      const { notice, bookingId } = input;
      return orm.em.fork().transactional(async (em) => {
        const entity = { type: 'booking', id: bookingId };
        if (await committedAlready(em, bookingId, input.transitionId)) {
          await settleWebhookRow(em, notice.webhookId, 'processed', null, entity);
          return { applied: false, ignored: 'already applied' };
        }
        const payment = await paymentOf(em, input);
        const snapshot = known(payment);
        const problem = paymentNoticeProblem(
          { status: payment.status, amount: payment.amount, amountRefunded: payment.amount_refunded, providerEventAt: snapshot.providerEventAt },
          { kind: notice.kind, occurredAt: notice.occurredAt, amountRefunded: notice.amountRefunded },
        );
        if (problem) {
          await settleWebhookRow(em, notice.webhookId, 'ignored', problem, entity);
          return { applied: false, ignored: problem, paymentId: payment.id, payment: snapshot };
        }
        let status: PaymentStatus = payment.status;
        let amount = payment.amount;
        if (notice.kind === 'refunded') {
          // Refunded at the provider beyond what we recorded (e.g. from its dashboard): record the difference.
          const [row] = await execute<{ difference: string }>(em, `
            WITH moved AS (UPDATE payments SET amount_refunded = ?::numeric, updated_at = now() WHERE id = ? RETURNING amount_refunded)
            SELECT (?::numeric - ?::numeric)::text AS difference`, [notice.amountRefunded, payment.id, notice.amountRefunded, payment.amount_refunded]);
          amount = row?.difference ?? '0';
          await execute(em, `INSERT INTO payments (booking_id, provider, type, status, amount, currency, refunds_payment_id) VALUES (?, 'stripe', 'refund', 'succeeded', ?, ?, ?)`,
            [bookingId, amount, payment.currency, payment.id]);
        } else {
          status = notice.kind === 'succeeded' ? 'succeeded' : 'failed';
          await execute(em, `UPDATE payments SET status = ?, provider_event_at = ?, failure_reason = ?, updated_at = now() WHERE id = ?`,
            [status, notice.occurredAt, notice.kind === 'failed' ? (notice.failureReason ?? 'declined') : null, payment.id]);
        }
        const money = await refreshBookingMoney(em, bookingId, payment.type === 'deposit' && notice.kind !== 'refunded' ? { status } : undefined);
        await recordPaymentChange(em, {
          bookingId, transitionId: input.transitionId, actor: { type: 'system' }, action: `PAYMENT_${notice.kind.toUpperCase()}`, money,
          event: PAYMENT_EVENTS[notice.kind],
          payload: { paymentId: payment.id, amount, currency: payment.currency, providerRef: notice.providerRef },
          reason: notice.failureReason,
        });
        await settleWebhookRow(em, notice.webhookId, 'processed', null, entity);
        const [after] = await execute<PaymentRow>(em, 'SELECT * FROM payments WHERE id = ?', [payment.id]);
        return { applied: true, paymentId: payment.id, payment: known(after as PaymentRow), depositStatus: String(money.after.deposit_status) };
      });
    },

    /** A notice the lifecycle refused (or could not apply): recorded on its webhook row, nothing else. */
    async settleWebhook(input: { webhookId: string; status: WebhookOutcome; error: string | null; bookingId?: string | undefined; inquiryId?: string | undefined }): Promise<void> {
      const entity = input.bookingId ? { type: 'booking', id: input.bookingId } : input.inquiryId ? { type: 'inquiry', id: input.inquiryId } : undefined;
      await orm.em.fork().transactional((em) => settleWebhookRow(em, input.webhookId, input.status, input.error, entity));
    },
  };
}
