/**
 * An inquiry's deposit (workflows/inquiry/deposits.ts): the PaymentIntent asked of the client
 * while the inquiry is awaiting_deposit, and the provider's notices about it. The payment row
 * belongs to the inquiry (booking_id null until conversion gives it to the booking); the
 * inquiry's deposit_status follows it; every change is recorded on the inquiry (audit + timeline)
 * with the `payment.*` event about the payment, in the same transaction. Crash-safe as every
 * deposit intent is (activities/payments/intents.ts): row first, then the intent under an
 * idempotency key from our payment id, then its provider id; notices keyed by the event id.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { writeChange } from '../../db/change-log.ts';
import { DEFAULT_CURRENCY } from '../../domain/formats.ts';
import {
  PAYMENT_EVENTS, assertInquiryDepositRequestable, depositStatusOf, paymentNoticeProblem, type PaymentEventPayload, type PaymentStatus,
} from '../../domain/payments.ts';
import { toFailure } from '../../workflows/failures.ts';
import type { DepositRequest, PaymentNotice } from '../../workflows/booking/messages.ts';
import type { Actor } from '../../workflows/lifecycle/messages.ts';
import type { ActivityDeps } from '../deps.ts';
import { nonRetryable } from '../store/errors.ts';
import { execute, known, type PaymentRow } from './booking-money.ts';
import { cancelRetriedDeposit, existingDeposit, intentOf, type DepositOutcome } from './intents.ts';
import { requireStripe } from './stripe-errors.ts';
import { settleWebhookRow, type NoticeOutcome } from './notices.ts';

export interface InquiryDepositInput extends DepositRequest {
  readonly inquiryId: string;
  /** Fixed by the workflow before the first attempt: the same on every retry. */
  readonly paymentId: string;
}

export interface InquiryNoticeInput {
  readonly inquiryId: string;
  readonly transitionId: string;
  readonly notice: PaymentNotice;
}

const committedAlready = async (em: EntityManager, inquiryId: string, transitionId: string) =>
  (await execute(em, `SELECT 1 FROM audit_log WHERE entity_type = 'inquiry' AND entity_id = ? AND transition_id = ?`, [inquiryId, transitionId])).length > 0;

/** Sets the inquiry's deposit_status (locked) and records the change on the inquiry with the payment's event. */
async function recordInquiryPayment(em: EntityManager, change: {
  inquiryId: string; transitionId: string; actor: Actor; action: string; depositStatus: string;
  event: string; payload: Omit<PaymentEventPayload, 'bookingId' | 'inquiryId'>; reason?: string | undefined;
}): Promise<void> {
  const [before] = await execute<{ deposit_status: string }>(em, 'SELECT deposit_status FROM inquiries WHERE id = ? FOR UPDATE', [change.inquiryId]);
  if (!before) throw nonRetryable('NOT_FOUND', `No inquiry ${change.inquiryId}.`, { entityType: 'inquiry', entityId: change.inquiryId });
  await execute(em, 'UPDATE inquiries SET deposit_status = ?, updated_at = now() WHERE id = ?', [change.depositStatus, change.inquiryId]);
  const payload: PaymentEventPayload = { bookingId: null, inquiryId: change.inquiryId, ...change.payload };
  await writeChange(em, {
    entityType: 'inquiry', entityId: change.inquiryId, transitionId: change.transitionId, actor: change.actor,
    audit: {
      action: change.action, before: { deposit_status: before.deposit_status },
      after: { deposit_status: change.depositStatus, payment_id: payload.paymentId, amount: payload.amount },
      metadata: change.reason ? { reason: change.reason } : null,
    },
    event: { type: change.event, payload: { ...payload } },
    eventEntity: { type: 'payment', id: payload.paymentId },
  });
}

