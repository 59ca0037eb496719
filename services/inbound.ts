/**
 * Inbound channels (issue 12 item 4): a verified request from the web form, a partner, Telegram
 * or WhatsApp is stored once in webhooks_in (unique on the integration and the request's own key)
 * and acknowledged; then each client message in it is delivered:
 *
 * - a message already stored (a second delivery) changes nothing more;
 * - a message in a conversation (integration + the client's address) whose inquiry is still open
 *   is stored with that inquiry and Signalled to its workflow (`clientReplied`: timeline entry,
 *   `inquiry.client_replied`, a task for the operator of an awaiting_client inquiry);
 * - any other message opens a new inquiry through update-with-start, its workflow id (and the
 *   unique (source, external_ref)) derived from the integration and the message's reference, so
 *   the same message delivered twice, by the edge, the sweep or both, creates one inquiry.
 *
 * An integration in `testing` stores and logs what it receives and delivers nothing (the row is
 * `ignored`); a `disabled` one is refused at the edge. Rows stored but never delivered (a crash
 * after the acknowledgement) are delivered by the webhook sweep (activities/payments/sweep.ts).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client as TemporalClient } from '@temporalio/client';
import { FINAL_INQUIRY_STATUSES } from '../domain/lifecycles.ts';
import { TESTING_NO_EFFECT, inboundEffect } from '../domain/integrations.ts';
import { conversationKey, excerptOf, externalRefOf, telegramMessage, whatsAppMessages, type InboundMessage } from '../domain/inbound.ts';
import { notFound } from '../domain/errors.ts';
import { sqlList } from '../domain/formats.ts';
import { clientRepliedSignal } from '../workflows/inquiry/messages.ts';
import { systemCaller, uuidFromName, type ServiceDeps } from './context.ts';
import { createInquiryService } from './inquiries.ts';
import { logIntegration, type OpenIntegration } from './integrations.ts';
import { workflowIdOfRow } from './lifecycle-commands.ts';

/** The integration kinds whose requests this module stores and delivers. */
export const CHANNEL_TYPES = ['web_form', 'partner', 'telegram', 'whatsapp'] as const;

export interface InboundRequest {
  /** Unique per integration: Telegram's update id, WhatsApp's message ids, the partner's Idempotency-Key, the form's submission. */
  readonly idempotencyKey: string;
  readonly eventType: string;
  /** Kept with the row: no secrets (signature headers are useless without the secret). */
  readonly headers: Record<string, string>;
  /** The provider's payload (Telegram, WhatsApp), or the normalised message (web form, partner). */
  readonly payload: Record<string, unknown>;
}

export interface StoredInbound {
  readonly id: string;
  readonly status: string;
  /** False when this key was stored before: nothing new was stored. */
  readonly fresh: boolean;
}

export type DeliveryOutcome = 'processed' | 'ignored' | 'settled';

async function execute<T>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  return em.getConnection().execute<T[]>(sql, params);
}

/**
 * Stores a verified inbound request once. An integration in testing stores it as `ignored`
 * (received and logged, no effect); the log says which.
 */
export async function storeInbound(em: EntityManager, integration: OpenIntegration, request: InboundRequest): Promise<StoredInbound> {
  const effect = inboundEffect(integration.status);
  const [status, error] = effect === 'apply' ? ['received', null] : ['ignored', TESTING_NO_EFFECT];
  const insert = () => execute<StoredInbound>(em, `
    WITH inserted AS (
      INSERT INTO webhooks_in (integration_id, event_type, headers, payload, idempotency_key, status, error, processed_at)
      VALUES (?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, CASE WHEN ? = 'received' THEN NULL ELSE now() END)
      ON CONFLICT (integration_id, idempotency_key) DO NOTHING RETURNING id, status)
    SELECT id, status, true AS fresh FROM inserted
    UNION ALL
    SELECT id, status, false FROM webhooks_in WHERE integration_id = ? AND idempotency_key = ? AND NOT EXISTS (SELECT 1 FROM inserted)`,
  [integration.id, request.eventType, JSON.stringify(request.headers), JSON.stringify(request.payload), request.idempotencyKey, status, error, status,
    integration.id, request.idempotencyKey]);
  // Two deliveries at once: the loser's insert waits for the winner and does nothing, and its
  // statement's snapshot predates the winner's row; the next statement sees it.
  let [row] = await insert();
  for (let attempt = 0; !row && attempt < 3; attempt++) [row] = await insert();
  if (!row) throw new Error('webhooks_in: the inbound request was neither stored nor found');
  await logIntegration(em, integration.id, {
    kind: 'webhook_in', outcome: effect === 'apply' ? 'ok' : 'testing', webhookId: row.id,
    summary: `${request.eventType} received${row.fresh ? '' : ' again (duplicate: nothing new stored)'}${effect === 'apply' ? '' : ' (testing: no effect)'}`,
    detail: { key: request.idempotencyKey, duplicate: !row.fresh },
  });
  return row;
}

