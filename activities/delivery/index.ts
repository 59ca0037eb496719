/**
 * Delivery activities (the `ops` queue): one attempt at sending a stored message or posting a
 * stored webhook, and the final "failed" mark. Every attempt is counted on its row before it is
 * made and its error stored after; a row that is no longer pending is skipped, so a workflow run
 * repeated after a crash, or a second request with the same idempotency key, sends nothing.
 * Log lines carry ids, channels and outcomes, never recipients or contents.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { MessagingConfig } from '../../platform/config.ts';
import type { IntegrationType } from '../../domain/integrations.ts';
import type { Logger } from '../../platform/logger.ts';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook, webhookBody } from '../../services/outgoing-webhooks.ts';
import type { DeliveryActivities, DeliveryOutcome } from '../../workflows/delivery/messages.ts';
import { outboundRowOf, logIntegration } from '../../services/integrations.ts';
import { DeliveryError, emailSender, scrubContacts, telegramSender, whatsappSender, type ChannelSender, type OutboundMessage } from './channels.ts';

export interface DeliveryDeps {
  readonly orm: MikroORM;
  readonly logger: Logger;
  readonly messaging: MessagingConfig;
}

const MAX_ERROR_LENGTH = 1000;

/** Whose settings an attempt used: the kind's active integration row, or the environment's. */
type ConfigSource = 'integration' | 'environment';

/** The integration kind whose active row configures a channel. */
const CHANNEL_INTEGRATION: Readonly<Record<string, IntegrationType>> = { email: 'smtp', telegram: 'telegram', whatsapp: 'whatsapp' };

/** A failed attempt as Temporal sees it: retried, unless the provider refused for good. */
function attemptFailure(error: unknown): ApplicationFailure {
  const message = scrubContacts(error instanceof Error ? error.message : String(error)).slice(0, MAX_ERROR_LENGTH);
  const retryable = !(error instanceof DeliveryError) || error.retryable;
  return ApplicationFailure.create({ message, type: retryable ? 'DELIVERY_FAILED' : 'DELIVERY_REFUSED', nonRetryable: !retryable });
}

