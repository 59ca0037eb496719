/**
 * Inbound channels (issue 12 item 4) through the real API, worker, PostgreSQL and Temporal, with
 * the integrations configured through GraphQL: each channel verified as its platform specifies
 * (forged and unsigned requests 4xx with nothing stored), the same message delivered twice is
 * one inquiry, a client's second message reaches the same inquiry (timeline entry,
 * inquiry.client_replied, a task when the inquiry awaits the client), spam and the rate limit
 * refused, testing / disabled integrations, the sweep delivering a stored row, and the operator's
 * reply on the inquiry's channel.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHmac, randomUUID } from 'node:crypto';
import { createInboundDelivery } from '../services/inbound.ts';
import type { MessagingConfig } from '../platform/config.ts';
import { startPlatformProcess, type PlatformProcess } from '../launcher/platform-process.ts';
import { TEST_JWT_SECRET, UNCONFIGURED_MESSAGING, startTestPlatform, testEnv, type TestPlatform } from './support/platform.ts';
import { startTelegramStandIn, startWhatsAppStandIn, type StandIn } from './support/stand-ins.ts';
import { eventually, until } from './support/wait.ts';

const BOT_TOKEN = '424242:AAH-inbound-channels-token';
const TG_SECRET = 'telegram-inbound-secret-0123456789';
const WA_TOKEN = 'EAAG-inbound-channels-access-token';
const WA_PHONE_ID = '2098765432';
const WA_APP_SECRET = 'whatsapp-app-secret-0123456789';
const WA_VERIFY = 'whatsapp-verify-token-0123456789';

let platform: TestPlatform;
let telegram: StandIn;
let whatsapp: StandIn;
beforeAll(async () => {
  [telegram, whatsapp] = await Promise.all([startTelegramStandIn(BOT_TOKEN), startWhatsAppStandIn(WA_PHONE_ID, WA_TOKEN)]);
  const messaging: MessagingConfig = {
    ...UNCONFIGURED_MESSAGING,
    telegram: { apiUrl: telegram.url, botToken: BOT_TOKEN },
    whatsapp: { apiUrl: whatsapp.url, accessToken: WA_TOKEN, phoneNumberId: WA_PHONE_ID },
  };
  platform = await startTestPlatform({ messaging });
}, 90_000);
afterAll(async () => {
  await Promise.all([platform?.stop(), telegram?.stop(), whatsapp?.stop()]);
});

const suffix = () => randomUUID().replaceAll('-', '').slice(0, 10);
const admin = () => platform.as('INTEGRATIONS_ADMIN');

async function integration(type: string, status: string, settings = '[]', secrets = '[]'): Promise<{ id: string; code: string }> {
  const code = `${type}_${suffix()}`;
  const result = await platform.gql<{ createIntegration: { id: string } }>(
    `mutation { createIntegration(input: { code: "${code}", name: "${type}", type: ${type}, status: ${status}, settings: ${settings}, secrets: ${secrets} }) { id } }`, undefined, await admin());
  expect(result.errors).toBeUndefined();
  return { id: result.data!.createIntegration.id, code };
}

const post = (path: string, body: string | object, headers: Record<string, string> = {}) => fetch(`${platform.url}${path}`, {
  method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body),
});

type InquiryRow = { id: string; ref: string; source: string; external_ref: string; status: string; message: string };
const inquiriesOf = (externalRefPrefix: string) => platform.sql<InquiryRow>(
  `SELECT id, ref, source, external_ref, status, message FROM inquiries WHERE external_ref LIKE ? ORDER BY created_at`, [`${externalRefPrefix}%`]);
const storedOf = async (integrationId: string) => Number((await platform.sql<{ n: string }>('SELECT count(*) AS n FROM webhooks_in WHERE integration_id = ?', [integrationId]))[0]!.n);
const inboundOf = (inquiryId: string) => platform.sql<{ body_text: string; channel: string }>(
  `SELECT body_text, channel FROM messages WHERE subject_id = ? AND direction = 'inbound' ORDER BY created_at`, [inquiryId]);
const repliesOf = (inquiryId: string) => platform.sql<{ payload: { excerpt: string; channel: string } }>(
  `SELECT payload FROM domain_events WHERE entity_id = ? AND event_type = 'inquiry.client_replied' ORDER BY created_at`, [inquiryId]);
/** Every webhook row of the integration settled (delivered or ignored). */
const settled = (integrationId: string) => until(async () => (await platform.sql(`SELECT 1 FROM webhooks_in WHERE integration_id = ? AND status = 'received'`, [integrationId])).length === 0, 'deliveries', 30_000);

