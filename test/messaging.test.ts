/**
 * The outbound messaging layer and outgoing webhooks on real servers: the real worker on the
 * official time-skipping test server (so the `ops` queue's 5 s … 80 s retry backoff passes in
 * workflow time), real PostgreSQL, a real SMTP server with its inbox (maildev, started here),
 * and local stand-ins of the Telegram Bot API, the WhatsApp Cloud API and a webhook receiver,
 * whose recorded requests are checked exactly.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { MikroORM } from '@mikro-orm/postgresql';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { openOrm } from '../db/orm.ts';
import { SYSTEM } from '../domain/access.ts';
import type { IntegrationStatus } from '../domain/integrations.ts';
import { resolveTemporalTestServer } from '../launcher/temporal-binaries.ts';
import type { MessagingConfig } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { createServices, type Caller } from '../services/index.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from '../services/outgoing-webhooks.ts';
import { startWorkers, type RunningWorkers } from '../worker/run.ts';
import { addSearchAttributesBlindly } from '../worker/search-attributes.ts';
import { messageWorkflowId, webhookWorkflowId, type DeliveryOutcome } from '../workflows/delivery/messages.ts';
import { startTestMailCatcher, type TestMailCatcher } from './support/mail-catcher.ts';
import { sqlOf, testEnv } from './support/platform.ts';
import { startTelegramStandIn, startWebhookReceiver, startWhatsAppStandIn, type StandIn } from './support/stand-ins.ts';

const TELEGRAM_TOKEN = '123456:TEST-token';
const WHATSAPP_TOKEN = 'EAAG-test-token';
const PHONE_NUMBER_ID = '109876543210';
const SIGNING_SECRET = 'test-webhook-signing-secret-0123456789';

let env: TestWorkflowEnvironment;
let workers: RunningWorkers;
let orm: MikroORM;
let mail: TestMailCatcher;
let telegram: StandIn;
let whatsapp: StandIn;
let receiver: StandIn;
const logLines: string[] = [];

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: await resolveTemporalTestServer() } } });
  const namespace = env.namespace ?? 'default';
  await addSearchAttributesBlindly(env.nativeConnection, namespace);
  mail = await startTestMailCatcher();
  [telegram, whatsapp, receiver] = await Promise.all([startTelegramStandIn(TELEGRAM_TOKEN), startWhatsAppStandIn(PHONE_NUMBER_ID, WHATSAPP_TOKEN), startWebhookReceiver()]);
  const messaging: MessagingConfig = {
    smtp: { host: '127.0.0.1', port: mail.smtpPort, secure: false, user: undefined, password: undefined, from: 'Virel Ops <ops@virel.local>' },
    telegram: { apiUrl: telegram.url, botToken: TELEGRAM_TOKEN },
    whatsapp: { apiUrl: whatsapp.url, accessToken: WHATSAPP_TOKEN, phoneNumberId: PHONE_NUMBER_ID },
    webhooks: { signingSecret: SIGNING_SECRET, timeoutMs: 2000 },
  };
  // Every line the worker logs, at debug level, to prove no PII reaches a log.
  const destination = new Writable({ write(chunk, _encoding, done) { logLines.push(String(chunk)); done(); } });
  workers = await startWorkers({
    databaseUrl: testEnv().databaseUrl, temporalAddress: '', connection: env.nativeConnection, client: env.client, namespace, metricsAddress: undefined,
    registerSearchAttributes: false, logger: createLogger({ level: 'debug', service: 'test-worker', destination }), messaging,
  });
  orm = await openOrm(testEnv().databaseUrl);
  [{ status: telegramStatus }] = await sql<{ status: IntegrationStatus }>(`SELECT status FROM integrations WHERE code = 'telegram'`) as [{ status: IntegrationStatus }];
}, 90_000);

afterAll(async () => {
  try {
    if (orm) await restoreIntegrations();
  } finally {
    await workers?.shutdown();
    await env?.teardown();
    await orm?.close();
    await Promise.all([telegram?.stop(), whatsapp?.stop(), receiver?.stop(), mail?.stop()]);
  }
});

const sql = <T = Record<string, unknown>>(query: string, params: unknown[] = []) => sqlOf(orm)<T>(query, params);
const services = () => createServices({ em: orm.em.fork(), temporal: env.client, sessions: { revokeUser: async () => 0 } });
const system: Caller = { principal: SYSTEM };
const settled = (workflowId: string) => env.client.workflow.getHandle(workflowId).result() as Promise<DeliveryOutcome>;

/** The demo `telegram` row's status as this file found it. */
let telegramStatus: IntegrationStatus;
/**
 * The shared integration rows this file configures (`telegram`, `webhook`) put back as it found
 * them: each test does so in its finally, and afterAll again whatever happened (a test that timed
 * out never reaches its finally; later files send through these rows).
 */
