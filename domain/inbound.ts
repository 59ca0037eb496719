/**
 * Inbound channels (issue 12 item 4): what a web form submission, a partner's lead, a Telegram
 * update or a WhatsApp Cloud API notification says, as one shape, and the web form's spam rules.
 * Pure: the edge verifies signatures, services/inbound.ts stores and delivers.
 */
import type { InquirySource } from './inquiry.ts';

/** One message from a client, whatever the channel. */
export interface InboundMessage {
  readonly source: Extract<InquirySource, 'web' | 'telegram' | 'whatsapp' | 'partner'>;
  /**
   * The provider's id of this message (Telegram chat:message, WhatsApp wamid, the partner's
   * lead reference, the form's submission id): the same message delivered twice has the same one.
   */
  readonly messageRef: string;
  /** Who it is from on this channel (chat id, phone, email, partner reference): the conversation. */
  readonly address: string;
  readonly text: string;
  readonly clientName?: string | undefined;
  readonly clientEmail?: string | undefined;
  readonly clientPhone?: string | undefined;
  readonly subject?: string | undefined;
  /** ISO instant the provider says it was sent. */
  readonly sentAt?: string | undefined;
}

export const MAX_TEXT = 5000;
const clip = (text: string, max = MAX_TEXT) => text.trim().slice(0, max);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined);

/** What a Telegram update carries, or why it is not a client's message (a reason to ignore it). */
export function telegramMessage(update: unknown): InboundMessage | { ignored: string } {
  const u = (update ?? {}) as Record<string, unknown>;
  const message = (u.message ?? u.edited_message) as Record<string, unknown> | undefined;
  if (!message) return { ignored: 'not a message update' };
  const chat = (message.chat ?? {}) as Record<string, unknown>;
  const from = (message.from ?? {}) as Record<string, unknown>;
  const chatId = str(chat.id);
  const messageId = str(message.message_id);
  if (!chatId || !messageId) return { ignored: 'a message without chat or message id' };
  if (chat.type && chat.type !== 'private') return { ignored: `a ${String(chat.type)} chat, not a client's private chat` };
  const text = str(message.text) ?? str(message.caption);
  if (!text) return { ignored: 'a message without text' };
  const name = [str(from.first_name), str(from.last_name)].filter(Boolean).join(' ') || str(from.username);
  return {
    source: 'telegram', messageRef: `${chatId}:${messageId}`, address: chatId, text: clip(text), clientName: name,
    sentAt: typeof message.date === 'number' ? new Date(message.date * 1000).toISOString() : undefined,
  };
}

/** Every client message in a WhatsApp Cloud API notification (statuses and other changes are skipped). */
export function whatsAppMessages(payload: unknown): InboundMessage[] {
  const p = (payload ?? {}) as { object?: unknown; entry?: unknown };
  if (p.object !== 'whatsapp_business_account' || !Array.isArray(p.entry)) return [];
  const out: InboundMessage[] = [];
  for (const entry of p.entry as Array<{ changes?: unknown }>) {
    for (const change of (Array.isArray(entry?.changes) ? entry.changes : []) as Array<{ field?: string; value?: Record<string, unknown> }>) {
      if (change?.field !== 'messages' || !change.value) continue;
      const contacts = (Array.isArray(change.value.contacts) ? change.value.contacts : []) as Array<{ wa_id?: string; profile?: { name?: string } }>;
      for (const m of (Array.isArray(change.value.messages) ? change.value.messages : []) as Array<Record<string, unknown>>) {
        const from = str(m.from);
        const id = str(m.id);
        const text = str((m.text as { body?: unknown } | undefined)?.body) ?? str((m.button as { text?: unknown } | undefined)?.text);
        if (!from || !id || !text) continue;
        const contact = contacts.find((c) => c.wa_id === from);
        out.push({
          source: 'whatsapp', messageRef: id, address: from, text: clip(text), clientName: str(contact?.profile?.name), clientPhone: `+${from.replace(/^\+/, '')}`,
          sentAt: str(m.timestamp) ? new Date(Number(m.timestamp) * 1000).toISOString() : undefined,
        });
      }
    }
  }
  return out;
}

/**
 * Throwaway mailbox domains: a form sent from one is spam. Shipped rule 1 ("create inquiry task")
 * already skips addresses containing "@temp"; this list is the form's stricter check, and any
 * domain whose first label starts with temp, trash or throwaway counts too.
 */
export const DISPOSABLE_EMAIL_DOMAINS: readonly string[] = [
  'mailinator.com', 'guerrillamail.com', 'guerrillamail.net', 'sharklasers.com', '10minutemail.com', 'yopmail.com',
  'dispostable.com', 'getnada.com', 'maildrop.cc', 'fakeinbox.com', 'mintemail.com', 'spamgourmet.com', 'mohmal.com',
  'emailondeck.com', 'burnermail.io', 'mailnesia.com', 'tempmail.com', 'temp-mail.org', 'trashmail.com', 'throwawaymail.com',
];

export function isDisposableEmail(email: string): boolean {
  const domain = email.trim().toLowerCase().split('@')[1] ?? '';
  if (!domain) return false;
  if (DISPOSABLE_EMAIL_DOMAINS.some((d) => domain === d || domain.endsWith(`.${d}`))) return true;
  return /^(temp|trash|throwaway)/.test(domain.split('.')[0] ?? '');
}

/** Why a web form submission is spam, or null. */
export function webFormSpamReason(form: { honeypot?: string | undefined; renderedAt?: number | undefined; email?: string | undefined }, now: number, minFillSeconds: number): string | null {
  // A field people never see: only a bot fills it in.
  if (form.honeypot && form.honeypot.trim() !== '') return 'honeypot field filled';
  if (minFillSeconds > 0) {
    if (form.renderedAt === undefined || !Number.isFinite(form.renderedAt)) return 'no form render time';
    const seconds = (now - form.renderedAt) / 1000;
    if (seconds < minFillSeconds) return `form filled in ${Math.max(0, Math.round(seconds * 10) / 10)} s (under ${minFillSeconds} s)`;
    if (seconds > 24 * 3600) return 'form render time more than a day old';
  }
  if (form.email && isDisposableEmail(form.email)) return 'disposable email domain';
  return null;
}

/** The conversation a message belongs to: the integration and the client's address on it. */
export const conversationKey = (integrationCode: string, address: string) => `${integrationCode}:${address.toLowerCase()}`;

/** The inquiry's external reference for a message that opens a conversation: unique per integration. */
export const externalRefOf = (integrationCode: string, messageRef: string) => `${integrationCode}:${messageRef}`;

/** The excerpt of a message carried by its event and timeline entry. */
export const excerptOf = (text: string) => (text.length > 200 ? `${text.slice(0, 199)}…` : text);