describe('Telegram', () => {
  let tg: { id: string; code: string };
  beforeAll(async () => {
    tg = await integration('telegram', 'active', `[{ name: "apiUrl", value: "${telegram.url}" }]`,
      `[{ name: "botToken", value: "${BOT_TOKEN}" }, { name: "webhookSecret", value: "${TG_SECRET}" }]`);
  });
  const path = () => `/api/v1/inbound/telegram/${tg.code}`;
  const update = (updateId: number, chatId: number, messageId: number, text: string) => ({
    update_id: updateId, message: { message_id: messageId, date: Math.floor(Date.now() / 1000), text, chat: { id: chatId, type: 'private' }, from: { id: chatId, first_name: 'Mia', last_name: 'Client' } },
  });

  test('forged or unsigned updates are 401 and store nothing', async () => {
    const before = await storedOf(tg.id);
    expect((await post(path(), update(1, 5001, 1, 'hi'))).status).toBe(401);
    expect((await post(path(), update(1, 5001, 1, 'hi'), { 'x-telegram-bot-api-secret-token': 'wrong-secret-value-000000' })).status).toBe(401);
    expect(await storedOf(tg.id)).toBe(before);
    expect(await inquiriesOf(`${tg.code}:`)).toEqual([]);
    const refused = await platform.sql<{ outcome: string }>(`SELECT outcome FROM integration_logs WHERE integration_id = ? AND outcome = 'refused'`, [tg.id]);
    expect(refused.length).toBe(2);
  });

  test('the same update twice is one inquiry; the client\'s second message reaches it as a reply', async () => {
    const chat = 600_000 + Math.floor(Math.random() * 100_000);
    const first = update(chat * 10, chat, 1, 'Hello, is Friday evening free?');
    const headers = { 'x-telegram-bot-api-secret-token': TG_SECRET };
    const answers = await Promise.all([post(path(), first, headers), post(path(), first, headers)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await settled(tg.id);
    const [inquiry, ...others] = await eventually(() => inquiriesOf(`${tg.code}:${chat}:`), (rows) => rows.length > 0);
    expect(others).toEqual([]);
    expect(inquiry).toMatchObject({ source: 'telegram', external_ref: `${tg.code}:${chat}:1`, status: 'new', message: 'Hello, is Friday evening free?' });

    expect((await post(path(), update(chat * 10 + 1, chat, 2, 'Or Saturday?'), headers)).status).toBe(200);
    // Delivered again (Telegram retries an update it had no answer to): still one reply.
    expect((await post(path(), update(chat * 10 + 1, chat, 2, 'Or Saturday?'), headers)).status).toBe(200);
    const replies = await eventually(() => repliesOf(inquiry!.id), (rows) => rows.length > 0);
    expect(replies.map((r) => r.payload)).toEqual([expect.objectContaining({ excerpt: 'Or Saturday?', channel: 'telegram' })]);
    expect(await inquiriesOf(`${tg.code}:${chat}:`)).toHaveLength(1);
    expect((await inboundOf(inquiry!.id)).map((m) => m.body_text)).toEqual(['Hello, is Friday evening free?', 'Or Saturday?']);
    const timeline = await platform.sql(`SELECT 1 FROM entity_timeline WHERE entity_id = ? AND event_type = 'inquiry.client_replied'`, [inquiry!.id]);
    expect(timeline).toHaveLength(1);
    // Not awaiting the client: no task.
    expect(await platform.sql(`SELECT 1 FROM tasks WHERE entity_id = ? AND type = 'client_replied'`, [inquiry!.id])).toEqual([]);

    // The operator replies on Telegram, to the chat the client wrote from, through the outbound layer.
    const reply = await platform.gql<{ replyToInquiry: { id: string; channel: string } }>(
      `mutation { replyToInquiry(id: "${inquiry!.id}", text: "Friday at 7 pm works.") { id channel } }`, undefined, { ...(await platform.as('OWNER')), 'idempotency-key': `reply-${chat}` });
    expect(reply.data?.replyToInquiry.channel).toBe('telegram');
    // Stored for delivery on the channel the client wrote from (the Telegram adapter's own delivery
    // is test/messaging.test.ts's: other suites' workers share these task queues with other settings).
    expect(await platform.sql(`SELECT channel, recipient, body_text, direction FROM messages WHERE subject_id = ? AND direction = 'outbound'`, [inquiry!.id]))
      .toEqual([{ channel: 'telegram', recipient: String(chat), body_text: 'Friday at 7 pm works.', direction: 'outbound' }]);
    // The same Idempotency-Key again sends nothing more.
    const again = await platform.gql<{ replyToInquiry: { id: string } }>(
      `mutation { replyToInquiry(id: "${inquiry!.id}", text: "Friday at 7 pm works.") { id channel } }`, undefined, { ...(await platform.as('OWNER')), 'idempotency-key': `reply-${chat}` });
    expect(again.data?.replyToInquiry.id).toBe(reply.data?.replyToInquiry.id);
    const conversation = await platform.gql<{ inquiry: { conversation: Array<{ direction: string; text: string }> } }>(
      `{ inquiry(id: "${inquiry!.id}") { conversation { direction text } } }`);
    expect(conversation.data?.inquiry.conversation).toEqual([
      { direction: 'inbound', text: 'Hello, is Friday evening free?' }, { direction: 'inbound', text: 'Or Saturday?' }, { direction: 'outbound', text: 'Friday at 7 pm works.' },
    ]);
    // Whoever sees the inquiry sees its conversation; the client's address only with pii.read.
    const addresses = async (role: string) => (await platform.gql<{ inquiry: { conversation: Array<{ address: string }> } | null }>(
      `{ inquiry(id: "${inquiry!.id}") { conversation { address } } }`, undefined, await platform.as(role))).data?.inquiry?.conversation.map((m) => m.address);
    expect(await addresses('OWNER')).toEqual([String(chat), String(chat), String(chat)]);
    const masked = await addresses('OPERATOR');
    expect(masked).toHaveLength(3);
    expect(masked!.every((a) => a !== String(chat) && a.includes('***'))).toBe(true);
    expect(await addresses('CONTENT_MANAGER')).toBeUndefined();
  });

  test('a reply to an inquiry awaiting the client becomes a task for its operator', async () => {
    const chat = 700_000 + Math.floor(Math.random() * 100_000);
    const headers = { 'x-telegram-bot-api-secret-token': TG_SECRET };
    await post(path(), update(chat * 10, chat, 1, 'I would like to book'), headers);
    const [inquiry] = await eventually(() => inquiriesOf(`${tg.code}:${chat}:`), (rows) => rows.length > 0);
    const operator = await platform.userId('lukas@virel.local');
    for (const to of ['qualified', 'awaiting_client']) {
      const moved = await platform.gql(`mutation { changeStatus(input: { entity: { type: inquiry, id: "${inquiry!.id}" }, to: "${to}" }) { to } }`);
      expect(moved.errors).toBeUndefined();
    }
    expect((await platform.gql(`mutation { assign(input: { entity: { type: inquiry, id: "${inquiry!.id}" }, assigneeId: "${operator}" }) { entityId } }`)).errors).toBeUndefined();
    await post(path(), update(chat * 10 + 1, chat, 2, 'Here is my answer'), headers);
    const tasks = await eventually(() => platform.sql<{ assigned_to: string; priority: string; status: string }>(
      `SELECT assigned_to, priority, status FROM tasks WHERE entity_id = ? AND type = 'client_replied'`, [inquiry!.id]), (rows) => rows.length > 0, 30_000);
    expect(tasks).toEqual([{ assigned_to: operator, priority: 'high', status: 'open' }]);
    // It is in the operator's Action Center.
    const center = await platform.gql<{ actionCenter: { groups: Array<{ items: Array<{ type: string; entity: { id: string } }> }> } }>(
      '{ actionCenter(first: 100) { groups { items { type entity { id } } } } }', undefined, await platform.as('OPERATOR:lukas'));
    const items = center.data!.actionCenter.groups.flatMap((g) => g.items);
    expect(items.filter((i) => i.entity.id === inquiry!.id).map((i) => i.type)).toEqual(['client_replied']);
  });
});

describe('WhatsApp', () => {
  let wa: { id: string; code: string };
  beforeAll(async () => {
    wa = await integration('whatsapp', 'active', `[{ name: "apiUrl", value: "${whatsapp.url}" }, { name: "phoneNumberId", value: "\\"${WA_PHONE_ID}\\"" }]`,
      `[{ name: "accessToken", value: "${WA_TOKEN}" }, { name: "appSecret", value: "${WA_APP_SECRET}" }, { name: "verifyToken", value: "${WA_VERIFY}" }]`);
  });
  const path = () => `/api/v1/inbound/whatsapp/${wa.code}`;
  const notification = (from: string, id: string, text: string) => JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: 'WABA', changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp', metadata: { phone_number_id: WA_PHONE_ID },
      contacts: [{ wa_id: from, profile: { name: 'Noah Client' } }],
      messages: [{ from, id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
    } }] }],
  });
  const sign = (body: string, secret = WA_APP_SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

  test('the verification handshake answers the challenge only for the configured token', async () => {
    const ok = await fetch(`${platform.url}${path()}?hub.mode=subscribe&hub.verify_token=${WA_VERIFY}&hub.challenge=1158201444`);
    expect([ok.status, await ok.text()]).toEqual([200, '1158201444']);
    expect((await fetch(`${platform.url}${path()}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`)).status).toBe(403);
    expect((await fetch(`${platform.url}${path()}?hub.mode=unsubscribe&hub.verify_token=${WA_VERIFY}&hub.challenge=1`)).status).toBe(403);
  });

  test('unsigned, forged or re-signed-with-another-secret notifications are 401 and store nothing', async () => {
    const before = await storedOf(wa.id);
    const body = notification('447700900001', `wamid.F${suffix()}`, 'forged');
    expect((await post(path(), body)).status).toBe(401);
    expect((await post(path(), body, { 'x-hub-signature-256': sign(body, 'another-app-secret-0000') })).status).toBe(401);
    // A valid signature of another body.
    expect((await post(path(), body, { 'x-hub-signature-256': sign(body.replace('forged', 'genuine')) })).status).toBe(401);
    expect(await storedOf(wa.id)).toBe(before);
  });

  test('the same message twice is one inquiry; the second message reaches it', async () => {
    const from = `4477009${Math.floor(100_000 + Math.random() * 800_000)}`;
    const id = `wamid.A${suffix()}`;
    const body = notification(from, id, 'Hi, available tonight?');
    expect((await post(path(), body, { 'x-hub-signature-256': sign(body) })).status).toBe(200);
    expect((await post(path(), body, { 'x-hub-signature-256': sign(body) })).status).toBe(200);
    const [inquiry, ...others] = await eventually(() => inquiriesOf(`${wa.code}:${id}`), (rows) => rows.length > 0);
    expect(others).toEqual([]);
    expect(inquiry).toMatchObject({ source: 'whatsapp', message: 'Hi, available tonight?' });
    const [client] = await platform.sql<{ client_phone: string }>('SELECT client_phone FROM inquiries WHERE id = ?', [inquiry!.id]);
    expect(client!.client_phone).toBe(`+${from}`);

    const second = notification(from, `wamid.B${suffix()}`, 'At 9 pm');
    expect((await post(path(), second, { 'x-hub-signature-256': sign(second) })).status).toBe(200);
    await eventually(() => repliesOf(inquiry!.id), (rows) => rows.length > 0);
    expect((await inboundOf(inquiry!.id)).map((m) => m.body_text)).toEqual(['Hi, available tonight?', 'At 9 pm']);
    expect(await platform.sql('SELECT 1 FROM inquiries WHERE client_phone = ?', [`+${from}`])).toHaveLength(1);
  });
});

