/**
 * Message templates, the messages log, outgoing webhooks and their metrics through the real API
 * (real worker, PostgreSQL and Temporal dev server). Channels here are not configured (the test
 * platform's default), so a delivery fails at once naming the missing setting; the channels
 * themselves are proven in test/messaging.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ROLES, SYSTEM } from '../domain/access.ts';
import { createServices, type Caller } from '../services/index.ts';
import { messageWorkflowId, webhookWorkflowId } from '../workflows/delivery/messages.ts';
import { freshInquiry } from './support/role-matrix.ts';
import { eventually } from './support/wait.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { TEMPLATE_CONTENT, freshWebhook } from './operations/messaging.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

const services = () => createServices({ em: platform.orm.em.fork(), temporal: platform.temporal, sessions: { revokeUser: async () => 0 } });
const key = () => `t_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const TEMPLATE_FIELDS = 'id key name activeVersion deleted active { version subject bodyText bodyHtml variables { name example } } versions { version bodyText }';

interface TemplateView { id: string; key: string; activeVersion: number; deleted: boolean; active: { version: number; bodyText: string }; versions: Array<{ version: number; bodyText: string }> }

async function create(input: Record<string, unknown>) {
  return platform.gql<{ createMessageTemplate: TemplateView }>(`mutation ($input: CreateMessageTemplateInput!) { createMessageTemplate(input: $input) { ${TEMPLATE_FIELDS} } }`, { input });
}

describe('message templates', () => {
  test('created, versioned on each content change, an earlier version restored, deleted; every change audited', async () => {
    const created = await create({ key: key(), name: 'Arrival', content: TEMPLATE_CONTENT });
    expect(created.errors).toBeUndefined();
    const id = created.data!.createMessageTemplate.id;
    expect(created.data!.createMessageTemplate).toMatchObject({ activeVersion: 1, deleted: false, active: { version: 1, bodyText: TEMPLATE_CONTENT.bodyText } });

    const updated = await platform.gql<{ updateMessageTemplate: TemplateView }>(
      `mutation ($id: ID!) { updateMessageTemplate(id: $id, input: { name: "Arrival v2", content: { bodyText: "Hi {{client_name}}!", variables: [{ name: "client_name" }] } }) { ${TEMPLATE_FIELDS} } }`, { id });
    expect(updated.data!.updateMessageTemplate).toMatchObject({ activeVersion: 2, active: { version: 2, bodyText: 'Hi {{client_name}}!' } });
    expect(updated.data!.updateMessageTemplate.versions.map((v) => v.version)).toEqual([2, 1]);

    const renamed = await platform.gql<{ updateMessageTemplate: TemplateView }>(`mutation ($id: ID!) { updateMessageTemplate(id: $id, input: { name: "Arrival (renamed)" }) { ${TEMPLATE_FIELDS} } }`, { id });
    expect(renamed.data!.updateMessageTemplate.versions).toHaveLength(2);

    const restored = await platform.gql<{ activateMessageTemplateVersion: TemplateView }>(`mutation ($id: ID!) { activateMessageTemplateVersion(id: $id, version: 1) { ${TEMPLATE_FIELDS} } }`, { id });
    expect(restored.data!.activateMessageTemplateVersion).toMatchObject({ activeVersion: 1, active: { version: 1 } });
    const missing = await platform.gql(`mutation ($id: ID!) { activateMessageTemplateVersion(id: $id, version: 7) { id } }`, { id });
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'version' });

    const deleted = await platform.gql<{ deleteMessageTemplate: TemplateView }>(`mutation ($id: ID!) { deleteMessageTemplate(id: $id) { ${TEMPLATE_FIELDS} } }`, { id });
    expect(deleted.data!.deleteMessageTemplate.deleted).toBe(true);
    const templateKey = deleted.data!.deleteMessageTemplate.key;
    await expect(services().messaging.sendMessage({ principal: SYSTEM }, { channel: 'email', to: 'a@example.com', templateKey, variables: { client_name: 'A', start_at: 'x' }, idempotencyKey: randomUUID() }))
      .rejects.toMatchObject({ code: 'VALIDATION', details: { field: 'templateKey' } });
    const list = await platform.gql<{ messageTemplates: { edges: Array<{ node: { id: string } }> } }>('{ messageTemplates(first: 100) { edges { node { id } } } }');
    expect(list.data!.messageTemplates.edges.map((e) => e.node.id)).not.toContain(id);

    const audit = await platform.sql<{ action: string; metadata: { change?: string } | null }>(`SELECT action, metadata FROM audit_log WHERE entity_type = 'message_template' AND entity_id = ? ORDER BY created_at`, [id]);
    expect(audit.map((a) => a.metadata?.change ?? a.action)).toEqual(['CREATE', 'new version', 'edited', 'version 1 activated', 'deleted']);
  });

  test('an undeclared or unknown variable, a bad key, a duplicate key or an unsafe construct is refused, naming it; nothing saved', async () => {
    // Every refused input carries this test's own name (and fresh keys): "nothing saved" is counted
    // by them, and the shipped template a duplicate key collides with is left as it was.
    const name = `Refused ${randomUUID().slice(0, 8)}`;
    const keys = [key(), key()];
    const count = async () => (await platform.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM message_templates WHERE name = ? OR key IN (?, ?, 'Deposit Reminder')`, [name, ...keys]))[0]!.n;
    const shipped = async () => (await platform.sql<{ name: string; active_version: number; updated_at: Date; versions: number }>(
      `SELECT t.name, t.active_version, t.updated_at, (SELECT count(*)::int FROM message_template_versions v WHERE v.template_id = t.id) AS versions FROM message_templates t WHERE key = 'deposit_reminder'`))[0];
    const shippedBefore = await shipped();
    const undeclared = await create({ key: keys[0], name, content: { ...TEMPLATE_CONTENT, bodyText: 'Hi {{client_name}} {{secret_code}} {{another}}' } });
    expect(undeclared.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'bodyText' });
    expect(undeclared.errors?.[0]?.message).toBe('Invalid input: bodyText: bodyText uses undeclared variables: another, secret_code');
    const raw = await create({ key: keys[1], name, content: { ...TEMPLATE_CONTENT, bodyHtml: '<p>{{{client_name}}}</p>' } });
    expect(raw.errors?.[0]?.message).toContain('triple-stash');
    const badKey = await create({ key: 'Deposit Reminder', name, content: TEMPLATE_CONTENT });
    expect(badKey.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'key' });
    const duplicate = await create({ key: 'deposit_reminder', name, content: TEMPLATE_CONTENT });
    expect(duplicate.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'key' });
    expect(await count()).toBe(0);
    expect(await shipped()).toEqual(shippedBefore);
  });

  test('preview: a stored version with given values (examples fill the rest), a draft, and missing values named', async () => {
    const id = (await create({ key: key(), name: 'Preview', content: TEMPLATE_CONTENT })).data!.createMessageTemplate.id;
    const stored = await platform.gql<{ previewMessageTemplate: Record<string, unknown> }>(
      'query ($id: ID!, $v: String) { previewMessageTemplate(input: { templateId: $id, variables: $v }) { version subject bodyText bodyHtml variablesUsed } }',
      { id, v: JSON.stringify({ client_name: 'Ann <Lee>' }) });
    expect(stored.data!.previewMessageTemplate).toEqual({
      version: 1, subject: 'Hello Ann <Lee>', bodyText: 'Hello Ann <Lee>, see you at 19:00.', bodyHtml: '<p>Hello Ann &lt;Lee&gt;</p>', variablesUsed: ['client_name', 'start_at'],
    });
    const draft = await platform.gql<{ previewMessageTemplate: Record<string, unknown> }>(
      'query { previewMessageTemplate(input: { draft: { bodyText: "Booking {{ref}}{{#if vip}} (VIP){{/if}}", variables: [{ name: "ref" }, { name: "vip" }] }, variables: "{\\"ref\\":\\"B-1\\",\\"vip\\":true}" }) { version bodyText } }');
    expect(draft.data!.previewMessageTemplate).toEqual({ version: null, bodyText: 'Booking B-1 (VIP)' });
    const noExample = await platform.gql('query { previewMessageTemplate(input: { draft: { bodyText: "{{a}} {{b}}", variables: [{ name: "a" }, { name: "b", example: "2" }] }, variables: "{\\"a\\": null}" }) { bodyText } }');
    expect(noExample.errors?.[0]).toMatchObject({ message: 'Invalid input: variables: no value for a', extensions: { code: 'VALIDATION', field: 'variables' } });
    const unknown = await platform.gql('query { previewMessageTemplate(input: { draft: { bodyText: "{{a}} {{zzz}}", variables: [{ name: "a" }] } }) { bodyText } }');
    expect(unknown.errors?.[0]?.message).toBe('Invalid input: bodyText: bodyText uses undeclared variables: zzz');
  });
});

describe('messages log', () => {
  test('queued then failed when the channel is not configured, naming the setting; filters; recipients and contents per pii.read', async () => {
    const subjectId = randomUUID();
    const sent = await services().messaging.sendMessage({ principal: SYSTEM }, {
      channel: 'email', to: 'james.carter@example.com', templateKey: 'deposit_reminder', idempotencyKey: randomUUID(),
      variables: { client_name: 'James', inquiry_ref: 'I-7', deposit_amount: '£50.00' }, subject: { type: 'payment', id: subjectId },
    });
    expect(sent.status).toBe('queued');
    expect(await platform.temporal.workflow.getHandle(messageWorkflowId(sent.messageId)).result()).toEqual({ status: 'failed', error: 'email is not configured: set SMTP_HOST' });

    const query = `query ($s: ID) { messages(first: 5, subjectId: $s, status: failed, channel: email, templateKey: "deposit_reminder") {
      edges { node { id recipient subject bodyText status attempts lastError templateKey templateVersion subjectType subjectId } } } }`;
    const asOwner = await platform.gql<{ messages: { edges: Array<{ node: Record<string, unknown> }> } }>(query, { s: subjectId });
    expect(asOwner.data!.messages.edges.map((e) => e.node)).toEqual([{
      id: sent.messageId, recipient: 'james.carter@example.com', subject: 'Your request I-7: deposit due', bodyText: expect.stringContaining('Hello James,'),
      status: 'failed', attempts: 1, lastError: 'email is not configured: set SMTP_HOST', templateKey: 'deposit_reminder', templateVersion: 1, subjectType: 'payment', subjectId,
    }]);
    const asReadOnly = await platform.gql<{ messages: { edges: Array<{ node: Record<string, unknown> }> } }>(query, { s: subjectId }, await platform.as('READ_ONLY'));
    expect(asReadOnly.data!.messages.edges[0]!.node).toMatchObject({ recipient: 'ja***@example.com', subject: null, bodyText: null });
    const other = await platform.gql<{ messages: { edges: unknown[] } }>('query ($s: ID) { messages(first: 5, subjectId: $s, status: sent) { edges { cursor } } }', { s: subjectId });
    expect(other.data!.messages.edges).toEqual([]);
    const badFilter = await platform.gql('{ messages(first: 5, clientId: "nope") { edges { cursor } } }');
    expect(badFilter.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'clientId' });
  });

  test('a user sends about an entity they may change and see; about nothing in particular only with automation.write', async () => {
    const operatorId = await platform.userId('lukas@virel.local');
    const operator: Caller = { principal: { id: operatorId, roles: ['OPERATOR'], permissions: ROLES.OPERATOR.permissions }, requestKey: randomUUID() };
    const inquiryId = await freshInquiry(platform);
    const reply = { channel: 'email' as const, to: 'client@example.com', templateKey: 'deposit_reminder', variables: { client_name: 'C', inquiry_ref: 'I-1', deposit_amount: '1' } };
    const ok = await services().messaging.sendMessage(operator, { ...reply, idempotencyKey: randomUUID(), subject: { type: 'inquiry', id: inquiryId } });
    expect(ok.status).toBe('queued');
    expect((await platform.sql<{ requested_by: string }>('SELECT requested_by FROM messages WHERE id = ?', [ok.messageId]))[0]!.requested_by).toBe(operatorId);
    await expect(services().messaging.sendMessage(operator, { ...reply, idempotencyKey: randomUUID() })).rejects.toMatchObject({ code: 'FORBIDDEN', details: { permission: 'automation.write' } });
    await expect(services().messaging.sendMessage(operator, { ...reply, idempotencyKey: randomUUID(), subject: { type: 'inquiry', id: randomUUID() } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('outgoing webhooks', () => {
  test('listed with filters and payload masked per viewer; redelivered through GraphQL, audited; unknown id NOT_FOUND', async () => {
    const id = await freshWebhook(platform);
    await platform.sql(`UPDATE webhooks_out SET payload = '{"client_email":"james.carter@example.com","ref":"B-1"}' WHERE id = ?`, [id]);
    const admin = await platform.as('INTEGRATIONS_ADMIN');
    const list = await platform.gql<{ outgoingWebhooks: { edges: Array<{ node: Record<string, unknown> }> } }>(
      '{ outgoingWebhooks(first: 100, status: failed, eventType: "booking.confirmed") { edges { node { id status attempts deliveries lastError payload targetUrl } } } }', undefined, admin);
    const { payload, ...node } = list.data!.outgoingWebhooks.edges.map((e) => e.node).find((n) => n.id === id)!;
    expect(node).toEqual({ id, status: 'failed', attempts: 5, deliveries: 1, lastError: 'receiver answered HTTP 500', targetUrl: 'http://127.0.0.1:9/hook' });
    expect(JSON.parse(payload as string)).toEqual({ client_email: 'ja***@example.com', ref: 'B-1' });

    const redelivered = await platform.gql<{ redeliverOutgoingWebhook: { status: string; deliveries: number } }>(
      'mutation ($id: ID!) { redeliverOutgoingWebhook(id: $id) { status deliveries } }', { id }, admin);
    expect(redelivered.data!.redeliverOutgoingWebhook).toEqual({ status: 'pending', deliveries: 2 });
    expect(await platform.temporal.workflow.getHandle(webhookWorkflowId(id)).result()).toEqual({ status: 'failed', error: 'outgoing webhooks are not configured: set WEBHOOK_SIGNING_SECRET (or the webhook integration\'s signingSecret)' });
    const [row] = await platform.sql<{ status: string; attempts: number; deliveries: number; last_error: string }>('SELECT status, attempts, deliveries, last_error FROM webhooks_out WHERE id = ?', [id]);
    expect(row).toEqual({ status: 'failed', attempts: 6, deliveries: 2, last_error: 'outgoing webhooks are not configured: set WEBHOOK_SIGNING_SECRET (or the webhook integration\'s signingSecret)' });
    const [audit] = await platform.sql<{ action: string; actor_user_id: string }>(`SELECT action, actor_user_id FROM audit_log WHERE entity_type = 'webhook_out' AND entity_id = ?`, [id]);
    expect(audit).toEqual({ action: 'REDELIVER', actor_user_id: await platform.userId('integrations@virel.local') });

    const unknown = await platform.gql(`mutation { redeliverOutgoingWebhook(id: "${randomUUID()}") { id } }`, undefined, admin);
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('metrics', () => {
  test('messages by channel and status and outgoing webhooks by status, as the tables count them', async () => {
    // Other files' deliveries may still be settling (a message failing, a webhook retried): the
    // scrape and the tables are read together until they agree, then compared.
    const read = async () => {
      const text = await (await fetch(`${platform.url}/metrics`)).text();
      const [counts] = await platform.sql<{ failed_email: number; failed_hooks: number }>(
        `SELECT (SELECT count(*)::int FROM messages WHERE channel = 'email' AND status = 'failed') AS failed_email, (SELECT count(*)::int FROM webhooks_out WHERE status = 'failed') AS failed_hooks`);
      return { text, counts: counts! };
    };
    const email = (n: number) => `virel_messages{channel="email",status="failed",service="virel-api"} ${n}\n`;
    const hooks = (n: number) => `virel_outgoing_webhooks{status="failed",service="virel-api"} ${n}\n`;
    const { text, counts } = await eventually(read, (r) => r.text.includes(email(r.counts.failed_email)) && r.text.includes(hooks(r.counts.failed_hooks)), 20_000);
    expect(counts.failed_email).toBeGreaterThan(0);
    expect(text).toContain(email(counts.failed_email));
    expect(text).toContain('virel_messages{channel="whatsapp",status="sent",service="virel-api"}');
    expect(text).toContain(hooks(counts.failed_hooks));
  });
});
