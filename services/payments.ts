/**
 * Payments (seed §7 "payments"): deposit intents, retries and refunds for Finance and Owners
 * (payments.write), each an Update of the booking's workflow whose activities talk to Stripe on
 * the `critical` queue; and the inbound side of Stripe: a verified event is stored once in
 * webhooks_in (unique on the provider's event id) by the API, then claimed and delivered by a
 * worker (worker/webhook-delivery.ts) to the booking's workflow as the `paymentNotice` Signal
 * (signal-with-start: a booking whose workflow has closed gets a new run that re-reads its row).
 * Rows signalled but never settled are delivered again by the sweep, and an Integrations Admin
 * (integrations.write) may reprocess a failed one.
 */
import type { Client } from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inquiry, Payment, ReconciliationReport, WebhookIn } from '../db/entities/index.ts';
import { assertPermission } from '../domain/access.ts';
import { conflict, invalidInput, notFound } from '../domain/errors.ts';
import { fromMinorUnits } from '../domain/payments.ts';
import {
  bookingWorkflowId, bookingWorkflowType, paymentNoticeSignal, refundPaymentUpdate, requestDepositUpdate,
  type BookingWorkflowInput, type DepositIntent, type PaymentNotice, type RefundResult,
} from '../workflows/booking/messages.ts';
import { SA_ENTITY_TYPE } from '../workflows/search-attributes.ts';
import { LIFECYCLE_WORKFLOW_TASK_TIMEOUT, WORKFLOW_TASK_QUEUE } from '../workflows/task-queues.ts';
import { actorOf, transitionIdOf, type Caller, type ServiceDeps } from './context.ts';
import { lifecycleRowInPolicy, isUuid, idOf } from './rows.ts';
import { workflowIdOfRow } from './lifecycle-commands.ts';
import { inquiryWorkflowId, type InquirySource } from '../domain/inquiry.ts';
import { createHash, randomUUID } from 'node:crypto';
import { CHANNEL_TYPES, createInboundDelivery } from './inbound.ts';
import { STRIPE_INTEGRATION_CODE, TESTING_NO_EFFECT } from '../domain/integrations.ts';
import { reconcilePaymentsWorkflowType, type ReconcileRequest, type ReconcileResult } from '../workflows/payments/messages.ts';

/** The parts of a Stripe event the platform reads (the SDK's `Stripe.Event`, verified at the edge). */
export interface ProviderEvent {
  readonly id: string;
  readonly type: string;
  /** Unix seconds. */
  readonly created: number;
  readonly data: { readonly object: Record<string, unknown> };
}

/** A deposit intent as the API returns it: the payment row and the client secret. */
export interface DepositIntentView {
  readonly payment: Payment;
  readonly clientSecret: string;
  readonly duplicate: boolean;
}

export interface RefundView {
  readonly refund: Payment;
  readonly payment: Payment;
  readonly duplicate: boolean;
}

export interface StoredWebhook {
  readonly id: string;
  readonly status: string;
  /** False when this event id was stored before (a duplicate delivery): nothing new was stored. */
  readonly fresh: boolean;
}

/** Stripe's event types the platform acts on, and what each means for a payment. */
const NOTICE_KINDS: Readonly<Record<string, PaymentNotice['kind']>> = {
  'payment_intent.succeeded': 'succeeded',
  'payment_intent.payment_failed': 'failed',
  'charge.refunded': 'refunded',
};

const str = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

function updateId(transitionId: string, request: unknown): string {
  return `${transitionId}#${createHash('sha256').update(JSON.stringify(request)).digest('hex').slice(0, 16)}`;
}

/** What a stored event says, as a notice (without the booking, which delivery looks up). */
export function noticeOf(webhookId: string, event: ProviderEvent): PaymentNotice | undefined {
  const kind = NOTICE_KINDS[event.type];
  if (!kind) return undefined;
  const object = event.data.object;
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  const providerRef = kind === 'refunded' ? str(object.payment_intent) : str(object.id);
  if (!providerRef) return undefined;
  const lastError = object.last_payment_error as { message?: unknown } | null | undefined;
  return {
    webhookId,
    eventId: event.id,
    kind,
    providerRef,
    paymentId: isUuid(str(metadata.paymentId)) ? str(metadata.paymentId) : undefined,
    amount: fromMinorUnits(Number(object.amount ?? 0)),
    amountRefunded: kind === 'refunded' ? fromMinorUnits(Number(object.amount_refunded ?? 0)) : undefined,
    currency: String(object.currency ?? 'gbp').toUpperCase(),
    occurredAt: new Date(event.created * 1000).toISOString(),
    failureReason: kind === 'failed' ? str(lastError?.message) ?? 'payment failed' : undefined,
  };
}