describe('web form', () => {
  let form: { id: string; code: string };
  beforeAll(async () => {
    form = await integration('web_form', 'active', '[{ name: "perAddressPerHour", value: "50" }]');
  });
  const path = () => `/api/v1/inbound/web-form/${form.code}`;
  const submission = (email: string, message: string, extra: Record<string, unknown> = {}) => ({
    name: 'Ava Client', email, message, rendered_at: Date.now() - 10_000, ...extra,
  });
  const from = () => ({ 'x-forwarded-for': `198.51.100.${Math.floor(Math.random() * 250) + 1}` });

  test('the same submission twice is one inquiry; a later one from the same address reaches it', async () => {
    const email = `ava.${suffix()}@example.com`;
    const body = submission(email, 'Looking for Saturday afternoon', { submission_id: `sub_${suffix()}` });
    const answers = await Promise.all([post(path(), body, from()), post(path(), body, from())]);
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    const rows = await eventually(() => platform.sql<InquiryRow>(`SELECT id, source, status, message FROM inquiries WHERE client_email = ?`, [email]), (r) => r.length > 0);
    expect(rows).toEqual([expect.objectContaining({ source: 'web', message: 'Looking for Saturday afternoon' })]);
    // Form-encoded, as a plain HTML form posts it.
    const second = new URLSearchParams({ email, message: 'Any time after 2 pm', rendered_at: String(Date.now() - 10_000) }).toString();
    expect((await post(path(), second, { 'content-type': 'application/x-www-form-urlencoded', ...from() })).status).toBe(202);
    await eventually(() => repliesOf(rows[0]!.id), (r) => r.length > 0);
    expect(await platform.sql('SELECT 1 FROM inquiries WHERE client_email = ?', [email])).toHaveLength(1);
    expect((await inboundOf(rows[0]!.id)).map((m) => m.channel)).toEqual(['web', 'web']);
  });

  test('spam is refused (honeypot, filled too fast, disposable domain) and nothing is stored', async () => {
    const before = await storedOf(form.id);
    const cases = [
      submission(`bot.${suffix()}@example.com`, 'buy now', { website: 'http://spam.example' }),
      submission(`fast.${suffix()}@example.com`, 'hello', { rendered_at: Date.now() - 500 }),
      submission(`nobody.${suffix()}@example.com`, 'hello', { rendered_at: undefined }),
      submission(`x.${suffix()}@mailinator.com`, 'hello'),
      submission(`x.${suffix()}@tempmail.net`, 'hello'),
    ];
    for (const body of cases) {
      const answer = await post(path(), body, from());
      expect(answer.status).toBe(422);
      expect(((await answer.json()) as { error: string }).error).toMatch(/^Refused as spam/);
    }
    expect((await post(path(), { message: 'no contact' }, from())).status).toBe(400);
    expect(await storedOf(form.id)).toBe(before);
  });

  test('more than the hourly limit from one address is 429 with Retry-After; another address is served', async () => {
    const limited = await integration('web_form', 'active', '[{ name: "perAddressPerHour", value: "2" }]');
    const address = { 'x-forwarded-for': '203.0.113.77' };
    const send = (headers: Record<string, string>) => post(`/api/v1/inbound/web-form/${limited.code}`, submission(`r.${suffix()}@example.com`, `message ${suffix()}`), headers);
    expect((await send(address)).status).toBe(202);
    expect((await send(address)).status).toBe(202);
    const third = await send(address);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await storedOf(limited.id)).toBe(2);
    expect((await send({ 'x-forwarded-for': '203.0.113.78' })).status).toBe(202);
  });
});