export function createDeliveryActivities(deps: DeliveryDeps): DeliveryActivities {
  const { orm, messaging } = deps;
  const log = deps.logger.child({ component: 'delivery' });
  const sql = <T>(query: string, params: unknown[]) => orm.em.getConnection().execute<T[]>(query, params) as Promise<T[]>;
  const timeoutMs = messaging.webhooks.timeoutMs;
  /** A sender per channel and configuration (an SMTP transport is kept per configuration). */
  const senders = new Map<string, ChannelSender>();
  const senderFor = (channel: string, config: unknown): ChannelSender | undefined => {
    const key = `${channel}:${JSON.stringify(config)}`;
    let sender = senders.get(key);
    if (!sender) {
      if (channel === 'email') sender = emailSender(config as MessagingConfig['smtp']);
      else if (channel === 'telegram') sender = telegramSender(config as MessagingConfig['telegram'], timeoutMs);
      else if (channel === 'whatsapp') sender = whatsappSender(config as MessagingConfig['whatsapp'], timeoutMs);
      else return undefined;
      senders.set(key, sender);
    }
    return sender;
  };
  /**
   * The channel's settings: the kind's own integration row (code smtp / telegram / whatsapp) when
   * it is active (its plain settings and sealed secrets over the environment's), else the
   * environment's; and the row (whatever its status), for its log.
   */
  async function channelConfig(channel: string): Promise<{ config: unknown; integrationId: string | undefined; source: ConfigSource }> {
    const type = CHANNEL_INTEGRATION[channel];
    const { integrationId, active: integration } = type ? await outboundRowOf(orm.em.fork(), type) : { integrationId: undefined, active: null };
    if (!integration) return { config: envConfig(channel), integrationId, source: 'environment' };
    const s = integration.settings;
    const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
    const fromRow: Record<string, Record<string, unknown>> = {
      email: { host: s.host, port: s.port, secure: s.secure, user: s.user, from: s.from, password: integration.secrets.password },
      telegram: { apiUrl: typeof s.apiUrl === 'string' ? s.apiUrl.replace(/\/+$/, '') : undefined, botToken: integration.secrets.botToken },
      whatsapp: { apiUrl: typeof s.apiUrl === 'string' ? s.apiUrl.replace(/\/+$/, '') : undefined, phoneNumberId: s.phoneNumberId, accessToken: integration.secrets.accessToken },
    };
    return { config: { ...(envConfig(channel) as object), ...defined(fromRow[channel] ?? {}) }, integrationId, source: 'integration' };
  }
  const envConfig = (channel: string): unknown =>
    channel === 'email' ? messaging.smtp : channel === 'telegram' ? messaging.telegram : channel === 'whatsapp' ? messaging.whatsapp : undefined;
  /**
   * An attempt's entry in its integration's log (a message: `request`; a webhook: `webhook_out`):
   * ids, channel or target, outcome, the provider's answer, the duration and the error; never the
   * recipient, the text, the payload or a secret. A log that cannot be written does not fail the send.
   */
  const logAttempt = (integrationId: string | undefined, entry: { kind: 'request' | 'webhook_out'; outcome: 'ok' | 'failed'; summary: string; detail: Record<string, unknown> }) =>
    integrationId
      ? logIntegration(orm.em.fork(), integrationId, entry).catch((error: unknown) => log.warn({ err: error }, 'integration log entry not written'))
      : undefined;
  const attempt = () => Context.current().info.attempt;
  const since = (started: number) => Math.round(performance.now() - started);

  return {
    async sendMessage(messageId) {
      const [message] = await sql<OutboundMessage & { channel: string }>(
        `UPDATE messages SET attempts = attempts + 1, updated_at = now() WHERE id = ? AND status = 'queued'
         RETURNING id, channel, recipient, subject, body_text AS "bodyText", body_html AS "bodyHtml"`, [messageId]);
      if (!message) return { status: 'skipped' } satisfies DeliveryOutcome;
      let integrationId: string | undefined;
      let source: ConfigSource | undefined;
      const started = performance.now();
      try {
        const channel = await channelConfig(message.channel);
        ({ integrationId, source } = channel);
        const send = senderFor(message.channel, channel.config);
        if (!send) throw new DeliveryError(`unknown channel ${message.channel}`, false);
        const providerId = await send(message);
        const durationMs = since(started);
        await sql(`UPDATE messages SET status = 'sent', provider_message_id = ?, sent_at = now(), last_error = NULL, updated_at = now() WHERE id = ? AND status = 'queued'`, [providerId, messageId]);
        log.info({ messageId, channel: message.channel, attempt: attempt(), durationMs }, 'message sent');
        await logAttempt(integrationId, {
          kind: 'request', outcome: 'ok', summary: `${message.channel} message ${messageId} sent in ${durationMs} ms (attempt ${attempt()})`,
          detail: { messageId, channel: message.channel, attempt: attempt(), durationMs, settings: source, providerMessageId: providerId },
        });
        return { status: 'sent' };
      } catch (error) {
        const durationMs = since(started);
        const failure = attemptFailure(error);
        await sql(`UPDATE messages SET last_error = ?, updated_at = now() WHERE id = ?`, [failure.message, messageId]);
        log.warn({ messageId, channel: message.channel, attempt: attempt(), retryable: !failure.nonRetryable, error: failure.message }, 'message attempt failed');
        // failure.message is scrubbed of addresses and phone numbers (scrubContacts).
        await logAttempt(integrationId, {
          kind: 'request', outcome: 'failed', summary: `${message.channel} message ${messageId} attempt ${attempt()} failed after ${durationMs} ms: ${failure.message}`.slice(0, 500),
          detail: { messageId, channel: message.channel, attempt: attempt(), durationMs, settings: source ?? null, retryable: !failure.nonRetryable, error: failure.message },
        });
        throw failure;
      }
    },

    async recordMessageFailed(messageId, error) {
      await sql(`UPDATE messages SET status = 'failed', failed_at = now(), last_error = ?, updated_at = now() WHERE id = ? AND status = 'queued'`, [error.slice(0, MAX_ERROR_LENGTH), messageId]);
      log.warn({ messageId }, 'message failed');
    },

    async postWebhook(webhookId) {
      const [row] = await sql<{ id: string; event_type: string; target_url: string; payload: Record<string, unknown>; created_at: Date }>(
        `UPDATE webhooks_out SET attempts = coalesce(attempts, 0) + 1, updated_at = now() WHERE id = ? AND status = 'pending'
         RETURNING id, event_type, target_url, payload, created_at`, [webhookId]);
      if (!row) return { status: 'skipped' } satisfies DeliveryOutcome;
      let responseStatus: number | null = null;
      let integrationId: string | undefined;
      /** From sending the request to its answer (or to giving up on it); null: never sent. */
      let durationMs: number | null = null;
      // What the log says was sent: the method and the URL without its query (which may carry a token).
      const target = new URL(row.target_url);
      const request = { method: 'POST', url: `${target.origin}${target.pathname}` };
      const logged = (outcome: 'ok' | 'failed', summary: string, extra: Record<string, unknown>) => logAttempt(integrationId, {
        kind: 'webhook_out', outcome, summary: summary.slice(0, 500),
        detail: { webhookId, event: row.event_type, request, attempt: attempt(), responseStatus, durationMs, ...extra },
      });
      try {
        const webhooks = await outboundRowOf(orm.em.fork(), 'webhook');
        integrationId = webhooks.integrationId;
        // The active `webhook` row's signing secret, else the environment's.
        const secret = webhooks.active?.secrets.signingSecret ?? messaging.webhooks.signingSecret;
        if (!secret) throw new DeliveryError('outgoing webhooks are not configured: set WEBHOOK_SIGNING_SECRET (or the webhook integration\'s signingSecret)', false);
        const body = webhookBody({ id: row.id, eventType: row.event_type, createdAt: new Date(row.created_at), payload: row.payload });
        const timestamp = Math.floor(Date.now() / 1000);
        let response: Response;
        const started = performance.now();
        try {
          response = await fetch(row.target_url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json', 'user-agent': 'Virel-Webhooks/1',
              [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
              [EVENT_HEADER]: row.event_type, [DELIVERY_HEADER]: row.id,
            },
            body,
            redirect: 'manual',
            signal: AbortSignal.timeout(timeoutMs),
          });
        } catch (error) {
          durationMs = since(started);
          throw new DeliveryError(`receiver unreachable: ${(error as Error).message}`, true);
        }
        durationMs = since(started);
        responseStatus = response.status;
        await response.body?.cancel();
        // Any answer but 2xx is retried, as the big webhook senders do: the receiver may be deploying.
        if (response.status < 200 || response.status >= 300) throw new DeliveryError(`receiver answered HTTP ${response.status}`, true);
        await sql(`UPDATE webhooks_out SET status = 'sent', sent_at = now(), response_status = ?, last_error = NULL, updated_at = now() WHERE id = ? AND status = 'pending'`, [responseStatus, webhookId]);
        log.info({ webhookId, event: row.event_type, attempt: attempt(), responseStatus, durationMs }, 'webhook delivered');
        await logged('ok', `POST ${target.origin} ${row.event_type} (webhook ${webhookId}) answered ${responseStatus} in ${durationMs} ms (attempt ${attempt()})`, { error: null });
        return { status: 'sent' };
      } catch (error) {
        const failure = attemptFailure(error);
        await sql(`UPDATE webhooks_out SET last_error = ?, response_status = ?, updated_at = now() WHERE id = ?`, [failure.message, responseStatus, webhookId]);
        log.warn({ webhookId, event: row.event_type, attempt: attempt(), responseStatus, error: failure.message }, 'webhook attempt failed');
        await logged('failed', `POST ${target.origin} ${row.event_type} (webhook ${webhookId}) attempt ${attempt()} failed${durationMs === null ? '' : ` after ${durationMs} ms`}: ${failure.message}`,
          { error: failure.message, retryable: !failure.nonRetryable });
        throw failure;
      }
    },

    async recordWebhookFailed(webhookId, error) {
      await sql(`UPDATE webhooks_out SET status = 'failed', last_error = ?, updated_at = now() WHERE id = ? AND status = 'pending'`, [error.slice(0, MAX_ERROR_LENGTH), webhookId]);
      log.warn({ webhookId }, 'webhook failed');
    },
  };
}
