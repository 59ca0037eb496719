/**
 * Integration operations for the role × operation matrix: reads and the log (integrations.read:
 * Integrations Admin, Owner, Read Only), changes, connection tests and partner API keys
 * (integrations.write: Integrations Admin and Owner only).
 */
import { randomUUID } from 'node:crypto';
import type { TestPlatform } from '../support/platform.ts';
import { countOf, type MatrixOperation } from '../support/role-matrix.ts';

const code = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

/** An integration inserted directly (the matrix checks who may act on it, not how it is created). */
async function freshIntegration(platform: TestPlatform, type: string): Promise<{ id: string; code: string }> {
  const c = code(`matrix_${type}`);
  const [row] = await platform.sql<{ id: string }>(`INSERT INTO integrations (code, name, type, status, config) VALUES (?, 'Matrix', ?, 'testing', '{}') RETURNING id`, [c, type]);
  return { id: row!.id, code: c };
}

const logsOf = (p: TestPlatform, vars: Record<string, unknown>) => countOf(p, 'SELECT count(*) AS n FROM integration_logs WHERE integration_id = ?', [vars.id]);

export const INTEGRATION_OPERATIONS: MatrixOperation[] = [
  { field: 'Query.integrations', permission: 'integrations.read', document: '{ integrations(first: 5) { edges { cursor node { code type status settings { name value } secrets { name set } } } } }' },
  {
    field: 'Query.integration', permission: 'integrations.read', setup: (p) => freshIntegration(p, 'telegram'),
    document: 'query ($id: ID!) { integration(id: $id) { code secrets { name set } } }',
  },
  { field: 'Query.integrationLogs', permission: 'integrations.read', document: '{ integrationLogs(first: 5) { edges { cursor node { kind outcome summary at } } } }' },
  {
    field: 'Mutation.createIntegration', permission: 'integrations.write',
    setup: async () => ({ code: code('matrix_new') }),
    state: (p, vars) => countOf(p, 'SELECT count(*) AS n FROM integrations WHERE code = ?', [vars.code]),
    document: 'mutation ($code: String!) { createIntegration(input: { code: $code, name: "Matrix", type: web_form }) { id status } }',
  },
  {
    field: 'Mutation.updateIntegration', permission: 'integrations.write', setup: (p) => freshIntegration(p, 'web_form'),
    state: (p, vars) => p.sql('SELECT status, config FROM integrations WHERE id = ?', [vars.id]),
    document: 'mutation ($id: ID!) { updateIntegration(id: $id, input: { status: disabled, settings: [{ name: "minFillSeconds", value: "5" }] }) { status } }',
  },
  {
    field: 'Mutation.testIntegrationConnection', permission: 'integrations.write', setup: (p) => freshIntegration(p, 'web_form'), state: logsOf,
    document: 'mutation ($id: ID!) { testIntegrationConnection(id: $id) { ok detail } }',
  },
  {
    field: 'Mutation.issuePartnerApiKey', permission: 'integrations.write', setup: (p) => freshIntegration(p, 'partner'),
    state: (p, vars) => p.sql(`SELECT config->'apiKey' AS key FROM integrations WHERE id = ?`, [vars.id]),
    document: 'mutation ($id: ID!) { issuePartnerApiKey(id: $id) { apiKey integration { apiKeyIssuedAt } } }',
  },
];