describe('partner API', () => {
  let partner: { id: string; code: string };
  let apiKey: string;
  beforeAll(async () => {
    partner = await integration('partner', 'active');
    const issued = await platform.gql<{ issuePartnerApiKey: { apiKey: string } }>(`mutation { issuePartnerApiKey(id: "${partner.id}") { apiKey } }`, undefined, await admin());
    apiKey = issued.data!.issuePartnerApiKey.apiKey;
  });
  const lead = (reference: string, message: string) => ({ reference, name: 'Leo Lead', email: `leo.${reference}@example.com`, message });

  test('no key, a wrong key or no Idempotency-Key: refused, nothing stored', async () => {
    const before = await storedOf(partner.id);
    expect((await post('/api/v1/inbound/partner', lead('L1', 'x'), { 'idempotency-key': 'key-00000001' })).status).toBe(401);
    expect((await post('/api/v1/inbound/partner', lead('L1', 'x'), { authorization: `Bearer ${apiKey.slice(0, -2)}xx`, 'idempotency-key': 'key-00000001' })).status).toBe(401);
    expect((await post('/api/v1/inbound/partner', lead('L1', 'x'), { authorization: `Bearer ${apiKey}` })).status).toBe(400);
    expect(await storedOf(partner.id)).toBe(before);
  });

  test('the same Idempotency-Key twice is one inquiry; the partner\'s follow-up on the lead reaches it', async () => {
    const reference = `lead-${suffix()}`;
    const headers = { authorization: `Bearer ${apiKey}`, 'idempotency-key': `idem-${suffix()}` };
    const [a, b] = await Promise.all([post('/api/v1/inbound/partner', lead(reference, 'Client wants Sunday'), headers), post('/api/v1/inbound/partner', lead(reference, 'Client wants Sunday'), headers)]);
    expect([a.status, b.status]).toEqual([202, 202]);
    const [inquiry, ...others] = await eventually(() => inquiriesOf(`${partner.code}:${reference}:`), (rows) => rows.length > 0);
    expect(others).toEqual([]);
    expect(inquiry).toMatchObject({ source: 'partner', message: 'Client wants Sunday' });
    const followUp = await post('/api/v1/inbound/partner', lead(reference, 'Sunday 3 pm'), { authorization: `Bearer ${apiKey}`, 'idempotency-key': `idem-${suffix()}` });
    expect(followUp.status).toBe(202);
    await eventually(() => repliesOf(inquiry!.id), (rows) => rows.length > 0);
    expect(await inquiriesOf(`${partner.code}:${reference}:`)).toHaveLength(1);
  });
});

