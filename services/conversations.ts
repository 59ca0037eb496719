/**
 * An inquiry's conversation with its client: the inbound messages the channels stored
 * (services/inbound.ts) and the replies sent from the platform, in order; and the operator's
 * reply, sent through the one outbound command (services/messaging.ts sendMessage) on the
 * inquiry's own channel: Telegram to the chat the client wrote from, WhatsApp to their number,
 * email for web form, partner and phone inquiries (the inquiry's email, else its client's).
 */
import { type Inquiry, Message } from '../db/entities/index.ts';
import { assertPermission } from '../domain/access.ts';
import { conflict, invalidInput } from '../domain/errors.ts';
import { FINAL_INQUIRY_STATUSES } from '../domain/lifecycles.ts';
import { transitionIdOf, type Caller, type ServiceDeps } from './context.ts';
import { createMessagingService, type MessageChannel } from './messaging.ts';
import { idOf, lifecycleRowInPolicy } from './rows.ts';

export const REPLY_TEMPLATE = 'operator_reply';
export const MAX_REPLY = 4000;

export function createConversationService(deps: ServiceDeps) {
  const { em } = deps;
  const messaging = createMessagingService(deps);

  return {
    /** The inquiry's messages, oldest first (the caller must see the inquiry). */
    async messagesOf(caller: Caller, inquiryId: string): Promise<Message[]> {
      assertPermission(caller.principal, 'inquiries.read');
      const row = await lifecycleRowInPolicy(em, caller.principal, 'inquiry', inquiryId);
      return em.find(Message, { subjectType: 'inquiry', subjectId: row.id }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    },

    /** Sends the operator's text to the client on the inquiry's channel; the same Idempotency-Key sends once. */
    async reply(caller: Caller, inquiryId: string, text: string): Promise<Message> {
      assertPermission(caller.principal, 'inquiries.write');
      const body = text.trim();
      if (!body || body.length > MAX_REPLY) throw invalidInput('text', `1 to ${MAX_REPLY} characters`);
      const row = (await lifecycleRowInPolicy(em, caller.principal, 'inquiry', inquiryId)) as Inquiry;
      if ((FINAL_INQUIRY_STATUSES as readonly string[]).includes(row.status)) throw conflict(`Inquiry ${row.ref} is ${row.status}: the conversation is closed.`, { status: row.status });
      // The chat the client last wrote from, on a chat channel.
      const [last] = await em.find(Message, { subjectType: 'inquiry', subjectId: row.id, direction: 'inbound', channel: { $in: ['telegram', 'whatsapp'] } }, { orderBy: { createdAt: 'desc' }, limit: 1 });
      let channel: MessageChannel;
      let to: string | undefined;
      if (last) {
        channel = last.channel as MessageChannel;
        to = last.recipient;
      } else {
        channel = 'email';
        to = row.clientEmail ?? undefined;
      }
      const clientId = idOf(row.client) ?? undefined;
      if (!to && !clientId) throw invalidInput('id', `inquiry ${row.ref} has no chat, email or client to reply to`);
      const sent = await messaging.sendMessage(caller, {
        channel, to, clientId: to ? undefined : clientId, templateKey: REPLY_TEMPLATE, variables: { text: body, inquiry_ref: row.ref },
        // A retried request (same Idempotency-Key) is the same reply; without a key each call is a new one.
        idempotencyKey: `reply:${row.id}:${transitionIdOf(caller)}`,
        subject: { type: 'inquiry', id: row.id },
      });
      return em.findOneOrFail(Message, { id: sent.messageId }, { refresh: true });
    },
  };
}

export type ConversationService = ReturnType<typeof createConversationService>;