async function restoreIntegrations(): Promise<void> {
  const rows = await sql<{ id: string; code: string }>(`SELECT id, code FROM integrations WHERE code IN ('telegram', 'webhook')`);
  for (const row of rows) {
    if (row.code === 'telegram') await services().integrations.update(system, row.id, { status: telegramStatus, settings: { apiUrl: null }, secrets: { botToken: null } });
    else await services().integrations.update(system, row.id, { secrets: { signingSecret: null } });
  }
}

interface MessageRow { status: string; attempts: number; provider_message_id: string | null; last_error: string | null; channel: string; recipient: string; body_text: string }
const messageRow = async (id: string) => (await sql<MessageRow>('SELECT * FROM messages WHERE id = ?', [id]))[0]!;
interface WebhookRow { status: string; attempts: number; deliveries: number; response_status: number | null; last_error: string | null; sent_at: Date | null }
const webhookRow = async (id: string) => (await sql<WebhookRow>('SELECT * FROM webhooks_out WHERE id = ?', [id]))[0]!;

async function newClient(columns: { email?: string; phone?: string; preferred?: string; chat?: string }): Promise<string> {
  const [row] = await sql<{ id: string }>(
    'INSERT INTO clients (full_name, email, phone, preferred_channel, telegram_chat_id) VALUES (?, ?, ?, ?, ?) RETURNING id',
    ['Ann Client', columns.email ?? null, columns.phone ?? null, columns.preferred ?? null, columns.chat ?? null]);
  return row!.id;
}

const reminder = (name = 'Ann') => ({ client_name: name, inquiry_ref: 'I-1042', deposit_amount: '£120.00' });
const alert = { booking_ref: 'B-1235', start_at: '2026-12-25 19:00' };

async function send(input: Partial<Parameters<ReturnType<typeof services>['messaging']['sendMessage']>[1]>) {
  return services().messaging.sendMessage(system, { channel: 'email', templateKey: 'deposit_reminder', variables: reminder(), idempotencyKey: randomUUID(), ...input });
}

describe('email over a real SMTP server', () => {
  test('renders the active template, escapes HTML, delivers once and logs the provider id', async () => {
    const email = `ann.${randomUUID().slice(0, 8)}@example.com`;
    const clientId = await newClient({ email });
    const sent = await send({ clientId, variables: reminder('<b>Ann</b> & Co') });
    expect(sent.status).toBe('queued');
    expect(await settled(messageWorkflowId(sent.messageId))).toEqual({ status: 'sent' });

    const row = await messageRow(sent.messageId);
    expect(row).toMatchObject({ status: 'sent', attempts: 1, channel: 'email', recipient: email, provider_message_id: `<${sent.messageId}@virel.ops>`, last_error: null });
    const mails = (await mail.messages()).filter((m) => m.to.some((t) => t.address === email));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('Your request I-1042: deposit due');
    // Plain text as written; HTML escaped by the template library.
    expect(mails[0]!.text).toContain('Hello <b>Ann</b> & Co,');
    expect(mails[0]!.html).toContain('<p>Hello &lt;b&gt;Ann&lt;/b&gt; &amp; Co,</p>');
    expect(mails[0]!.headers['message-id']).toBe(`<${sent.messageId}@virel.ops>`);
  });
});

