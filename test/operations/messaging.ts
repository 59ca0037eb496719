/** Message templates, the messages log and outgoing webhooks, for the role × operation matrix. */
import { randomUUID } from 'node:crypto';
import type { TestPlatform } from '../support/platform.ts';
import { countOf, type MatrixOperation } from '../support/role-matrix.ts';

const sql = (platform: TestPlatform) => platform.orm.em.getConnection();

export const TEMPLATE_CONTENT = {
  subject: 'Hello {{client_name}}', bodyText: 'Hello {{client_name}}, see you at {{start_at}}.', bodyHtml: '<p>Hello {{client_name}}</p>',
  variables: [{ name: 'client_name', example: 'James' }, { name: 'start_at', example: '19:00' }],
};

/** A fresh template, created as the owner. */
export async function freshTemplate(platform: TestPlatform): Promise<string> {
  const created = await platform.gql<{ createMessageTemplate: { id: string } }>(
    'mutation ($input: CreateMessageTemplateInput!) { createMessageTemplate(input: $input) { id } }',
    { input: { key: `t_${randomUUID().replace(/-/g, '').slice(0, 12)}`, name: 'Matrix template', content: TEMPLATE_CONTENT } });
  const id = created.data?.createMessageTemplate.id;
  if (!id) throw new Error(`could not create a template: ${JSON.stringify(created.errors)}`);
  return id;
}

/** A stored message (sending is automation's and replies'; the log is what the API shows). */
export async function freshMessage(platform: TestPlatform): Promise<string> {
  const [template] = await sql(platform).execute<Array<{ id: string }>>(`SELECT id FROM message_templates WHERE key = 'deposit_reminder'`);
  const [row] = await sql(platform).execute<Array<{ id: string }>>(
    `INSERT INTO messages (id, idempotency_key, channel, recipient, template_id, template_version, subject, body_text, status)
     VALUES (gen_random_uuid(), ?, 'email', 'james.carter@example.com', ?, 1, 'Subject', 'Hello James', 'sent') RETURNING id`, [randomUUID(), template!.id]);
  return row!.id;
}

/** A failed outgoing webhook (its redelivery fails at once on the matrix platform: no signing key there). */
export async function freshWebhook(platform: TestPlatform): Promise<string> {
  const [row] = await sql(platform).execute<Array<{ id: string }>>(
    `INSERT INTO webhooks_out (event_type, target_url, payload, status, attempts, last_error) VALUES ('booking.confirmed', 'http://127.0.0.1:9/hook', '{"ref":"B-1"}', 'failed', 5, 'receiver answered HTTP 500') RETURNING id`);
  return row!.id;
}

const template = async (platform: TestPlatform) => ({ id: await freshTemplate(platform) });
const edits = (platform: TestPlatform, vars: Record<string, unknown>) => countOf(platform, 'SELECT count(*) AS n FROM audit_log WHERE entity_id = ?', [vars.id]);

export const MESSAGING_OPERATIONS: MatrixOperation[] = [
  { field: 'Query.messageTemplates', permission: 'automation.read', document: '{ messageTemplates(first: 1) { edges { node { key active { version } } } } }' },
  { field: 'Query.messageTemplate', permission: 'automation.read', setup: template, document: 'query ($id: ID!) { messageTemplate(id: $id) { key versions { version } } }' },
  {
    field: 'Query.previewMessageTemplate', permission: 'automation.read', setup: template,
    document: 'query ($id: ID!) { previewMessageTemplate(input: { templateId: $id, variables: "{\\"client_name\\":\\"Ann\\"}" }) { bodyText } }',
  },
  {
    field: 'Mutation.createMessageTemplate', permission: 'automation.write',
    setup: async () => ({ input: { key: `t_${randomUUID().replace(/-/g, '').slice(0, 12)}`, name: 'Matrix', content: TEMPLATE_CONTENT } }),
    document: 'mutation ($input: CreateMessageTemplateInput!) { createMessageTemplate(input: $input) { id } }',
    state: (platform) => countOf(platform, 'SELECT count(*) AS n FROM message_templates'),
  },
  {
    field: 'Mutation.updateMessageTemplate', permission: 'automation.write', setup: template, state: edits,
    document: 'mutation ($id: ID!) { updateMessageTemplate(id: $id, input: { content: { bodyText: "Hi {{client_name}}", variables: [{ name: "client_name" }] } }) { activeVersion } }',
  },
  {
    field: 'Mutation.activateMessageTemplateVersion', permission: 'automation.write', setup: template, state: edits,
    document: 'mutation ($id: ID!) { activateMessageTemplateVersion(id: $id, version: 1) { activeVersion } }',
  },
  { field: 'Mutation.deleteMessageTemplate', permission: 'automation.write', setup: template, state: edits, document: 'mutation ($id: ID!) { deleteMessageTemplate(id: $id) { deleted } }' },
  { field: 'Query.messages', permission: 'automation.read', document: '{ messages(first: 1) { edges { node { recipient status } } } }' },
  { field: 'Query.message', permission: 'automation.read', setup: async (p) => ({ id: await freshMessage(p) }), document: 'query ($id: ID!) { message(id: $id) { id recipient } }' },
  { field: 'Query.outgoingWebhooks', permission: 'integrations.read', document: '{ outgoingWebhooks(first: 1) { edges { node { status } } } }' },
  { field: 'Query.outgoingWebhook', permission: 'integrations.read', setup: async (p) => ({ id: await freshWebhook(p) }), document: 'query ($id: ID!) { outgoingWebhook(id: $id) { id payload } }' },
  {
    field: 'Mutation.redeliverOutgoingWebhook', permission: 'integrations.write', setup: async (p) => ({ id: await freshWebhook(p) }),
    document: 'mutation ($id: ID!) { redeliverOutgoingWebhook(id: $id) { deliveries } }',
    state: async (platform, vars) => (await sql(platform).execute<Array<{ status: string; deliveries: number }>>('SELECT status, deliveries FROM webhooks_out WHERE id = ?', [vars.id]))[0],
  },
];
