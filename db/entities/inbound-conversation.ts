import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt } from './columns.ts';
import { WebhookIn } from './webhook-in.ts';

/**
 * An inbound conversation's current inquiry (table `inbound_conversations`, services/inbound.ts):
 * which message opened it. Its first message claims the row; concurrent and later messages read
 * the claim and continue that inquiry, so two processes cannot open two; once that inquiry has
 * closed, the next message claims the row anew.
 */
export const InboundConversation = defineEntity({
  name: 'InboundConversation',
  tableName: 'inbound_conversations',
  properties: {
    /** The integration code and the client's address on it (messages.conversation_key). */
    conversationKey: p.text().primary(),
    /** The inquiry's source (web, telegram, whatsapp, partner). */
    source: p.text(),
    /** The opening message's reference: the inquiry's external_ref (unique with the source, and its workflow id). */
    openingRef: p.text(),
    /** The stored request carrying the opening message (null for conversations opened before this table). */
    openingWebhook: () => p.manyToOne(WebhookIn).fieldName('opening_webhook_id').nullable().deleteRule('set null'),
    openedAt: createdAt(),
  },
});
export type InboundConversation = InferEntity<typeof InboundConversation>;