describe('integrations as data at runtime', () => {
  test('the active `telegram` integration row configures sends (its token and API over the environment\'s); each send is in its log without the recipient or text; not active: the environment again', async () => {
    const ROW_TOKEN = '654321:row-integration-token';
    const rowTelegram = await startTelegramStandIn(ROW_TOKEN);
    // The demo data's `telegram` row (testing): made active with this bot, put back as it was afterwards.
    const [row] = await sql<{ id: string; status: string }>(`SELECT id, status FROM integrations WHERE code = 'telegram'`);
    const integrationId = row!.id;
    const sentIds: string[] = [];
    const logs = () => sql<{ kind: string; outcome: string; summary: string; detail: Record<string, unknown> }>(
      `SELECT kind, outcome, summary, detail FROM integration_logs WHERE integration_id = ? AND kind = 'request' AND detail->>'messageId' = ANY(?::text[]) ORDER BY created_at`, [integrationId, `{${sentIds.join(',')}}`]);
    try {
      await services().integrations.update(system, integrationId, { status: 'active', settings: { apiUrl: rowTelegram.url }, secrets: { botToken: ROW_TOKEN } });
      const envBefore = telegram.requests.length;
      const sent = await send({ channel: 'telegram', to: '515151', templateKey: 'no_show_alert', variables: alert });
      sentIds.push(sent.messageId);
      expect(await settled(messageWorkflowId(sent.messageId))).toEqual({ status: 'sent' });
      expect(rowTelegram.requests.map((r) => r.path)).toEqual([`/bot${ROW_TOKEN}/sendMessage`]);
      expect(telegram.requests.length).toBe(envBefore);
      expect(await logs()).toEqual([{
        kind: 'request', outcome: 'ok', summary: expect.stringMatching(new RegExp(`^telegram message ${sent.messageId} sent in \\d+ ms \\(attempt 1\\)$`)),
        detail: { messageId: sent.messageId, channel: 'telegram', attempt: 1, durationMs: expect.any(Number), settings: 'integration', providerMessageId: expect.any(String) },
      }]);

      // A token the provider refuses: the send fails for good, and the log says so (no token, no chat, no text).
      await services().integrations.update(system, integrationId, { secrets: { botToken: '654321:not-the-right-token' } });
      const refused = await send({ channel: 'telegram', to: '515151', templateKey: 'no_show_alert', variables: alert });
      sentIds.push(refused.messageId);
      expect(await settled(messageWorkflowId(refused.messageId))).toEqual({ status: 'failed', error: 'Telegram 401: Unauthorized' });
      const entries = await logs();
      expect(entries.at(-1)).toMatchObject({
        outcome: 'failed', detail: { messageId: refused.messageId, channel: 'telegram', attempt: 1, retryable: false, durationMs: expect.any(Number), error: 'Telegram 401: Unauthorized' },
      });
      expect(JSON.stringify(entries)).not.toMatch(/515151|No-show|not-the-right-token|row-integration-token/);
    } finally {
      try {
        await restoreIntegrations();
      } finally {
        await rowTelegram.stop();
      }
    }
    // Not active: the environment's settings send again, and the send is still in the row's log (saying whose settings it used).
    const envBefore = telegram.requests.length;
    const fallback = await send({ channel: 'telegram', to: '515151', templateKey: 'no_show_alert', variables: alert });
    sentIds.push(fallback.messageId);
    expect(await settled(messageWorkflowId(fallback.messageId))).toEqual({ status: 'sent' });
    expect(telegram.requests.slice(envBefore).map((r) => r.path)).toEqual([`/bot${TELEGRAM_TOKEN}/sendMessage`]);
    expect((await logs()).at(-1)).toMatchObject({ kind: 'request', outcome: 'ok', detail: { messageId: fallback.messageId, settings: 'environment', durationMs: expect.any(Number) } });
  });
});