/** The client messages of a stored request. */
export function messagesOf(type: string, payload: Record<string, unknown>): { messages: InboundMessage[]; ignored?: string } {
  if (type === 'telegram') {
    const parsed = telegramMessage(payload);
    return 'ignored' in parsed ? { messages: [], ignored: parsed.ignored } : { messages: [parsed] };
  }
  if (type === 'whatsapp') {
    const messages = whatsAppMessages(payload);
    return messages.length ? { messages } : { messages: [], ignored: 'no client message (statuses or other changes)' };
  }
  const message = payload.message as InboundMessage | undefined;
  return message ? { messages: [message] } : { messages: [], ignored: 'no message' };
}

/**
 * One conversation's messages are delivered one at a time in this process, in the order they
 * arrived (its replies reach the timeline in order). That two processes delivering a client's
 * first messages at once open one inquiry is the claim's doing (inbound_conversations), not this.
 */
const conversationQueues = new Map<string, Promise<unknown>>();
function inTurn<T>(key: string, work: () => Promise<T>): Promise<T> {
  const before = conversationQueues.get(key) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(work);
  conversationQueues.set(key, run);
  void run.finally(() => {
    if (conversationQueues.get(key) === run) conversationQueues.delete(key);
  }).catch(() => undefined);
  return run;
}

/** Never called: channel deliveries end no sessions. */
const NO_SESSIONS: ServiceDeps['sessions'] = {
  revokeUser: () => Promise.reject(new Error('inbound channels revoke no sessions')),
};