async function execute<T>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  return em.getConnection().execute<T[]>(sql, params);
}

/** A booking's columns its workflow's input needs (only used if the workflow has closed: signal-with-start). */
interface BookingColumns { client_id: string; model_id: string; location_id: string; booking_inquiry_id: string | null; start_at: Date; end_at: Date; price_total: string; currency: string; deposit_required: string | null }

/**
 * Whose payment a notice is about: the booking of our payment row, else (an inquiry's deposit
 * not yet converted) its inquiry, else the booking or inquiry the intent's metadata names; with
 * the booking's columns, in the same round trip (delivery is one query, then the signal).
 */
async function ownerOf(em: EntityManager, notice: PaymentNotice, metadata: Record<string, unknown>): Promise<
  { type: 'booking'; id: string; booking: BookingColumns } | { type: 'inquiry'; id: string } | undefined> {
  const bookingId = str(metadata.bookingId);
  const inquiryId = str(metadata.inquiryId);
  const [row] = await execute<{ booking_id: string | null; inquiry_id: string | null } & Partial<BookingColumns>>(em, `
    WITH owner AS (
      SELECT booking_id, inquiry_id FROM payments WHERE provider = 'stripe' AND provider_payment_id = ?
      UNION ALL SELECT booking_id, inquiry_id FROM payments WHERE id = ?::uuid
      UNION ALL SELECT id, NULL FROM bookings WHERE id = ?::uuid
      UNION ALL SELECT booking_id, id FROM inquiries WHERE id = ?::uuid LIMIT 1)
    SELECT o.booking_id, o.inquiry_id, b.client_id, b.model_id, b.location_id, b.inquiry_id AS booking_inquiry_id, b.start_at, b.end_at,
           b.price_total, b.currency, b.deposit_required
      FROM owner o LEFT JOIN bookings b ON b.id = o.booking_id`,
  [notice.providerRef, notice.paymentId ?? null, isUuid(bookingId) ? bookingId : null, isUuid(inquiryId) ? inquiryId : null]);
  if (row?.booking_id) {
    if (!row.client_id) throw notFound('booking', row.booking_id);
    return { type: 'booking', id: row.booking_id, booking: row as BookingColumns };
  }
  if (row?.inquiry_id) return { type: 'inquiry', id: row.inquiry_id };
  return undefined;
}

/** The NOTIFY channel that wakes the workers' delivery of stored Stripe webhooks (no payload: they claim from the table). */
export const STORED_WEBHOOKS_CHANNEL = 'virel_stripe_webhooks';

/** Wakes the workers' delivery loops (its own statement, after the acknowledgement: never on its path). */
export async function notifyStoredWebhooks(em: EntityManager): Promise<void> {
  await execute(em, 'SELECT pg_notify(?, \'\')', [STORED_WEBHOOKS_CHANNEL]);
}

/** A stored Stripe event as a delivery loop claimed it. */
export interface ClaimedWebhook {
  readonly id: string;
  readonly status: string;
  readonly payload: ProviderEvent;
}

