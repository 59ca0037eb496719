import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, timestamptz, updatedAt } from './columns.ts';

/**
 * One message of a conversation with a client (table `messages`). Outbound: rendered when
 * requested and delivered by its own workflow on the `ops` queue. Inbound: what a client sent
 * through a channel (web form, partner API, Telegram, WhatsApp), stored once per provider message. The id is derived from the idempotency key, which is unique: a
 * second request with the same key finds this row and sends nothing.
 */
export const Message = defineEntity({
  name: 'Message',
  tableName: 'messages',
  properties: {
    id: p.uuid().primary(),
    idempotencyKey: p.text().unique(),
    /** outbound (we send), inbound (the client sent) */
    direction: p.text().default('outbound'),
    /** email, telegram, whatsapp; inbound also web, partner */
    channel: p.text(),
    /**
     * The client's address: the recipient of an outbound message, the sender of an inbound one
     * (email, Telegram chat id, WhatsApp number, partner reference; PII: masked in the API, never logged).
     */
    recipient: p.text(),
    /** The conversation an inbound message belongs to: `<integration code>:<client's address>`. */
    conversationKey: p.text().nullable(),
    clientId: p.uuid().nullable(),
    /** Outbound only: the template and version rendered. */
    templateId: p.uuid().nullable(),
    templateVersion: p.integer().nullable(),
    subject: p.text().nullable(),
    bodyText: p.text(),
    bodyHtml: p.text().nullable(),
    /** What the message is about (an inquiry, a booking ...). */
    subjectType: p.text().nullable(),
    subjectId: p.uuid().nullable(),
    /** queued, sent, failed (outbound); received (inbound) */
    status: p.text().default('queued'),
    attempts: p.integer().default(0),
    providerMessageId: p.text().nullable(),
    lastError: p.text().nullable(),
    requestedBy: p.uuid().nullable(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    sentAt: timestamptz().nullable(),
    failedAt: timestamptz().nullable(),
  },
  indexes: [
    { name: 'idx_messages_status', properties: ['status', 'createdAt'] },
    { name: 'idx_messages_channel_status', properties: ['channel', 'status'] },
  ],
});
export type Message = InferEntity<typeof Message>;