describe('Telegram Bot API and WhatsApp Cloud API (local stand-ins)', () => {
  test('Telegram: the exact sendMessage request, the provider message id recorded', async () => {
    const before = telegram.requests.length;
    const sent = await send({ channel: 'telegram', to: '424242', templateKey: 'no_show_alert', variables: alert });
    expect(await settled(messageWorkflowId(sent.messageId))).toEqual({ status: 'sent' });
    const requests = telegram.requests.slice(before);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'POST', path: `/bot${TELEGRAM_TOKEN}/sendMessage` });
    expect(requests[0]!.headers['content-type']).toBe('application/json');
    expect(requests[0]!.json).toEqual({
      chat_id: '424242',
      text: 'No-show risk: booking B-1235 starts at 2026-12-25 19:00 and the client has not confirmed arrival.',
      link_preview_options: { is_disabled: true },
    });
    const row = await messageRow(sent.messageId);
    expect(row).toMatchObject({ status: 'sent', attempts: 1 });
    expect(Number(row.provider_message_id)).toBeGreaterThanOrEqual(1000);
  });

  test("WhatsApp through the client's preferred channel: the exact Cloud API request", async () => {
    const clientId = await newClient({ email: `wa.${randomUUID().slice(0, 8)}@example.com`, phone: '+44 7700 900123', preferred: 'whatsapp' });
    const before = whatsapp.requests.length;
    const sent = await send({ channel: 'preferred', clientId });
    expect(await settled(messageWorkflowId(sent.messageId))).toEqual({ status: 'sent' });
    const requests = whatsapp.requests.slice(before);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'POST', path: `/${PHONE_NUMBER_ID}/messages` });
    expect(requests[0]!.headers.authorization).toBe(`Bearer ${WHATSAPP_TOKEN}`);
    expect(requests[0]!.json).toEqual({
      messaging_product: 'whatsapp', recipient_type: 'individual', to: '447700900123', type: 'text',
      text: { preview_url: false, body: 'Hello Ann,\n\nWe are holding your request I-1042. To confirm it, please pay the deposit of £120.00.\n\nThank you,\nVirel' },
    });
    expect(await messageRow(sent.messageId)).toMatchObject({ status: 'sent', channel: 'whatsapp', provider_message_id: expect.stringMatching(/^wamid\.STANDIN\d+$/) });
  });

  test('preferred channel Telegram uses the chat id learnt for the client; other preferences, or no chat id, mean email', async () => {
    const chatClient = await newClient({ email: `tg.${randomUUID().slice(0, 8)}@example.com`, preferred: 'telegram', chat: '777001' });
    const before = telegram.requests.length;
    const viaTelegram = await send({ channel: 'preferred', clientId: chatClient });
    await settled(messageWorkflowId(viaTelegram.messageId));
    expect(telegram.requests.slice(before).map((r) => (r.json as { chat_id: string }).chat_id)).toEqual(['777001']);
    const webClient = await newClient({ email: `web.${randomUUID().slice(0, 8)}@example.com`, preferred: 'web' });
    const viaEmail = await send({ channel: 'preferred', clientId: webClient });
    expect((await messageRow(viaEmail.messageId)).channel).toBe('email');
    // Prefers Telegram but never wrote to the bot (no chat id): their email instead.
    const noChat = await newClient({ email: `nochat.${randomUUID().slice(0, 8)}@example.com`, preferred: 'telegram' });
    const fallback = await send({ channel: 'preferred', clientId: noChat });
    expect((await messageRow(fallback.messageId)).channel).toBe('email');
  });
});

describe('idempotency: a retried send never sends twice', () => {
  test('the same key again, after delivery and concurrently, returns the same message and sends nothing', async () => {
    const key = `execution-${randomUUID()}:1`;
    const before = telegram.requests.length;
    const [a, b] = await Promise.all([
      send({ channel: 'telegram', to: '515151', templateKey: 'no_show_alert', variables: alert, idempotencyKey: key }),
      send({ channel: 'telegram', to: '515151', templateKey: 'no_show_alert', variables: alert, idempotencyKey: key }),
    ]);
    expect(b.messageId).toBe(a.messageId);
    expect(await settled(messageWorkflowId(a.messageId))).toEqual({ status: 'sent' });
    const again = await send({ channel: 'telegram', to: '515151', templateKey: 'no_show_alert', variables: alert, idempotencyKey: key });
    expect(again).toEqual({ messageId: a.messageId, status: 'sent' });
    // A repeated workflow run (as after a crash between send and record) finds it sent: nothing sent.
    const rerun = await env.client.workflow.execute('messageDelivery', { workflowId: `${messageWorkflowId(a.messageId)}:rerun`, taskQueue: 'background', args: [{ messageId: a.messageId }] });
    expect(rerun).toEqual({ status: 'skipped' });
    expect(telegram.requests.slice(before)).toHaveLength(1);
    expect(await sql('SELECT count(*)::int AS n FROM messages WHERE idempotency_key = ?', [key])).toEqual([{ n: 1 }]);
    expect((await messageRow(a.messageId)).attempts).toBe(1);
  });
});

