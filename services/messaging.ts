/**
 * The outbound messaging layer: one command, `sendMessage`, used by automation's send_message
 * action and by operators replying to a client. It renders the template's active version with
 * the given variables (VALIDATION naming any missing), stores the message (queued) under its
 * idempotency key and starts its delivery workflow on the `ops` queue; the same key again
 * returns the same message and sends nothing. Channels: email, Telegram, WhatsApp, or the
 * client's preferred one.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { Client, Message } from '../db/entities/index.ts';
import { assertPermission, type PermissionCode } from '../domain/access.ts';
import { invalidInput } from '../domain/errors.ts';
import { LIFECYCLE_ENTITY_TYPES, type LifecycleEntityType } from '../domain/lifecycles.ts';
import { messageDeliveryWorkflowType, messageWorkflowId } from '../workflows/delivery/messages.ts';
import { uuidFromName, type Caller, type ServiceDeps } from './context.ts';
import { startDelivery } from './delivery-workflows.ts';
import { activeTemplate } from './message-templates.ts';
import { lifecycleRowInPolicy } from './rows.ts';
import { renderTemplate } from './template-rendering.ts';

export const MESSAGE_CHANNELS = ['email', 'telegram', 'whatsapp'] as const;
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number];
export const MESSAGE_STATUSES = ['queued', 'sent', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export interface SendMessageInput {
  /**
   * A channel, or 'preferred': the client's preferred channel (clients.preferred_channel), or
   * their email when they have no address on that channel.
   */
  readonly channel: MessageChannel | 'preferred';
  /** The client it goes to: their address on the channel unless `to` is given. */
  readonly clientId?: string | undefined;
  /** An explicit address: email, Telegram chat id (or @channel), WhatsApp number. */
  readonly to?: string | undefined;
  readonly templateKey: string;
  readonly variables: Readonly<Record<string, unknown>>;
  /** Stable across retries (e.g. `<execution id>:<action index>`): the same key sends once. */
  readonly idempotencyKey: string;
  /** What the message is about, for the log and for the sender's rights. */
  readonly subject?: { readonly type: string; readonly id: string } | undefined;
}

export interface SentMessage {
  readonly messageId: string;
  readonly status: MessageStatus;
}

/** The channel a client's preferred channel (seed: web, telegram, whatsapp, phone) means for messages. */
export function channelForPreference(preferred: string | null | undefined): MessageChannel {
  return preferred === 'telegram' || preferred === 'whatsapp' ? preferred : 'email';
}

/** The form of an address on each channel (also checked when a rule names one). */
export const CHANNEL_ADDRESS = {
  email: z.email(),
  telegram: z.string().regex(/^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$/, 'must be a Telegram chat id or @channel name'),
  whatsapp: z.string().regex(/^\+?[1-9]\d{6,14}$/, 'must be a phone number in international form, e.g. +447700900123'),
} satisfies Record<MessageChannel, z.ZodType<string>>;

const inputSchema = z.object({
  channel: z.enum([...MESSAGE_CHANNELS, 'preferred']),
  clientId: z.uuid().optional(),
  to: z.string().trim().min(1).max(320).optional(),
  templateKey: z.string().min(1).max(64),
  variables: z.record(z.string(), z.unknown()),
  idempotencyKey: z.string().min(1).max(300),
  subject: z.object({ type: z.string().regex(/^[a-z_]{2,40}$/), id: z.uuid() }).optional(),
}).refine((i) => i.clientId || i.to, { message: 'give clientId or to', path: ['to'] });

/** The permission a user needs to message about an entity of this type (SYSTEM holds every one). */
const WRITE_OF: Record<LifecycleEntityType, PermissionCode> = {
  inquiry: 'inquiries.write', booking: 'bookings.write', task: 'tasks.write', exception: 'exceptions.write',
};
const isLifecycleType = (type: string): type is LifecycleEntityType => (LIFECYCLE_ENTITY_TYPES as readonly string[]).includes(type);

/**
 * Who may send: the platform (automation), or a user acting on an entity they may change and
 * see (an operator replying about their inquiry); a message about nothing in particular is
 * process configuration (automation.write).
 */