export function createInboundDelivery(deps: { em: EntityManager; temporal: TemporalClient }) {
  const { em, temporal } = deps;
  const inquiries = createInquiryService({ em, temporal, sessions: NO_SESSIONS });
  const open = (status: string) => !(FINAL_INQUIRY_STATUSES as readonly string[]).includes(status);

  async function storeMessage(integrationCode: string, message: InboundMessage, inquiry: { id: string; client_id: string | null }): Promise<string> {
    const key = `inbound:${integrationCode}:${message.messageRef}`;
    const id = uuidFromName(`message:${key}`);
    await execute(em, `
      INSERT INTO messages (id, idempotency_key, direction, channel, recipient, conversation_key, client_id, subject, body_text, subject_type, subject_id, status, sent_at)
      VALUES (?, ?, 'inbound', ?, ?, ?, ?, ?, ?, 'inquiry', ?, 'received', ?) ON CONFLICT (idempotency_key) DO NOTHING`,
    [id, key, message.source, message.address, conversationKey(integrationCode, message.address), inquiry.client_id, message.subject ?? null, message.text, inquiry.id, message.sentAt ?? null]);
    return id;
  }

  async function signalReply(inquiry: { id: string; source: string; external_ref: string | null }, messageId: string, message: InboundMessage): Promise<void> {
    await temporal.workflow.getHandle(workflowIdOfRow('inquiry', { id: inquiry.id, source: inquiry.source, externalRef: inquiry.external_ref }))
      .signal(clientRepliedSignal, { messageId, channel: message.source, excerpt: excerptOf(message.text), receivedAt: message.sentAt ?? new Date().toISOString() });
  }

  type InquiryRow = { id: string; source: string; external_ref: string | null; status: string; client_id: string | null };
  const inquiryColumns = 'i.id, i.source, i.external_ref, i.status, i.client_id';

  /**
   * The conversation's claim: the opening reference of its current inquiry. The first message
   * claims the row; a message finding it claimed by an inquiry that has since closed claims it
   * anew; any other finds it as it is (one statement: the row lock orders concurrent claims, and
   * the one that waited sees the winner's row).
   */
  async function claimConversation(conversation: string, message: InboundMessage, openingRef: string, webhookId: string): Promise<{ opening_ref: string; opening_webhook_id: string | null }> {
    type Claim = { opening_ref: string; opening_webhook_id: string | null };
    const [claimed] = await execute<Claim>(em, `
      INSERT INTO inbound_conversations AS c (conversation_key, source, opening_ref, opening_webhook_id) VALUES (?, ?, ?, ?)
      ON CONFLICT (conversation_key) DO UPDATE
         SET source = EXCLUDED.source, opening_ref = EXCLUDED.opening_ref, opening_webhook_id = EXCLUDED.opening_webhook_id, opened_at = now()
       WHERE EXISTS (SELECT 1 FROM inquiries i WHERE i.source = c.source AND i.external_ref = c.opening_ref AND i.status IN (${sqlList(FINAL_INQUIRY_STATUSES)}))
      RETURNING opening_ref, opening_webhook_id`, [conversation, message.source, openingRef, webhookId]);
    if (claimed) return claimed;
    // Claimed already, by an inquiry still open (or still being opened): a statement after the
    // conflict sees the committed row.
    const [current] = await execute<Claim>(em, 'SELECT opening_ref, opening_webhook_id FROM inbound_conversations WHERE conversation_key = ?', [conversation]);
    if (!current) throw new Error(`inbound_conversations: ${conversation} was neither claimed nor found`);
    return current;
  }

  /**
   * Opens the inquiry of a conversation's opening message, through update-with-start with ids from
   * the message (workflow id from (source, external ref), update and entity ids from its key), and
   * stores that message with it: whoever calls this for the same message, the opener or a process
   * delivering a later message first, reaches the same inquiry.
   */
  async function openInquiry(integrationCode: string, message: InboundMessage): Promise<InquiryRow> {
    const key = `inbound:${integrationCode}:${message.messageRef}`;
    const created = await inquiries.create(systemCaller(key), {
      source: message.source, externalRef: externalRefOf(integrationCode, message.messageRef), priority: 'normal',
      subject: message.subject, message: message.text,
      clientName: message.clientName, clientEmail: message.clientEmail ?? null, clientPhone: message.clientPhone ?? null,
    });
    const [row] = await execute<InquiryRow>(em, `SELECT ${inquiryColumns} FROM inquiries i WHERE i.id = ?`, [created.inquiry.id]);
    await storeMessage(integrationCode, message, row!);
    return row!;
  }

  /** The inquiry a claim names: open already, or opened now from the opening message's stored request. */
  async function claimedInquiry(source: string, claim: { opening_ref: string; opening_webhook_id: string | null }): Promise<InquiryRow> {
    const [existing] = await execute<InquiryRow>(em, `SELECT ${inquiryColumns} FROM inquiries i WHERE i.source = ? AND i.external_ref = ?`, [source, claim.opening_ref]);
    if (existing) return existing;
    // The opener has not got that far (or died first): open it as the opener would.
    const [stored] = await execute<{ payload: Record<string, unknown>; code: string; type: string }>(em,
      'SELECT w.payload, i.code, i.type FROM webhooks_in w JOIN integrations i ON i.id = w.integration_id WHERE w.id = ?', [claim.opening_webhook_id]);
    const opening = stored ? messagesOf(stored.type, stored.payload).messages.find((m) => externalRefOf(stored.code, m.messageRef) === claim.opening_ref) : undefined;
    if (!stored || !opening) throw new Error(`inbound conversation opened by ${claim.opening_ref}: its inquiry does not exist and its opening message is not stored`);
    return openInquiry(stored.code, opening);
  }

  /** Delivers one message of a stored request; the inquiry it reached. */
  async function deliverMessage(integrationCode: string, message: InboundMessage, webhookId: string): Promise<string> {
    const key = `inbound:${integrationCode}:${message.messageRef}`;
    const openingRef = externalRefOf(integrationCode, message.messageRef);
    // Delivered before (the edge and the sweep, or a provider's retry): re-send what may not have arrived.
    const [known] = await execute<InquiryRow & { message_id: string }>(em,
      `SELECT m.id AS message_id, ${inquiryColumns} FROM messages m JOIN inquiries i ON i.id = m.subject_id WHERE m.idempotency_key = ?`, [key]);
    if (known) {
      if (known.external_ref !== openingRef && open(known.status)) await signalReply(known, known.message_id, message);
      return known.id;
    }
    const claim = await claimConversation(conversationKey(integrationCode, message.address), message, openingRef, webhookId);
    // This message opens the conversation's inquiry (one per (source, external ref), through update-with-start).
    if (claim.opening_ref === openingRef) return (await openInquiry(integrationCode, message)).id;
    // Another message opened it: the client is writing again.
    const current = await claimedInquiry(message.source, claim);
    const messageId = await storeMessage(integrationCode, message, current);
    await signalReply(current, messageId, message);
    return current.id;
  }

  return {
    /** Delivers one stored request that is still `received`; what became of it. */
    async deliver(webhookId: string): Promise<DeliveryOutcome> {
      const [row] = await execute<{ id: string; status: string; payload: Record<string, unknown>; code: string; type: string }>(em,
        'SELECT w.id, w.status, w.payload, i.code, i.type FROM webhooks_in w JOIN integrations i ON i.id = w.integration_id WHERE w.id = ?', [webhookId]);
      if (!row) throw notFound('webhook', webhookId);
      if (row.status !== 'received') return 'settled';
      const { messages, ignored } = messagesOf(row.type, row.payload);
      if (!messages.length) {
        await execute(em, `UPDATE webhooks_in SET status = 'ignored', error = ?, processed_at = now(), attempts = attempts + 1 WHERE id = ? AND status = 'received'`, [ignored ?? 'nothing to deliver', row.id]);
        return 'ignored';
      }
      let inquiryId: string | undefined;
      for (const message of messages) {
        inquiryId = await inTurn(conversationKey(row.code, message.address), () => deliverMessage(row.code, message, row.id));
      }
      await execute(em, `UPDATE webhooks_in SET status = 'processed', processed_at = now(), signalled_at = now(), attempts = attempts + 1,
        entity_type = 'inquiry', entity_id = ? WHERE id = ? AND status = 'received'`, [inquiryId ?? null, row.id]);
      return 'processed';
    },

    /** Channel rows stored over `graceMs` ago and never delivered (a crash after the acknowledgement). */
    async undelivered(graceMs: number, limit: number): Promise<string[]> {
      const rows = await execute<{ id: string }>(em, `
        SELECT w.id FROM webhooks_in w JOIN integrations i ON i.id = w.integration_id
         WHERE w.status = 'received' AND i.type IN (${sqlList(CHANNEL_TYPES)}) AND w.received_at < now() - make_interval(secs => ?)
         ORDER BY w.received_at LIMIT ?`, [graceMs / 1000, limit]);
      return rows.map((r) => r.id);
    },

    /** Marks a stored request failed, with why (the sweep leaves it; an admin may reprocess it). */
    async fail(webhookId: string, error: string): Promise<void> {
      await execute(em, `UPDATE webhooks_in SET status = 'failed', error = ?, processed_at = now(), attempts = attempts + 1 WHERE id = ? AND status = 'received'`, [error.slice(0, 1000), webhookId]);
    },
  };
}

export type InboundDelivery = ReturnType<typeof createInboundDelivery>;

/** Submissions stored from one client address in the last hour (the web form's rate limit reads it). */
export async function recentSubmissions(em: EntityManager, integrationId: string, address: string): Promise<{ count: number; oldest: Date | null }> {
  const [row] = await execute<{ n: number; oldest: Date | null }>(em, `
    SELECT count(*)::int AS n, min(received_at) AS oldest FROM webhooks_in
     WHERE integration_id = ? AND headers->>'ip' = ? AND received_at > now() - interval '1 hour'`, [integrationId, address]);
  return { count: row?.n ?? 0, oldest: row?.oldest ? new Date(row.oldest) : null };
}