/** Delivers stored webhooks to their workflows: a worker's delivery loop, the sweep, a reprocess. */
export function createWebhookDelivery(deps: { em: EntityManager; temporal: Client }) {
  const { em, temporal } = deps;

  async function settle(id: string, status: 'ignored' | 'failed', error: string): Promise<void> {
    await execute(em, 'UPDATE webhooks_in SET status = ?, error = ?, processed_at = now(), attempts = attempts + 1 WHERE id = ?', [status, error, id]);
  }

  /**
   * An inquiry's deposit not yet converted: a plain Signal to the inquiry's workflow, which is
   * running while the inquiry is open (awaiting_deposit); a closed one (lost, or converted since)
   * leaves the row failed with why, for a reprocess.
   */
  async function deliverToInquiry(webhookId: string, inquiryId: string, notice: PaymentNotice): Promise<'signalled' | 'failed'> {
    const [inquiry] = await execute<{ source: string; external_ref: string | null }>(em, 'SELECT source, external_ref FROM inquiries WHERE id = ?', [inquiryId]);
    if (!inquiry) throw notFound('inquiry', inquiryId);
    try {
      await temporal.workflow.getHandle(inquiryWorkflowId({ id: inquiryId, source: inquiry.source as InquirySource, externalRef: inquiry.external_ref }))
        .signal(paymentNoticeSignal, { ...notice });
    } catch (error) {
      if ((error as { name?: string }).name !== 'WorkflowNotFoundError') throw error;
      await settle(webhookId, 'failed', `the inquiry's lifecycle has ended (${inquiryId}): reprocess once the payment belongs to a booking`);
      return 'failed';
    }
    await execute(em, `UPDATE webhooks_in SET attempts = attempts + 1, signalled_at = now(), entity_type = 'inquiry', entity_id = ? WHERE id = ?`, [inquiryId, webhookId]);
    return 'signalled';
  }

  return {
    /** Sends one stored, not yet settled webhook to its booking's workflow; what became of it. */
    async deliver(webhookId: string, stored?: { status: string; payload: ProviderEvent }): Promise<'signalled' | 'ignored' | 'failed' | 'settled'> {
      const [row] = stored ? [{ id: webhookId, ...stored }] : await execute<{ id: string; status: string; payload: ProviderEvent }>(em, 'SELECT id, status, payload FROM webhooks_in WHERE id = ?', [webhookId]);
      if (!row) throw notFound('webhook', webhookId);
      if (row.status !== 'received') return 'settled';
      const notice = noticeOf(row.id, row.payload);
      if (!notice) {
        await settle(row.id, 'ignored', `event type ${row.payload.type} is not handled`);
        return 'ignored';
      }
      const metadata = (row.payload.data.object.metadata ?? {}) as Record<string, unknown>;
      const owner = await ownerOf(em, notice, metadata);
      if (!owner) {
        await settle(row.id, 'failed', `no booking for ${notice.providerRef} (reprocess once it exists)`);
        return 'failed';
      }
      if (owner.type === 'inquiry') return deliverToInquiry(row.id, owner.id, notice);
      const bookingId = owner.id;
      const b = owner.booking;
      // Only used if the booking's workflow has closed: its new run re-reads the row (see below).
      const input: BookingWorkflowInput = {
        booking: {
          id: bookingId, clientId: b.client_id, modelId: b.model_id, locationId: b.location_id, inquiryId: b.booking_inquiry_id ?? undefined,
          startAt: new Date(b.start_at).toISOString(), endAt: new Date(b.end_at).toISOString(), priceTotal: b.price_total, currency: b.currency,
          depositRequired: b.deposit_required ?? undefined,
        },
        actor: { type: 'system' },
        requestId: `payment-notice:${notice.eventId}`,
      };
      // Running: a plain signal. Closed (a finished booking's lifecycle ends a day after): a new run that
      // re-reads the booking's row (its create step is idempotent), then handles the notice.
      await temporal.workflow.signalWithStart(bookingWorkflowType, {
        workflowId: bookingWorkflowId(bookingId),
        taskQueue: WORKFLOW_TASK_QUEUE,
        workflowTaskTimeout: LIFECYCLE_WORKFLOW_TASK_TIMEOUT,
        args: [input],
        signal: paymentNoticeSignal,
        signalArgs: [{ ...notice }],
        typedSearchAttributes: [{ key: SA_ENTITY_TYPE, value: 'booking' }],
      });
      await execute(em, `UPDATE webhooks_in SET attempts = attempts + 1, signalled_at = now(), entity_type = 'booking', entity_id = ? WHERE id = ?`, [bookingId, row.id]);
      return 'signalled';
    },

    /**
     * Claims up to `limit` stored Stripe events nobody has signalled yet and no delivery loop
     * holds, oldest first, for `leaseMs`: rows locked by a concurrent claim are skipped, so two
     * workers never take the same row; a claim left by a worker that died expires, and the row
     * is claimed again.
     */
    async claim(limit: number, leaseMs: number): Promise<ClaimedWebhook[]> {
      const rows = await execute<ClaimedWebhook & { received_at: Date }>(em, `
        UPDATE webhooks_in w SET delivery_claimed_until = now() + make_interval(secs => ?)
         WHERE w.id IN (
           SELECT id FROM webhooks_in
            WHERE status = 'received' AND signalled_at IS NULL
              AND (delivery_claimed_until IS NULL OR delivery_claimed_until < now())
              AND integration_id IN (SELECT id FROM integrations WHERE type = 'stripe')
            ORDER BY received_at LIMIT ? FOR UPDATE SKIP LOCKED)
        RETURNING w.id, w.status, w.payload, w.received_at`, [leaseMs / 1000, limit]);
      return rows.sort((a, b) => new Date(a.received_at).getTime() - new Date(b.received_at).getTime()).map(({ id, status, payload }) => ({ id, status, payload }));
    },

    /**
     * Stored rows older than `graceMs` that were never signalled and no delivery loop holds (no
     * worker has been running), or signalled over a minute ago and still unsettled: to be
     * delivered again (a second signal of the same event changes nothing).
     */
    async undelivered(graceMs: number, limit: number): Promise<string[]> {
      const rows = await execute<{ id: string }>(em, `
        SELECT id FROM webhooks_in
         WHERE status = 'received' AND received_at < now() - make_interval(secs => ?)
           AND integration_id IN (SELECT id FROM integrations WHERE type = 'stripe')
           AND (signalled_at IS NULL OR signalled_at < now() - interval '1 minute')
           AND (delivery_claimed_until IS NULL OR delivery_claimed_until < now())
         ORDER BY received_at LIMIT ?`, [graceMs / 1000, limit]);
      return rows.map((r) => r.id);
    },
  };
}