describe('a crash between storing a message and starting its delivery', () => {
  test('the retried request (same key) starts the delivery of the stored message and sends it once', async () => {
    const key = `execution-${randomUUID()}:2`;
    // What a crash right after the insert leaves: a queued row and no workflow.
    const { uuidFromName } = await import('../services/context.ts');
    const messageId = uuidFromName(`message:${key}`);
    const [template] = await sql<{ id: string }>(`SELECT id FROM message_templates WHERE key = 'no_show_alert'`);
    await sql(`INSERT INTO messages (id, idempotency_key, channel, recipient, template_id, template_version, body_text) VALUES (?, ?, 'telegram', '838383', ?, 1, 'stored before the crash')`, [messageId, key, template!.id]);
    const before = telegram.requests.length;
    const retried = await send({ channel: 'telegram', to: '838383', templateKey: 'no_show_alert', variables: alert, idempotencyKey: key });
    expect(retried).toEqual({ messageId, status: 'queued' });
    expect(await settled(messageWorkflowId(messageId))).toEqual({ status: 'sent' });
    expect(telegram.requests.slice(before).map((r) => r.json)).toEqual([{ chat_id: '838383', text: 'stored before the crash', link_preview_options: { is_disabled: true } }]);
  });
});

describe('failures', () => {
  test('a failing channel is retried with the ops policy (5 attempts) then recorded failed with the last error', async () => {
    const before = telegram.requests.length;
    const sent = await send({ channel: 'telegram', to: '-1', templateKey: 'no_show_alert', variables: alert });
    const outcome = await settled(messageWorkflowId(sent.messageId));
    expect(outcome).toEqual({ status: 'failed', error: 'Telegram 500: Internal Server Error' });
    expect(telegram.requests.slice(before)).toHaveLength(5);
    expect(await messageRow(sent.messageId)).toMatchObject({ status: 'failed', attempts: 5, last_error: 'Telegram 500: Internal Server Error', provider_message_id: null });
  });

  test('a transient failure is retried and then sent; attempts count every try', async () => {
    telegram.failNext(2, 429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    const sent = await send({ channel: 'telegram', to: '626262', templateKey: 'no_show_alert', variables: alert });
    expect(await settled(messageWorkflowId(sent.messageId))).toEqual({ status: 'sent' });
    expect(await messageRow(sent.messageId)).toMatchObject({ status: 'sent', attempts: 3, last_error: null });
  });

  test('a refusal (chat not found) is final at once: one attempt, failed', async () => {
    const before = telegram.requests.length;
    const refused = await send({ channel: 'telegram', to: '0', templateKey: 'no_show_alert', variables: alert });
    expect(await settled(messageWorkflowId(refused.messageId))).toEqual({ status: 'failed', error: 'Telegram 400: Bad Request: chat not found' });
    expect(telegram.requests.slice(before)).toHaveLength(1);
    expect(await messageRow(refused.messageId)).toMatchObject({ status: 'failed', attempts: 1 });
  });

  test('addresses quoted in a provider error are masked before the error is stored or logged', async () => {
    const { scrubContacts } = await import('../activities/delivery/channels.ts');
    expect(scrubContacts('550 5.1.1 <james.carter@example.com>: Recipient address rejected; call +447700900123')).toBe('550 5.1.1 <ja***@example.com>: Recipient address rejected; call +447700***123');
  });

  test('bad input is a VALIDATION error naming it, and stores nothing', async () => {
    const key = randomUUID();
    const refusal = (p: Promise<unknown>) => p.then(() => { throw new Error('accepted'); }, (e: { code: string; details: { field: string }; message: string }) => ({ code: e.code, field: e.details.field, message: e.message }));
    expect(await refusal(send({ to: 'ann@example.com', templateKey: 'no_such_template', idempotencyKey: key }))).toMatchObject({ code: 'VALIDATION', field: 'templateKey' });
    expect(await refusal(send({ to: 'ann@example.com', variables: { client_name: 'Ann' }, idempotencyKey: key })))
      .toEqual({ code: 'VALIDATION', field: 'variables', message: 'Invalid input: variables: no value for deposit_amount, inquiry_ref' });
    expect(await refusal(send({ channel: 'telegram', clientId: await newClient({ email: `nochat.${randomUUID().slice(0, 8)}@example.com` }), templateKey: 'no_show_alert', variables: alert, idempotencyKey: key })))
      .toMatchObject({ code: 'VALIDATION', field: 'clientId', message: 'Invalid input: clientId: the client has no Telegram chat for telegram' });
    expect(await refusal(send({ channel: 'whatsapp', to: 'not a number', idempotencyKey: key }))).toMatchObject({ code: 'VALIDATION', field: 'to' });
    expect(await refusal(send({ channel: 'preferred', to: 'ann@example.com', idempotencyKey: key }))).toMatchObject({ code: 'VALIDATION', field: 'clientId' });
    expect(await sql('SELECT count(*)::int AS n FROM messages WHERE idempotency_key = ?', [key])).toEqual([{ n: 0 }]);
  });
});

describe('outgoing webhooks', () => {
  const callWebhook = (input: { idempotencyKey?: string; path?: string; payload?: Record<string, unknown> } = {}) => services().outgoingWebhooks.callWebhook(system, {
    url: `${receiver.url}${input.path ?? '/hooks/virel'}`, event: 'booking.confirmed',
    payload: input.payload ?? { booking_ref: 'B-1235', status: 'confirmed' }, idempotencyKey: input.idempotencyKey ?? randomUUID(),
  });
  const requestsTo = (path: string) => receiver.requests.filter((r) => r.path === path);
  const webhookLogs = (webhookId: string) => sql<{ kind: string; outcome: string; summary: string; detail: Record<string, unknown> }>(`
    SELECT l.kind, l.outcome, l.summary, l.detail FROM integration_logs l JOIN integrations i ON i.id = l.integration_id
     WHERE i.code = 'webhook' AND l.detail->>'webhookId' = ? ORDER BY l.created_at`, [webhookId]);

  test('signed with HMAC-SHA256 over `${timestamp}.${body}`: a receiver verifies it; a tampered or stale one fails', async () => {
    const path = `/hooks/${randomUUID()}`;
    const called = await callWebhook({ path });
    expect(called.status).toBe('pending');
    expect(await settled(webhookWorkflowId(called.webhookId))).toEqual({ status: 'sent' });
    const [request] = requestsTo(path);
    const headers = request!.headers;
    expect(headers['x-virel-event']).toBe('booking.confirmed');
    expect(headers['x-virel-delivery']).toBe(called.webhookId);
    expect(request!.json).toMatchObject({ id: called.webhookId, event: 'booking.confirmed', data: { booking_ref: 'B-1235', status: 'confirmed' } });
    // What a receiver in any language does, from the README:
    const timestamp = headers[TIMESTAMP_HEADER.toLowerCase()] as string;
    const expected = `v1=${createHmac('sha256', SIGNING_SECRET).update(`${timestamp}.${request!.body}`).digest('hex')}`;
    expect(headers[SIGNATURE_HEADER.toLowerCase()]).toBe(expected);
    const signed = { signature: headers[SIGNATURE_HEADER.toLowerCase()] as string, timestamp };
    expect(verifyWebhookSignature(SIGNING_SECRET, signed, request!.body)).toBe(true);
    expect(verifyWebhookSignature(SIGNING_SECRET, signed, request!.body.replace('B-1235', 'B-9999'))).toBe(false);
    expect(verifyWebhookSignature('another-secret-another-secret-0123', signed, request!.body)).toBe(false);
    expect(verifyWebhookSignature(SIGNING_SECRET, signed, request!.body, Number(timestamp) + 301)).toBe(false);
    expect(await webhookRow(called.webhookId)).toMatchObject({ status: 'sent', attempts: 1, deliveries: 1, response_status: 200, last_error: null });
  });

  test('retried with backoff when the receiver fails, same body and id each time; then sent', async () => {
    const path = `/hooks/${randomUUID()}`;
    receiver.failNext(2, 503, { error: 'deploying' });
    const called = await callWebhook({ path });
    expect(await settled(webhookWorkflowId(called.webhookId))).toEqual({ status: 'sent' });
    const attempts = requestsTo(path);
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    expect(new Set(attempts.map((a) => a.headers['x-virel-delivery'])).size).toBe(1);
    expect(await webhookRow(called.webhookId)).toMatchObject({ status: 'sent', attempts: 3, response_status: 200, last_error: null });
    // Every attempt is in the `webhook` integration's log, as inbound webhooks are in theirs: the request, the answer, how long it took, the error.
    const logged = await webhookLogs(called.webhookId);
    const request = { method: 'POST', url: `${receiver.url}${path}` };
    expect(logged).toEqual([
      ...[1, 2].map((attempt) => ({
        kind: 'webhook_out', outcome: 'failed', summary: expect.stringMatching(new RegExp(`attempt ${attempt} failed after \\d+ ms: receiver answered HTTP 503$`)),
        detail: { webhookId: called.webhookId, event: 'booking.confirmed', request, attempt, responseStatus: 503, durationMs: expect.any(Number), error: 'receiver answered HTTP 503', retryable: true },
      })),
      {
        kind: 'webhook_out', outcome: 'ok', summary: expect.stringMatching(/answered 200 in \d+ ms \(attempt 3\)$/),
        detail: { webhookId: called.webhookId, event: 'booking.confirmed', request, attempt: 3, responseStatus: 200, durationMs: expect.any(Number), error: null },
      },
    ]);
    // Names and ids only: not the payload.
    expect(JSON.stringify(logged)).not.toContain('B-1235');
  });

  test('an unreachable receiver: each attempt logged failed with the error and no answer', async () => {
    const called = await services().outgoingWebhooks.callWebhook(system, { url: 'http://127.0.0.1:1/hooks/closed?token=secret-in-query', event: 'booking.confirmed', payload: {}, idempotencyKey: randomUUID() });
    expect(await settled(webhookWorkflowId(called.webhookId))).toMatchObject({ status: 'failed' });
    const logged = await webhookLogs(called.webhookId);
    expect(logged).toHaveLength(5);
    expect(logged.every((l) => l.outcome === 'failed' && l.detail.responseStatus === null && typeof l.detail.durationMs === 'number' && /receiver unreachable/.test(String(l.detail.error)))).toBe(true);
    // The URL without its query: a token there never reaches the log.
    expect(logged[0]!.detail.request).toEqual({ method: 'POST', url: 'http://127.0.0.1:1/hooks/closed' });
    expect(JSON.stringify(logged)).not.toContain('secret-in-query');
  });

  test('the active `webhook` integration row\'s signingSecret signs instead of the environment\'s; cleared: the environment\'s again', async () => {
    const [row] = await sql<{ id: string }>(`SELECT id FROM integrations WHERE code = 'webhook'`);
    const rowSecret = `row-signing-secret-${randomUUID()}`;
    const verifiedWith = (path: string) => {
      const [request] = requestsTo(path);
      const signed = { signature: request!.headers['x-virel-signature'] as string, timestamp: request!.headers['x-virel-timestamp'] as string };
      return [rowSecret, SIGNING_SECRET].filter((secret) => verifyWebhookSignature(secret, signed, request!.body));
    };
    const path = `/hooks/${randomUUID()}`;
    try {
      await services().integrations.update(system, row!.id, { secrets: { signingSecret: rowSecret } });
      expect(await settled(webhookWorkflowId((await callWebhook({ path })).webhookId))).toEqual({ status: 'sent' });
      expect(verifiedWith(path)).toEqual([rowSecret]);
    } finally {
      await restoreIntegrations();
    }
    const after = `/hooks/${randomUUID()}`;
    expect(await settled(webhookWorkflowId((await callWebhook({ path: after })).webhookId))).toEqual({ status: 'sent' });
    expect(verifiedWith(after)).toEqual([SIGNING_SECRET]);
  });

  test('a receiver that keeps failing: failed after 5 attempts with the last error; redelivered on demand; the same key sends nothing more', async () => {
    const path = `/hooks/${randomUUID()}`;
    const key = randomUUID();
    receiver.failNext(5, 500, { error: 'boom' });
    const called = await callWebhook({ path, idempotencyKey: key });
    // While its delivery runs (waiting out a backoff), a redelivery is refused and changes nothing.
    await expect(services().outgoingWebhooks.redeliverWebhook(system, called.webhookId)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await settled(webhookWorkflowId(called.webhookId))).toEqual({ status: 'failed', error: 'receiver answered HTTP 500' });
    expect(await webhookRow(called.webhookId)).toMatchObject({ status: 'failed', attempts: 5, deliveries: 1, response_status: 500, last_error: 'receiver answered HTTP 500' });
    expect(requestsTo(path)).toHaveLength(5);

    // A retried call_webhook action: the stored outcome, nothing sent.
    expect(await callWebhook({ path, idempotencyKey: key })).toEqual({ webhookId: called.webhookId, status: 'failed' });
    expect(requestsTo(path)).toHaveLength(5);

    // Redelivery, once the receiver is back.
    const redelivered = await services().outgoingWebhooks.redeliverWebhook(system, called.webhookId);
    expect(redelivered.status).toBe('pending');
    expect(await settled(webhookWorkflowId(called.webhookId))).toEqual({ status: 'sent' });
    expect(await webhookRow(called.webhookId)).toMatchObject({ status: 'sent', attempts: 6, deliveries: 2, response_status: 200, last_error: null });
    const all = requestsTo(path);
    expect(all).toHaveLength(6);
    expect(all[5]!.body).toBe(all[0]!.body);
    expect(verifyWebhookSignature(SIGNING_SECRET, { signature: all[5]!.headers['x-virel-signature'] as string, timestamp: all[5]!.headers['x-virel-timestamp'] as string }, all[5]!.body)).toBe(true);
    const [audit] = await sql<{ action: string; after: { deliveries: number } }>(`SELECT action, after FROM audit_log WHERE entity_type = 'webhook_out' AND entity_id = ?`, [called.webhookId]);
    expect(audit).toMatchObject({ action: 'REDELIVER', after: { deliveries: 2 } });
  });

  test('bad input is VALIDATION and stores nothing; a user without integrations.write is FORBIDDEN', async () => {
    const key = randomUUID();
    const fail = (p: Promise<unknown>) => p.then(() => 'accepted', (e: { code: string; details: { field?: string; permission?: string } }) => `${e.code}:${e.details.field ?? e.details.permission}`);
    const webhooks = services().outgoingWebhooks;
    expect(await fail(webhooks.callWebhook(system, { url: 'ftp://example.com/x', event: 'booking.confirmed', payload: {}, idempotencyKey: key }))).toBe('VALIDATION:url');
    expect(await fail(webhooks.callWebhook(system, { url: 'https://example.com/x', event: 'Booking Confirmed', payload: {}, idempotencyKey: key }))).toBe('VALIDATION:event');
    const operator: Caller = { principal: { id: randomUUID(), roles: ['OPERATOR'], permissions: ['inquiries.write'] } };
    expect(await fail(webhooks.callWebhook(operator, { url: 'https://example.com/x', event: 'booking.confirmed', payload: {}, idempotencyKey: key }))).toBe('FORBIDDEN:integrations.write');
    expect(await sql('SELECT count(*)::int AS n FROM webhooks_out WHERE idempotency_key = ?', [key])).toEqual([{ n: 0 }]);
  });
});

describe('logs', () => {
  test('no recipient, content or payload ever reaches a log line', () => {
    const everything = logLines.join('');
    expect(logLines.some((line) => line.includes('"message sent"'))).toBe(true);
    expect(logLines.some((line) => line.includes('"webhook attempt failed"'))).toBe(true);
    for (const pii of ['@example.com', '447700900123', '424242', '777001', 'Hello Ann', 'B-1235', 'Ann Client']) expect(everything).not.toContain(pii);
  });
});