describe('integration status', () => {
  const headers = { 'x-telegram-bot-api-secret-token': TG_SECRET };
  const body = (n: number) => ({ update_id: n, message: { message_id: 1, date: 1, text: 'status test', chat: { id: n, type: 'private' } } });

  test('testing: verified, received and logged, no inquiry', async () => {
    const tg = await integration('telegram', 'testing', '[]', `[{ name: "webhookSecret", value: "${TG_SECRET}" }]`);
    const answer = await post(`/api/v1/inbound/telegram/${tg.code}`, body(1), headers);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ received: true, testing: true });
    expect(await platform.sql('SELECT status, error FROM webhooks_in WHERE integration_id = ?', [tg.id])).toEqual([{ status: 'ignored', error: expect.stringContaining('testing') }]);
    expect(await platform.sql(`SELECT outcome FROM integration_logs WHERE integration_id = ? AND kind = 'webhook_in'`, [tg.id])).toEqual([{ outcome: 'testing' }]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await inquiriesOf(`${tg.code}:`)).toEqual([]);
    // A forged one is still refused in testing.
    expect((await post(`/api/v1/inbound/telegram/${tg.code}`, body(2))).status).toBe(401);
  });

  test('disabled: 503, nothing stored; an unknown integration is 404', async () => {
    const tg = await integration('telegram', 'disabled', '[]', `[{ name: "webhookSecret", value: "${TG_SECRET}" }]`);
    expect((await post(`/api/v1/inbound/telegram/${tg.code}`, body(1), headers)).status).toBe(503);
    expect(await storedOf(tg.id)).toBe(0);
    expect((await post(`/api/v1/inbound/telegram/no_such_${suffix()}`, body(1), headers)).status).toBe(404);
    // Enabled again, the same update is taken.
    await platform.gql(`mutation { updateIntegration(id: "${tg.id}", input: { status: active }) { status } }`, undefined, await admin());
    expect((await post(`/api/v1/inbound/telegram/${tg.code}`, body(1), headers)).status).toBe(200);
    await eventually(() => inquiriesOf(`${tg.code}:`), (rows) => rows.length === 1);
  });
});