export function createPaymentService(deps: ServiceDeps) {
  const { em, temporal } = deps;
  const delivery = createWebhookDelivery({ em, temporal });

  async function bookingHandle(caller: Caller, bookingId: string) {
    const row = await lifecycleRowInPolicy(em, caller.principal, 'booking', bookingId);
    return temporal.workflow.getHandle(bookingWorkflowId(row.id));
  }

  async function intentView(intent: DepositIntent): Promise<DepositIntentView> {
    return { payment: await em.findOneOrFail(Payment, { id: intent.paymentId }, { refresh: true, populate: ['booking', 'inquiry'] }), clientSecret: intent.clientSecret, duplicate: intent.duplicate };
  }

  async function paymentInPolicy(caller: Caller, paymentId: string): Promise<Payment> {
    const payment = isUuid(paymentId) ? await em.findOne(Payment, { id: paymentId }, { refresh: true }) : null;
    if (!payment) throw notFound('payment', paymentId);
    // Out of the caller's policy reads as absent (lifecycleRowInPolicy throws NOT_FOUND for the booking or inquiry).
    const owner = payment.booking ? ['booking', idOf(payment.booking)] as const : ['inquiry', idOf(payment.inquiry)] as const;
    await lifecycleRowInPolicy(em, caller.principal, owner[0], owner[1] as string).catch(() => {
      throw notFound('payment', paymentId);
    });
    return payment;
  }

  /** The workflow whose money a payment is: its booking's, else (not yet converted) its inquiry's. */
  async function ownerHandle(payment: Payment) {
    if (payment.booking) return temporal.workflow.getHandle(bookingWorkflowId(idOf(payment.booking) as string));
    const inquiry = await em.findOneOrFail(Inquiry, { id: idOf(payment.inquiry) as string });
    return temporal.workflow.getHandle(workflowIdOfRow('inquiry', inquiry));
  }

  return {
    /** seed §7 POST /bookings/:id/payments/deposit-intent: the deposit's PaymentIntent (one per open deposit). */
    async requestDeposit(caller: Caller, bookingId: string): Promise<DepositIntentView> {
      assertPermission(caller.principal, 'payments.write');
      const handle = await bookingHandle(caller, bookingId);
      const transitionId = transitionIdOf(caller, ':deposit');
      return intentView(await handle.executeUpdate(requestDepositUpdate, { updateId: updateId(transitionId, ['deposit']), args: [{ transitionId, actor: actorOf(caller) }] }));
    },

    /**
     * The deposit's PaymentIntent for an inquiry in awaiting_deposit (before any booking exists):
     * the open one if there is one. The inquiry's workflow records it; conversion gives it to the booking.
     */
    async requestInquiryDeposit(caller: Caller, inquiryId: string): Promise<DepositIntentView> {
      assertPermission(caller.principal, 'payments.write');
      const row = await lifecycleRowInPolicy(em, caller.principal, 'inquiry', inquiryId);
      const handle = temporal.workflow.getHandle(workflowIdOfRow('inquiry', row as Inquiry));
      const transitionId = transitionIdOf(caller, ':deposit');
      return intentView(await handle.executeUpdate(requestDepositUpdate, { updateId: updateId(transitionId, ['deposit']), args: [{ transitionId, actor: actorOf(caller) }] }));
    },

    /** seed §7 POST /payments/:id/retry: a failed deposit gets a new intent (the failed one is cancelled). */
    async retryPayment(caller: Caller, paymentId: string): Promise<DepositIntentView> {
      assertPermission(caller.principal, 'payments.write');
      const payment = await paymentInPolicy(caller, paymentId);
      if (payment.type === 'refund') throw conflict('A refund cannot be retried.', 'paymentId');
      if (payment.status !== 'failed') throw conflict(`Only a failed payment is retried; this one is ${payment.status}.`, { field: 'paymentId', status: payment.status });
      const handle = await ownerHandle(payment);
      const transitionId = transitionIdOf(caller, ':retry');
      return intentView(await handle.executeUpdate(requestDepositUpdate, {
        updateId: updateId(transitionId, ['retry', paymentId]), args: [{ transitionId, actor: actorOf(caller), retryOf: paymentId }],
      }));
    },

    /** seed §7 POST /payments/:id/refund: all that is left, or `amount`; never more than was paid. */
    async refundPayment(caller: Caller, paymentId: string, options: { amount?: string | undefined; reason?: string | undefined } = {}): Promise<RefundView> {
      assertPermission(caller.principal, 'payments.write');
      const payment = await paymentInPolicy(caller, paymentId);
      if (!payment.booking) throw conflict('An inquiry\'s deposit is refunded once the inquiry is converted (its booking holds the payment then).', { field: 'paymentId' });
      const handle = temporal.workflow.getHandle(bookingWorkflowId(idOf(payment.booking) as string));
      const transitionId = transitionIdOf(caller, ':refund');
      const result: RefundResult = await handle.executeUpdate(refundPaymentUpdate, {
        updateId: updateId(transitionId, ['refund', paymentId, options.amount ?? null]),
        args: [{ paymentId, amount: options.amount, reason: options.reason, transitionId, actor: actorOf(caller) }],
      });
      const [refund, refunded] = await Promise.all([result.refundId, paymentId].map((id) => em.findOneOrFail(Payment, { id }, { refresh: true, populate: ['booking', 'inquiry'] })));
      return { refund: refund as Payment, payment: refunded as Payment, duplicate: result.duplicate };
    },

    /** Runs the reconciliation now (Finance) over [from, to); the report it wrote. */
    async runReconciliation(caller: Caller, period: { from?: Date | null | undefined; to?: Date | null | undefined }): Promise<ReconciliationReport> {
      assertPermission(caller.principal, 'payments.write');
      if (period.from && period.to && !(period.from < period.to)) throw invalidInput('to', 'must be after from');
      const request: ReconcileRequest = { from: period.from?.toISOString(), to: period.to?.toISOString() };
      const result = await temporal.workflow.execute(reconcilePaymentsWorkflowType, {
        workflowId: `reconciliation:${caller.requestKey ? transitionIdOf(caller) : randomUUID()}`,
        taskQueue: WORKFLOW_TASK_QUEUE,
        args: [request],
        // A retried request (same Idempotency-Key) gets the first run's report.
        workflowIdConflictPolicy: 'USE_EXISTING',
      }) as ReconcileResult;
      return em.findOneOrFail(ReconciliationReport, { id: result.reportId }, { refresh: true });
    },

    /** An Integrations Admin sends a failed (or never delivered) webhook through again. */
    async reprocessWebhook(caller: Caller, webhookId: string): Promise<WebhookIn> {
      assertPermission(caller.principal, 'integrations.write');
      const row = isUuid(webhookId) ? await em.findOne(WebhookIn, { id: webhookId }, { refresh: true }) : null;
      if (!row) throw notFound('webhook', webhookId);
      if (row.status !== 'failed' && row.status !== 'received') {
        throw conflict(`Only a failed or undelivered webhook is reprocessed; this one is ${row.status}.`, { field: 'id', status: row.status });
      }
      await execute(em, `UPDATE webhooks_in SET status = 'received', error = NULL, processed_at = NULL WHERE id = ?`, [row.id]);
      const [integration] = await execute<{ type: string }>(em, 'SELECT type FROM integrations WHERE id = (SELECT integration_id FROM webhooks_in WHERE id = ?)', [row.id]);
      // A channel's request (web form, partner, Telegram, WhatsApp) goes to its inquiry, not to a booking.
      if ((CHANNEL_TYPES as readonly string[]).includes(integration?.type ?? '')) await createInboundDelivery({ em, temporal }).deliver(row.id);
      else await delivery.deliver(row.id);
      return em.findOneOrFail(WebhookIn, { id: row.id }, { refresh: true });
    },
  };
}

