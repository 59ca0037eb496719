/**
 * The three channel adapters: email over SMTP (nodemailer), Telegram's Bot API `sendMessage`
 * and WhatsApp's Cloud API `/{phone-number-id}/messages`, each at a configured address (tests
 * point them at a real SMTP server and at local stand-ins of the two HTTP APIs). Each returns
 * the provider's message id, or throws a `DeliveryError` that says whether trying again can help:
 * a refusal (bad address, blocked bot, unknown number, 5xx SMTP reply) is final; a timeout, a
 * connection failure, 429 or a 5xx HTTP answer is retried by the activity's policy.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import { maskEmail, maskPhone } from '../../domain/masking.ts';
import type { MessagingConfig } from '../../platform/config.ts';

export interface OutboundMessage {
  readonly id: string;
  readonly recipient: string;
  readonly subject: string | null;
  readonly bodyText: string;
  readonly bodyHtml: string | null;
}

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean) {
    super(scrubContacts(message));
    this.retryable = retryable;
  }
}

/** Provider errors quote addresses ("550 <ann@example.com>: no such user"): masked before they are stored or logged. */
export function scrubContacts(text: string): string {
  return text
    .replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+\.[A-Za-z]{2,}/g, (email) => maskEmail(email) ?? '***')
    .replace(/\+?\d[\d ]{7,}\d/g, (phone) => maskPhone(phone) ?? '***');
}

export type ChannelSender = (message: OutboundMessage) => Promise<string>;

/** An HTTP answer that is worth retrying: rate limited or the provider's own trouble. */
const retryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

async function postJson(url: string, body: unknown, headers: Record<string, string>, timeoutMs: number, what: string): Promise<{ status: number; json: Record<string, unknown> }> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new DeliveryError(`${what} unreachable: ${(error as Error).message}`, true);
  }
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: response.status, json };
}

export function emailSender(config: MessagingConfig['smtp']): ChannelSender {
  let transport: Transporter | undefined;
  return async (message) => {
    if (!config.host) throw new DeliveryError('email is not configured: set SMTP_HOST', false);
    transport ??= nodemailer.createTransport({
      host: config.host, port: config.port, secure: config.secure,
      ...(config.user ? { auth: { user: config.user, pass: config.password ?? '' } } : {}),
      connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000,
    });
    try {
      const info = await transport.sendMail({
        from: config.from,
        to: message.recipient,
        subject: message.subject ?? '',
        text: message.bodyText,
        ...(message.bodyHtml ? { html: message.bodyHtml } : {}),
        // Stable across attempts: a mailbox that received an earlier attempt can tell it is the same message.
        messageId: `<${message.id}@virel.ops>`,
      });
      return info.messageId;
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      // SMTP 5xx is a permanent refusal (RFC 5321 §4.2.1); 4xx and connection trouble are transient.
      throw new DeliveryError(`SMTP: ${(error as Error).message}`, !(code !== undefined && code >= 500));
    }
  };
}

export function telegramSender(config: MessagingConfig['telegram'], timeoutMs: number): ChannelSender {
  return async (message) => {
    if (!config.botToken) throw new DeliveryError('Telegram is not configured: set TELEGRAM_BOT_TOKEN', false);
    const { status, json } = await postJson(`${config.apiUrl}/bot${config.botToken}/sendMessage`, {
      chat_id: message.recipient, text: message.bodyText, link_preview_options: { is_disabled: true },
    }, {}, timeoutMs, 'Telegram');
    const result = json.result as { message_id?: number } | undefined;
    if (status === 200 && json.ok === true && result?.message_id !== undefined) return String(result.message_id);
    const description = typeof json.description === 'string' ? json.description : `HTTP ${status}`;
    throw new DeliveryError(`Telegram ${json.error_code ?? status}: ${description}`, retryableStatus(status));
  };
}

export function whatsappSender(config: MessagingConfig['whatsapp'], timeoutMs: number): ChannelSender {
  return async (message) => {
    if (!config.accessToken || !config.phoneNumberId) throw new DeliveryError('WhatsApp is not configured: set WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID', false);
    const { status, json } = await postJson(`${config.apiUrl}/${config.phoneNumberId}/messages`, {
      messaging_product: 'whatsapp', recipient_type: 'individual', to: message.recipient, type: 'text', text: { preview_url: false, body: message.bodyText },
    }, { authorization: `Bearer ${config.accessToken}` }, timeoutMs, 'WhatsApp');
    const id = (json.messages as Array<{ id?: string }> | undefined)?.[0]?.id;
    if (status >= 200 && status < 300 && id) return id;
    const error = json.error as { message?: string; code?: number } | undefined;
    throw new DeliveryError(`WhatsApp ${error?.code ?? status}: ${error?.message ?? `HTTP ${status}`}`, retryableStatus(status));
  };
}