describe('crash between acknowledgement and delivery', () => {
  test('a stored row no process delivered is delivered from the database, once, however often', async () => {
    const tg = await integration('telegram', 'active', '[]', `[{ name: "webhookSecret", value: "${TG_SECRET}" }]`);
    const chat = 800_000 + Math.floor(Math.random() * 100_000);
    // As the API stores it just before dying: acknowledged, never delivered.
    await platform.sql(`INSERT INTO webhooks_in (integration_id, event_type, headers, payload, idempotency_key, received_at)
      VALUES (?, 'telegram.update', '{}', ?::jsonb, ?, now() - interval '1 minute')`,
    [tg.id, JSON.stringify({ update_id: chat, message: { message_id: 7, date: 1, text: 'lost?', chat: { id: chat, type: 'private' } } }), `update:${chat}`]);
    const delivery = () => createInboundDelivery({ em: platform.orm.em.fork(), temporal: platform.temporal });
    const waiting = await delivery().undelivered(1000, 100);
    const [row] = await platform.sql<{ id: string }>('SELECT id FROM webhooks_in WHERE integration_id = ?', [tg.id]);
    expect(waiting).toContain(row!.id);
    await Promise.all([delivery().deliver(row!.id), delivery().deliver(row!.id)]);
    expect(await delivery().deliver(row!.id)).toBe('settled');
    expect(await inquiriesOf(`${tg.code}:${chat}:`)).toEqual([expect.objectContaining({ external_ref: `${tg.code}:${chat}:7`, message: 'lost?' })]);
    expect(await platform.sql('SELECT status, entity_type FROM webhooks_in WHERE id = ?', [row!.id])).toEqual([{ status: 'processed', entity_type: 'inquiry' }]);
  });
});

