/**
 * Outgoing webhooks (seed §6.8 `webhooks_out`, automation's call_webhook): `callWebhook` stores
 * the webhook under its idempotency key and starts its delivery workflow on the `ops` queue
 * (signed POST, retried with backoff, attempts and last error recorded); `redeliverWebhook` sends
 * a stored one again on demand (Integrations Admin, Owner).
 *
 * The signature scheme receivers verify (README "Outgoing webhooks"):
 *   X-Virel-Timestamp: <unix seconds of this attempt>
 *   X-Virel-Signature: v1=<hex HMAC-SHA256(secret, `${timestamp}.${raw body}`)>
 * The body (`{ id, event, created_at, data }`) is the same on every attempt; `id` (also in
 * X-Virel-Delivery) lets a receiver drop duplicates.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { WebhookOut } from '../db/entities/index.ts';
import { assertPermission } from '../domain/access.ts';
import { conflict, invalidInput, notFound } from '../domain/errors.ts';
import { webhookDeliveryWorkflowType, webhookWorkflowId } from '../workflows/delivery/messages.ts';
import { recordEdit } from './change-records.ts';
import { uuidFromName, type Caller, type ServiceDeps } from './context.ts';
import { deliveryRunning, startDelivery } from './delivery-workflows.ts';
import { isUuid } from './rows.ts';

export const WEBHOOK_STATUSES = ['pending', 'sent', 'failed'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

export interface CallWebhookInput {
  readonly url: string;
  /** The event it reports, e.g. booking.confirmed. */
  readonly event: string;
  readonly payload: Readonly<Record<string, unknown>>;
  /** Stable across retries (e.g. `<execution id>:<action index>`): the same key delivers once. */
  readonly idempotencyKey: string;
}

export interface CalledWebhook {
  readonly webhookId: string;
  readonly status: WebhookStatus;
}

export const SIGNATURE_HEADER = 'X-Virel-Signature';
export const TIMESTAMP_HEADER = 'X-Virel-Timestamp';
export const EVENT_HEADER = 'X-Virel-Event';
export const DELIVERY_HEADER = 'X-Virel-Delivery';
/** How far a receiver should accept a timestamp from its own clock (replay protection). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
const MAX_PAYLOAD_BYTES = 256 * 1024;

/** The signature header's value for a body sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does: recompute, compare in constant time, refuse stale timestamps. */
export function verifyWebhookSignature(secret: string, headers: { signature: string | null | undefined; timestamp: string | null | undefined }, body: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const timestamp = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The JSON body of a stored webhook: identical on every attempt and redelivery. */
export function webhookBody(row: Pick<WebhookOut, 'id' | 'eventType' | 'createdAt' | 'payload'>): string {
  return JSON.stringify({ id: row.id, event: row.eventType, created_at: row.createdAt.toISOString(), data: row.payload });
}

const inputSchema = z.object({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000),
  event: z.string().regex(/^[a-z_]+(\.[a-z_]+)+$/, 'an event name such as booking.confirmed').max(100),
  payload: z.record(z.string(), z.unknown()),
  idempotencyKey: z.string().min(1).max(300),
});

const snapshotOf = (row: WebhookOut) => ({ status: row.status, attempts: row.attempts, deliveries: row.deliveries, last_error: row.lastError ?? null });

export function createOutgoingWebhookService(deps: ServiceDeps) {
  const { em, temporal } = deps;

  const ensureDelivery = (id: string, event: string) =>
    startDelivery(temporal, webhookDeliveryWorkflowType, webhookWorkflowId(id), { webhookId: id }, 'webhook_out', `webhook ${event} ${id}`);

  return {
    async callWebhook(caller: Caller, request: CallWebhookInput): Promise<CalledWebhook> {
      assertPermission(caller.principal, 'integrations.write');
      const parsed = inputSchema.safeParse(request);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw invalidInput(issue.path.join('.'), issue.message);
      }
      const input = parsed.data;
      if (Buffer.byteLength(JSON.stringify(input.payload)) > MAX_PAYLOAD_BYTES) throw invalidInput('payload', `must be at most ${MAX_PAYLOAD_BYTES} bytes of JSON`);
      const id = uuidFromName(`webhook_out:${input.idempotencyKey}`);
      await em.getConnection().execute(
        `INSERT INTO webhooks_out (id, idempotency_key, event_type, target_url, payload) VALUES (?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
        [id, input.idempotencyKey, input.event, input.url, JSON.stringify(input.payload)],
      );
      const row = await em.findOneOrFail(WebhookOut, { idempotencyKey: input.idempotencyKey }, { refresh: true });
      if (row.status === 'pending') await ensureDelivery(row.id, row.eventType);
      return { webhookId: row.id, status: row.status as WebhookStatus };
    },

    /**
     * Sends a stored webhook again (same body and id, a fresh signature), whatever its outcome
     * was; CONFLICT while a delivery of it is still going on.
     */
    async redeliverWebhook(caller: Caller, id: string): Promise<WebhookOut> {
      assertPermission(caller.principal, 'integrations.write');
      const row = isUuid(id) ? await em.findOne(WebhookOut, { id }, { refresh: true }) : null;
      if (!row) throw notFound('outgoing webhook', id);
      if (await deliveryRunning(temporal, webhookWorkflowId(row.id))) throw conflict('This webhook is being delivered now; redeliver it once that ends.', { status: row.status });
      if (row.status !== 'pending') {
        await em.transactional(async (tx) => {
          const before = snapshotOf(row);
          // Guarded: of two concurrent redeliveries one wins, the other is told.
          const changed = await tx.nativeUpdate(WebhookOut, { id: row.id, status: row.status }, { status: 'pending', deliveries: row.deliveries + 1, lastError: null });
          if (changed === 0) throw conflict('This webhook is being redelivered already.', { status: 'pending' });
          await recordEdit(tx, caller, { action: 'REDELIVER', entityType: 'webhook_out', entityId: row.id, before, after: { ...before, status: 'pending', deliveries: row.deliveries + 1 } });
        });
      }
      // (A row left pending by a crash before its workflow started is simply started now.)
      await ensureDelivery(row.id, row.eventType);
      return em.findOneOrFail(WebhookOut, { id: row.id }, { refresh: true });
    },
  };
}

