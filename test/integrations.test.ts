/**
 * Integrations as data (issue 12 item 5) through the real API and database: secrets sealed in
 * the row and never in any API answer, settings merged, bad configuration refused with nothing
 * changed, a connection test per kind against the real servers (localstripe through the SDK,
 * maildev's SMTP) and the HTTP stand-ins (Telegram getMe, WhatsApp Graph API), the log, and key
 * rotation (re-sealing with a new key; an unknown key refuses to open).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { openIntegration, resealAll } from '../services/integrations.ts';
import { DEV_INTEGRATIONS_KEYS, KeyringError, parseKeyring } from '../platform/secret-box.ts';
import { startTestMailCatcher, type TestMailCatcher } from './support/mail-catcher.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { startTelegramStandIn, startWhatsAppStandIn, type StandIn } from './support/stand-ins.ts';

const BOT_TOKEN = '123456:AAH-integration-test-token';
const WEBHOOK_SECRET = 'telegram-secret-token-0123456789';
const WA_TOKEN = 'EAAG-integration-test-access-token';
const WA_PHONE_ID = '1098765432';

let platform: TestPlatform;
let telegram: StandIn;
let whatsapp: StandIn;
let mail: TestMailCatcher;
beforeAll(async () => {
  [platform, telegram, whatsapp, mail] = await Promise.all([
    startTestPlatform({ worker: false }), startTelegramStandIn(BOT_TOKEN), startWhatsAppStandIn(WA_PHONE_ID, WA_TOKEN), startTestMailCatcher(),
  ]);
});
afterAll(async () => {
  await Promise.all([platform?.stop(), telegram?.stop(), whatsapp?.stop(), mail?.stop()]);
});

const code = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
const admin = () => platform.as('INTEGRATIONS_ADMIN');

const FIELDS = 'id code name type status settings { name value } secrets { name set } apiKeyIssuedAt';

type View = { id: string; code: string; status: string; settings: Array<{ name: string; value: string }>; secrets: Array<{ name: string; set: boolean }> };

async function create(input: string): Promise<View> {
  const result = await platform.gql<{ createIntegration: View }>(`mutation { createIntegration(input: ${input}) { ${FIELDS} } }`, undefined, await admin());
  expect(result.errors).toBeUndefined();
  return result.data!.createIntegration;
}

describe('secrets at rest and in the API', () => {
  test('a Telegram integration: secrets sealed in the row, reported only as set, in no answer of the API', async () => {
    const c = code('tg');
    const created = await create(`{ code: "${c}", name: "Bot", type: telegram, settings: [{ name: "apiUrl", value: "${telegram.url}" }],
      secrets: [{ name: "botToken", value: "${BOT_TOKEN}" }, { name: "webhookSecret", value: "${WEBHOOK_SECRET}" }] }`);
    expect(created).toMatchObject({ code: c, status: 'testing', secrets: [{ name: 'botToken', set: true }, { name: 'webhookSecret', set: true }] });
    expect(created.settings).toEqual([{ name: 'apiUrl', value: JSON.stringify(telegram.url) }]);

    // The row: AES-256-GCM under the development key, the token nowhere in clear.
    const [row] = await platform.sql<{ config: Record<string, unknown>; text: string }>('SELECT config, config::text AS text FROM integrations WHERE code = ?', [c]);
    expect(row!.text).not.toContain(BOT_TOKEN);
    expect(row!.text).not.toContain(WEBHOOK_SECRET);
    expect(row!.config.secrets).toMatchObject({ alg: 'A256GCM', kid: 'dev' });
    // ... and it opens to what was given.
    expect((await openIntegration(platform.orm.em.fork(), c))?.secrets).toEqual({ botToken: BOT_TOKEN, webhookSecret: WEBHOOK_SECRET });

    // Every read of the API, by every role that may read: no secret in the answer.
    for (const role of ['OWNER', 'INTEGRATIONS_ADMIN', 'READ_ONLY']) {
      const answers = JSON.stringify([
        await platform.gql(`{ integrations(first: 100) { edges { node { ${FIELDS} } } } }`, undefined, await platform.as(role)),
        await platform.gql(`{ integration(id: "${created.id}") { ${FIELDS} } }`, undefined, await platform.as(role)),
        await platform.gql('{ integrationLogs(first: 100) { edges { node { summary detail } } } }', undefined, await platform.as(role)),
      ]);
      expect(answers).toContain(c);
      expect(answers).not.toContain(BOT_TOKEN);
      expect(answers).not.toContain(WEBHOOK_SECRET);
      expect(answers).not.toContain((row!.config.secrets as { data: string }).data);
    }
  });

  test('a change merges: a new secret keeps the other, null clears one, settings stay unless named', async () => {
    const created = await create(`{ code: "${code('tg')}", name: "Bot", type: telegram, settings: [{ name: "bot", value: "virel_bot" }], secrets: [{ name: "botToken", value: "${BOT_TOKEN}" }] }`);
    const updated = await platform.gql<{ updateIntegration: View }>(`mutation { updateIntegration(id: "${created.id}", input: {
      status: active, secrets: [{ name: "webhookSecret", value: "${WEBHOOK_SECRET}" }] }) { ${FIELDS} } }`, undefined, await admin());
    expect(updated.data?.updateIntegration).toMatchObject({ status: 'active', settings: [{ name: 'bot', value: '"virel_bot"' }], secrets: [{ name: 'botToken', set: true }, { name: 'webhookSecret', set: true }] });
    const cleared = await platform.gql<{ updateIntegration: View }>(`mutation { updateIntegration(id: "${created.id}", input: { secrets: [{ name: "botToken", value: null }] }) { ${FIELDS} } }`, undefined, await admin());
    expect(cleared.data?.updateIntegration.secrets).toEqual([{ name: 'botToken', set: false }, { name: 'webhookSecret', set: true }]);
    expect((await openIntegration(platform.orm.em.fork(), created.code))?.secrets).toEqual({ webhookSecret: WEBHOOK_SECRET });
  });

  test('bad configuration is VALIDATION naming the field, and nothing changes', async () => {
    const created = await create(`{ code: "${code('wa')}", name: "WA", type: whatsapp }`);
    const before = await platform.sql('SELECT config, status FROM integrations WHERE id = ?', [created.id]);
    for (const [input, field] of [
      ['{ secrets: [{ name: "botToken", value: "x" }] }', 'secrets.botToken'],
      ['{ settings: [{ name: "phoneNumberId", value: "\\"abc\\"" }] }', 'settings.phoneNumberId'],
      ['{ status: active, secrets: [{ name: "appSecret", value: "short" }] }', 'secrets.appSecret'],
    ] as const) {
      const result = await platform.gql(`mutation { updateIntegration(id: "${created.id}", input: ${input}) { id } }`, undefined, await admin());
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field });
    }
    expect(await platform.sql('SELECT config, status FROM integrations WHERE id = ?', [created.id])).toEqual(before);
    const taken = await platform.gql(`mutation { createIntegration(input: { code: "${created.code}", name: "Again", type: smtp }) { id } }`, undefined, await admin());
    expect(taken.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
  });

  test('a partner API key is shown once and stored only as an argon2 hash', async () => {
    const partner = await create(`{ code: "${code('partner')}", name: "Partner", type: partner }`);
    const issued = await platform.gql<{ issuePartnerApiKey: { apiKey: string; integration: { apiKeyIssuedAt: string } } }>(
      `mutation { issuePartnerApiKey(id: "${partner.id}") { apiKey integration { apiKeyIssuedAt } } }`, undefined, await admin());
    const apiKey = issued.data!.issuePartnerApiKey.apiKey;
    expect(apiKey).toMatch(/^vpk_[a-f0-9]{16}_/);
    expect(issued.data!.issuePartnerApiKey.integration.apiKeyIssuedAt).toBeTruthy();
    const [row] = await platform.sql<{ text: string; hash: string }>(`SELECT config::text AS text, config->'apiKey'->>'hash' AS hash FROM integrations WHERE id = ?`, [partner.id]);
    expect(row!.text).not.toContain(apiKey.split('_')[2]);
    expect(row!.hash).toMatch(/^\$argon2id\$/);
    const read = JSON.stringify(await platform.gql(`{ integration(id: "${partner.id}") { ${FIELDS} } }`, undefined, await admin()));
    expect(read).not.toContain(row!.hash);
  });
});

describe('test connection', () => {
  const run = async (id: string) => (await platform.gql<{ testIntegrationConnection: { ok: boolean; detail: string } }>(
    `mutation { testIntegrationConnection(id: "${id}") { ok detail } }`, undefined, await admin()));

  test('Telegram: getMe with the stored token; a wrong token fails; both logged', async () => {
    const good = await create(`{ code: "${code('tg')}", name: "Bot", type: telegram, settings: [{ name: "apiUrl", value: "${telegram.url}" }], secrets: [{ name: "botToken", value: "${BOT_TOKEN}" }] }`);
    expect((await run(good.id)).data?.testIntegrationConnection).toEqual({ ok: true, detail: 'Telegram getMe: @virel_standin_bot' });
    expect(telegram.requests.some((r) => r.method === 'GET' && r.path === `/bot${BOT_TOKEN}/getMe`)).toBe(true);
    const bad = await create(`{ code: "${code('tg')}", name: "Bot", type: telegram, settings: [{ name: "apiUrl", value: "${telegram.url}" }], secrets: [{ name: "botToken", value: "999:wrong-token-value" }] }`);
    expect((await run(bad.id)).data?.testIntegrationConnection.ok).toBe(false);
    const logs = await platform.gql<{ integrationLogs: { edges: Array<{ node: { kind: string; outcome: string; summary: string } }> } }>(
      `{ integrationLogs(integrationId: "${bad.id}", kind: test_connection, first: 10) { edges { node { kind outcome summary } } } }`, undefined, await admin());
    expect(logs.data?.integrationLogs.edges.map((e) => e.node)).toEqual([{ kind: 'test_connection', outcome: 'failed', summary: expect.stringContaining('401') }]);
    // A missing secret is the caller's to fix: VALIDATION naming it.
    const empty = await create(`{ code: "${code('tg')}", name: "Bot", type: telegram }`);
    expect((await run(empty.id)).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'secrets.botToken' });
  });

  test('WhatsApp: the phone number record from the Graph API with the bearer token', async () => {
    const wa = await create(`{ code: "${code('wa')}", name: "WA", type: whatsapp, settings: [{ name: "apiUrl", value: "${whatsapp.url}" }, { name: "phoneNumberId", value: "\\"${WA_PHONE_ID}\\"" }],
      secrets: [{ name: "accessToken", value: "${WA_TOKEN}" }] }`);
    expect((await run(wa.id)).data?.testIntegrationConnection).toEqual({ ok: true, detail: 'WhatsApp phone number +44 7700 900000' });
    expect(whatsapp.requests.at(-1)).toMatchObject({ method: 'GET', headers: expect.objectContaining({ authorization: `Bearer ${WA_TOKEN}` }) });
  });

  test('Stripe: a list call through the SDK to localstripe', async () => {
    const stripeUrl = new URL(process.env.TEST_STRIPE_URL as string);
    const stripe = await create(`{ code: "${code('stripe')}", name: "Stripe", type: stripe, settings: [{ name: "apiHost", value: "${stripeUrl.hostname}" },
      { name: "apiPort", value: "${stripeUrl.port}" }, { name: "apiProtocol", value: "http" }], secrets: [{ name: "secretKey", value: "sk_test_integrations" }] }`);
    const result = await run(stripe.id);
    expect(result.data?.testIntegrationConnection).toMatchObject({ ok: true, detail: expect.stringContaining('Stripe answered') });
  });

  test('SMTP: verify against maildev; a closed port fails', async () => {
    const smtp = await create(`{ code: "${code('smtp')}", name: "Mail", type: smtp, settings: [{ name: "host", value: "127.0.0.1" }, { name: "port", value: "${mail.smtpPort}" }] }`);
    expect((await run(smtp.id)).data?.testIntegrationConnection.ok).toBe(true);
    const closed = await create(`{ code: "${code('smtp')}", name: "Mail", type: smtp, settings: [{ name: "host", value: "127.0.0.1" }, { name: "port", value: "1" }] }`);
    expect((await run(closed.id)).data?.testIntegrationConnection.ok).toBe(false);
  });
});

describe('key rotation', () => {
  test('re-sealing with a new first key: the row carries the new key id, opens with it, and no longer needs the old key', async () => {
    const c = code('rotate');
    await create(`{ code: "${c}", name: "Rotate", type: telegram, secrets: [{ name: "botToken", value: "${BOT_TOKEN}" }] }`);
    const fresh = `k2:${randomBytes(32).toString('base64')}`;
    const em = platform.orm.em.fork();
    try {
      // New key first, old key still listed: every sealed row moves to k2; a second run changes nothing.
      expect(await resealAll(em, parseKeyring(`${fresh},${DEV_INTEGRATIONS_KEYS}`))).toBeGreaterThanOrEqual(1);
      expect(await resealAll(em, parseKeyring(`${fresh},${DEV_INTEGRATIONS_KEYS}`))).toBe(0);
      const [row] = await platform.sql<{ kid: string; text: string }>(`SELECT config->'secrets'->>'kid' AS kid, config::text AS text FROM integrations WHERE code = ?`, [c]);
      expect(row!.kid).toBe('k2');
      expect(row!.text).not.toContain(BOT_TOKEN);
      // The new key alone opens it; the old key alone no longer does.
      expect((await openIntegration(em, c, () => parseKeyring(fresh)))?.secrets).toEqual({ botToken: BOT_TOKEN });
      await expect(openIntegration(em, c, () => parseKeyring(DEV_INTEGRATIONS_KEYS))).rejects.toThrow(KeyringError);
    } finally {
      // Back to the development key the platform under test (and the other test files) use.
      await resealAll(em, parseKeyring(`${DEV_INTEGRATIONS_KEYS},${fresh}`));
    }
    expect((await openIntegration(em, c))?.secrets).toEqual({ botToken: BOT_TOKEN });
  });

  test('a malformed INTEGRATIONS_KEYS is refused naming what is wrong', () => {
    expect(() => parseKeyring('k1:short')).toThrow('must be 32 bytes');
    expect(() => parseKeyring('')).toThrow('at least one key');
  });
});