describe('two API processes at once', () => {
  let second: PlatformProcess | undefined;
  afterAll(async () => {
    await second?.stop();
  });

  test('ten first messages of one client, half through each of two API processes, at once: one inquiry, and the other nine continue it', async () => {
    // A second API as an OS process of its own: nothing in memory is shared with this one.
    second = await startPlatformProcess('api', { DATABASE_URL: testEnv().databaseUrl, TEMPORAL_ADDRESS: testEnv().temporalAddress, JWT_SECRET: TEST_JWT_SECRET, API_HOST: '127.0.0.1' });
    const tg = await integration('telegram', 'active', '[]', `[{ name: "webhookSecret", value: "${TG_SECRET}" }]`);
    const chat = 900_000 + Math.floor(Math.random() * 90_000);
    const texts = Array.from({ length: 10 }, (_, i) => `message ${i + 1} from ${chat}`);
    const updates = texts.map((text, i) => ({
      update_id: chat * 100 + i, message: { message_id: i + 1, date: Math.floor(Date.now() / 1000), text, chat: { id: chat, type: 'private' }, from: { id: chat, first_name: 'Ida' } },
    }));
    const answers = await Promise.all(updates.map((update, i) => fetch(`${i % 2 === 0 ? platform.url : second!.url}/api/v1/inbound/telegram/${tg.code}`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TG_SECRET }, body: JSON.stringify(update),
    })));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    await settled(tg.id);

    // Counted: one inquiry for the conversation, opened by one of the ten.
    const opened = await inquiriesOf(`${tg.code}:${chat}:`);
    expect(opened).toHaveLength(1);
    const inquiry = opened[0]!;
    expect(texts).toContain(inquiry.message);
    // All ten messages are on it; the nine others reached it as replies (one client_replied each).
    expect((await inboundOf(inquiry.id)).map((m) => m.body_text).sort()).toEqual([...texts].sort());
    const replies = await eventually(() => repliesOf(inquiry.id), (rows) => rows.length >= 9);
    expect(replies.map((r) => r.payload.excerpt).sort()).toEqual(texts.filter((t) => t !== inquiry.message).sort());
    // Every stored update was delivered to that inquiry, and the conversation names it.
    expect(await platform.sql(`SELECT DISTINCT status, entity_id FROM webhooks_in WHERE integration_id = ?`, [tg.id])).toEqual([{ status: 'processed', entity_id: inquiry.id }]);
    expect(await platform.sql('SELECT opening_ref FROM inbound_conversations WHERE conversation_key = ?', [`${tg.code}:${chat}`]))
      .toEqual([{ opening_ref: inquiry.external_ref }]);
    expect(await platform.sql<{ n: number }>(`SELECT count(*)::int AS n FROM webhooks_in WHERE integration_id = ?`, [tg.id])).toEqual([{ n: 10 }]);
  }, 120_000);

  test('once the inquiry is closed, the client\'s next message opens a new one', async () => {
    const tg = await integration('telegram', 'active', '[]', `[{ name: "webhookSecret", value: "${TG_SECRET}" }]`);
    const chat = 990_000 + Math.floor(Math.random() * 9_000);
    const headers = { 'x-telegram-bot-api-secret-token': TG_SECRET };
    const say = (n: number, text: string) => post(`/api/v1/inbound/telegram/${tg.code}`, {
      update_id: chat * 10 + n, message: { message_id: n, date: Math.floor(Date.now() / 1000), text, chat: { id: chat, type: 'private' } },
    }, headers);
    expect((await say(1, 'first request')).status).toBe(200);
    const [first] = await eventually(() => inquiriesOf(`${tg.code}:${chat}:`), (rows) => rows.length === 1);
    const lost = await platform.gql(`mutation { changeStatus(input: { entity: { type: inquiry, id: "${first!.id}" }, to: "spam", reason: "not a real client" }) { to } }`);
    expect(lost.errors).toBeUndefined();
    expect((await say(2, 'a new request')).status).toBe(200);
    const both = await eventually(() => inquiriesOf(`${tg.code}:${chat}:`), (rows) => rows.length === 2);
    expect(both.map((i) => [i.external_ref, i.message])).toEqual([[`${tg.code}:${chat}:1`, 'first request'], [`${tg.code}:${chat}:2`, 'a new request']]);
    expect(await repliesOf(first!.id)).toEqual([]);
  });
});