export type PaymentService = ReturnType<typeof createPaymentService>;

/** What became of a verified Stripe event at the door, decided by the `stripe` integration's status in the same statement. */
export interface StoredProviderEvent extends StoredWebhook {
  /** active: stored and delivered; testing: stored as ignored and logged, no effect. */
  readonly integrationStatus: 'active' | 'testing';
}

/**
 * Stores a verified provider event once (unique on the event id per integration) in ONE
 * statement that also reads the `stripe` integration's status and writes its log entry:
 * disabled stores nothing (null: the caller answers 503); testing stores the event as ignored
 * ("received and logged, no effect"); a repeat of the same event id stores nothing and gets the
 * first row back. The integration log entry names the event type and id only (no payload: it
 * carries the client's details).
 */
export async function storeProviderEvent(em: EntityManager, event: ProviderEvent, headers: Record<string, string>): Promise<StoredProviderEvent | null> {
  const insert = () => execute<{ id: string | null; status: string | null; fresh: boolean | null; integration_status: string }>(em, `
    WITH integration AS (SELECT id, status FROM integrations WHERE code = ?),
    inserted AS (
      INSERT INTO webhooks_in (integration_id, event_type, headers, payload, idempotency_key, status, error, processed_at)
      SELECT id, ?, ?::jsonb, ?::jsonb, ?,
             CASE WHEN status = 'testing' THEN 'ignored' ELSE 'received' END,
             CASE WHEN status = 'testing' THEN ? END,
             CASE WHEN status = 'testing' THEN now() END
        FROM integration WHERE status <> 'disabled'
      ON CONFLICT (integration_id, idempotency_key) DO NOTHING RETURNING id, status),
    found AS (
      SELECT id, status, true AS fresh FROM inserted
      UNION ALL
      SELECT w.id, w.status, false FROM webhooks_in w JOIN integration i ON i.id = w.integration_id
       WHERE w.idempotency_key = ? AND i.status <> 'disabled' AND NOT EXISTS (SELECT 1 FROM inserted)),
    logged AS (
      INSERT INTO integration_logs (integration_id, kind, outcome, summary, detail, webhook_id)
      SELECT i.id, 'webhook_in', CASE WHEN i.status = 'testing' THEN 'testing' ELSE 'ok' END,
             ? || CASE WHEN f.fresh THEN '' ELSE ' again (duplicate: nothing new stored)' END || CASE WHEN i.status = 'testing' THEN ' (testing: no effect)' ELSE '' END,
             jsonb_build_object('eventId', ?::text, 'duplicate', NOT f.fresh), f.id
        FROM found f CROSS JOIN integration i)
    SELECT f.id, f.status, f.fresh, i.status AS integration_status FROM integration i LEFT JOIN found f ON true`,
  [STRIPE_INTEGRATION_CODE, event.type, JSON.stringify(headers), JSON.stringify(event), event.id, TESTING_NO_EFFECT, event.id, `${event.type} received`, event.id]);
  let [row] = await insert();
  if (!row) {
    // The first Stripe event of an installation without the row (seed §6.8): created once, active
    // (the environment's secret configured payments; the row is where an admin then manages them).
    await execute(em, `INSERT INTO integrations (code, name, type, status, config) VALUES (?, 'Stripe', 'stripe', 'active', '{}') ON CONFLICT (code) DO NOTHING`, [STRIPE_INTEGRATION_CODE]);
    [row] = await insert();
  }
  // Two deliveries of one event at once: the loser's insert waits for the winner and does
  // nothing, and its statement's snapshot predates the winner's row; the next statement sees it.
  for (let attempt = 0; row && row.integration_status !== 'disabled' && !row.id && attempt < 3; attempt++) [row] = await insert();
  if (!row) throw new Error('webhooks_in: the Stripe integration row was neither found nor created');
  if (row.integration_status === 'disabled') return null;
  if (!row.id || !row.status) throw new Error('webhooks_in: the event was neither stored nor found');
  return { id: row.id, status: row.status, fresh: row.fresh === true, integrationStatus: row.integration_status === 'testing' ? 'testing' : 'active' };
}