export function createInquiryDepositActivities({ orm, stripe }: ActivityDeps) {
  return {
    async requestInquiryDepositIntent(input: InquiryDepositInput): Promise<DepositOutcome> {
      const client = await requireStripe(stripe);
      // (1) The row (or the inquiry's open deposit, which is sent again instead of a second one).
      const row = await orm.em.fork().transactional(async (em) => {
        const [inquiry] = await execute<{ status: string; deposit_amount: string | null; deposit_status: string }>(em,
          'SELECT status, deposit_amount, deposit_status FROM inquiries WHERE id = ? FOR UPDATE', [input.inquiryId]);
        if (!inquiry) throw nonRetryable('NOT_FOUND', `No inquiry ${input.inquiryId}.`, { entityType: 'inquiry', entityId: input.inquiryId });
        const owner = { type: 'inquiry', id: input.inquiryId } as const;
        const existing = await existingDeposit(em, owner, input);
        if (existing) return existing;
        try {
          assertInquiryDepositRequestable(inquiry.status, inquiry.deposit_amount, inquiry.deposit_status);
        } catch (error) {
          throw toFailure(error);
        }
        if (input.retryOf) await cancelRetriedDeposit(em, owner, input.retryOf);
        const [created] = await execute<PaymentRow>(em, `
          INSERT INTO payments (id, inquiry_id, provider, type, status, amount, currency) VALUES (?, ?, 'stripe', 'deposit', 'pending', ?, ?) RETURNING *`,
        [input.paymentId, input.inquiryId, inquiry.deposit_amount, DEFAULT_CURRENCY]);
        if (!(await committedAlready(em, input.inquiryId, input.transitionId))) {
          await recordInquiryPayment(em, {
            inquiryId: input.inquiryId, transitionId: input.transitionId, actor: input.actor, action: input.retryOf ? 'PAYMENT_RETRY' : 'DEPOSIT_REQUESTED',
            depositStatus: 'pending', event: 'payment.requested',
            payload: { paymentId: input.paymentId, amount: String(inquiry.deposit_amount), currency: DEFAULT_CURRENCY, providerRef: '' },
            reason: input.retryOf ? `retry of failed payment ${input.retryOf}` : undefined,
          });
        }
        return created as PaymentRow;
      });
      return intentOf(orm, client, row, { paymentId: row.id, inquiryId: input.inquiryId });
    },

    /** A notice about an inquiry's deposit, in ONE transaction (as the booking's, activities/payments/notices.ts). */
    async applyInquiryPaymentNotice(input: InquiryNoticeInput): Promise<NoticeOutcome> {
      const { notice, inquiryId } = input;
      return orm.em.fork().transactional(async (em) => {
        const entity = { type: 'inquiry', id: inquiryId };
        if (await committedAlready(em, inquiryId, input.transitionId)) {
          await settleWebhookRow(em, notice.webhookId, 'processed', null, entity);
          return { applied: false, ignored: 'already applied' };
        }
        const [payment] = await execute<PaymentRow>(em, `
          SELECT * FROM payments WHERE (provider = 'stripe' AND provider_payment_id = ?) OR (id = ?::uuid AND inquiry_id = ?) ORDER BY provider_payment_id IS NULL LIMIT 1 FOR UPDATE`,
        [notice.providerRef, notice.paymentId ?? null, inquiryId]);
        if (!payment) {
          await settleWebhookRow(em, notice.webhookId, 'failed', `no payment ${notice.providerRef} of this inquiry`, entity);
          return { applied: false, ignored: 'unknown payment' };
        }
        if (payment.booking_id) {
          // Converted while this notice was on its way: the booking owns the payment now.
          await settleWebhookRow(em, notice.webhookId, 'failed', `the payment moved to booking ${payment.booking_id} (the inquiry was converted): reprocess to apply it there`, entity);
          return { applied: false, ignored: 'converted' };
        }
        // Created by us, its provider id lost in a crash before it was stored.
        if (!payment.provider_payment_id) await execute(em, 'UPDATE payments SET provider_payment_id = ? WHERE id = ? AND provider_payment_id IS NULL', [notice.providerRef, payment.id]);
        const snapshot = known(payment);
        const problem = notice.kind === 'refunded'
          ? 'refunds of an inquiry\'s deposit are recorded once it is converted (reprocess then)'
          : paymentNoticeProblem(
            { status: payment.status, amount: payment.amount, amountRefunded: payment.amount_refunded, providerEventAt: snapshot.providerEventAt },
            { kind: notice.kind, occurredAt: notice.occurredAt },
          );
        if (problem) {
          await settleWebhookRow(em, notice.webhookId, notice.kind === 'refunded' ? 'failed' : 'ignored', problem, entity);
          return { applied: false, ignored: problem, paymentId: payment.id, payment: snapshot };
        }
        const status: PaymentStatus = notice.kind === 'succeeded' ? 'succeeded' : 'failed';
        await execute(em, `UPDATE payments SET status = ?, provider_event_at = ?, failure_reason = ?, updated_at = now() WHERE id = ?`,
          [status, notice.occurredAt, status === 'failed' ? (notice.failureReason ?? 'declined') : null, payment.id]);
        const depositStatus = depositStatusOf(status);
        await recordInquiryPayment(em, {
          inquiryId, transitionId: input.transitionId, actor: { type: 'system' }, action: `PAYMENT_${notice.kind.toUpperCase()}`, depositStatus,
          event: PAYMENT_EVENTS[notice.kind], payload: { paymentId: payment.id, amount: payment.amount, currency: payment.currency, providerRef: notice.providerRef },
          reason: notice.failureReason,
        });
        await settleWebhookRow(em, notice.webhookId, 'processed', null, entity);
        const [after] = await execute<PaymentRow>(em, 'SELECT * FROM payments WHERE id = ?', [payment.id]);
        return { applied: true, paymentId: payment.id, payment: known(after as PaymentRow), depositStatus };
      });
    },
  };
}