async function assertMaySend(em: EntityManager, caller: Caller, subject: SendMessageInput['subject']): Promise<void> {
  if (caller.principal.id === null) return;
  if (!subject || !isLifecycleType(subject.type)) {
    assertPermission(caller.principal, 'automation.write');
    return;
  }
  assertPermission(caller.principal, WRITE_OF[subject.type]);
  await lifecycleRowInPolicy(em, caller.principal, subject.type, subject.id);
}

/** Channel and recipient address: the explicit one, else the client's, checked for the channel. */
async function recipientOf(em: EntityManager, input: z.infer<typeof inputSchema>): Promise<{ channel: MessageChannel; to: string; clientId: string | null }> {
  const client = input.clientId ? await em.findOne(Client, { id: input.clientId }) : null;
  if (input.clientId && !client) throw invalidInput('clientId', `no client ${input.clientId}`);
  if (input.channel === 'preferred' && !client) throw invalidInput('clientId', 'the preferred channel needs a client');
  const addresses = { email: client?.email, telegram: client?.telegramChatId, whatsapp: client?.phone };
  let channel = input.channel === 'preferred' ? channelForPreference(client?.preferredChannel) : input.channel;
  // A preferred chat the client never opened with us (no chat id yet) falls back to their email.
  if (input.channel === 'preferred' && !input.to && !addresses[channel] && addresses.email) channel = 'email';
  const fromClient = addresses[channel];
  const raw = input.to ?? fromClient;
  if (!raw) throw invalidInput(input.to === undefined ? 'clientId' : 'to', `the client has no ${channel === 'email' ? 'email address' : channel === 'telegram' ? 'Telegram chat' : 'phone number'} for ${channel}`);
  const normalized = channel === 'whatsapp' ? raw.replace(/[\s().-]/g, '') : raw.trim();
  const checked = CHANNEL_ADDRESS[channel].safeParse(normalized);
  if (!checked.success) throw invalidInput('to', `not a ${channel} address: ${checked.error.issues[0]?.message ?? 'invalid'}`);
  return { channel, to: channel === 'whatsapp' ? normalized.replace(/^\+/, '') : normalized, clientId: client?.id ?? null };
}

export function createMessagingService(deps: ServiceDeps) {
  const { em, temporal } = deps;

  const ensureDelivery = (message: Pick<Message, 'id' | 'channel'>) =>
    startDelivery(temporal, messageDeliveryWorkflowType, messageWorkflowId(message.id), { messageId: message.id }, 'message', `message ${message.id} by ${message.channel}`);

  /** The message stored under this key, its delivery (re)started while it is still queued. */
  async function existing(idempotencyKey: string): Promise<SentMessage | null> {
    const row = await em.findOne(Message, { idempotencyKey }, { refresh: true });
    if (!row) return null;
    if (row.status === 'queued') await ensureDelivery(row);
    return { messageId: row.id, status: row.status as MessageStatus };
  }

  return {
    async sendMessage(caller: Caller, request: SendMessageInput): Promise<SentMessage> {
      const parsed = inputSchema.safeParse(request);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw invalidInput(issue.path.join('.'), issue.message);
      }
      const input = parsed.data;
      await assertMaySend(em, caller, input.subject);
      const known = await existing(input.idempotencyKey);
      if (known) return known;

      const { channel, to, clientId } = await recipientOf(em, input);
      const { template, version } = await activeTemplate(em, input.templateKey);
      if (channel === 'email' && !version.subject) throw invalidInput('templateKey', `template ${template.key} has no subject, which email needs`);
      const rendered = renderTemplate(version, input.variables);
      const messageId = uuidFromName(`message:${input.idempotencyKey}`);
      // Two racing requests with one key: the first insert wins, the other finds its row.
      await em.getConnection().execute(
        `INSERT INTO messages (id, idempotency_key, channel, recipient, client_id, template_id, template_version, subject, body_text, body_html, subject_type, subject_id, requested_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
        [messageId, input.idempotencyKey, channel, to, clientId, template.id, version.version, rendered.subject, rendered.bodyText, rendered.bodyHtml,
          input.subject?.type ?? null, input.subject?.id ?? null, caller.principal.id],
      );
      return (await existing(input.idempotencyKey)) as SentMessage;
    },
  };
}
