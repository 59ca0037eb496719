/**
 * Authorization through the real API: every role of seed §2 against every operation of the API
 * (test/operations/; allowed ones work, forbidden ones are FORBIDDEN and change nothing), the operator's
 * entity policy (assigned to them or unassigned only) and PII masking.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { assign } from '../services/lifecycle-commands.ts';
import type { GraphQLObjectType } from 'graphql';
import { buildSchema } from '../api/graphql/schema.ts';
import { ROLE_CODES, ROLES, type RoleCode } from '../domain/access.ts';
import { inquiryWorkflowId } from '../domain/inquiry.ts';
import { ALL_OPERATIONS } from './operations/index.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

let platform: TestPlatform;
beforeAll(async () => {
  // The matrix's calendar imports point at this API's own (unknown, 404) feed URL on loopback,
  // which import URLs may reach only when allowed, as an operator allows an internal calendar host.
  platform = await startTestPlatform({ calendarImportAllowHosts: '127.0.0.1' });
});
afterAll(async () => {
  await platform?.stop();
});

/** Work without a session by design; test/auth.test.ts covers them. */
const PUBLIC_FIELDS = ['Mutation.login', 'Mutation.refreshSession', 'Mutation.logout'];

const matrix = ROLE_CODES.flatMap((role) => ALL_OPERATIONS.map((op) => ({
  role, op, name: op.field, allowed: op.permission === null || (ROLES[role].permissions as readonly string[]).includes(op.permission),
})));

describe('role × operation', () => {
  test('every root field of the schema is in the matrix', () => {
    const schema = buildSchema();
    const fields = (['Query', 'Mutation'] as const).flatMap((root) => Object.keys(schema.getType(root) ? (schema.getType(root) as GraphQLObjectType).getFields() : {}).map((f) => `${root}.${f}`));
    expect(fields.filter((f) => !PUBLIC_FIELDS.includes(f) && !ALL_OPERATIONS.some((op) => op.field === f))).toEqual([]);
  });

  test.each(matrix)('$role → $name: allowed=$allowed', async ({ role, op, allowed }) => {
    const variables = (await op.setup?.(platform)) ?? {};
    const before = await op.state?.(platform, variables);
    const result = await platform.gql(op.document, variables, { authorization: `Bearer ${await platform.tokenOf(role as RoleCode)}` });
    if (allowed) {
      expect(result.errors).toBeUndefined();
    } else {
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(await op.state?.(platform, variables)).toEqual(before);
    }
  });

  test.each(ALL_OPERATIONS)('anonymous → $field is UNAUTHENTICATED', async (op) => {
    const variables = (await op.setup?.(platform)) ?? {};
    expect((await platform.gql(op.document, variables, { authorization: '' })).errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('entity policy and masking', () => {
  test('an operator sees what is assigned to them or unassigned, nothing else; contacts masked', async () => {
    const create = async (name: string) => (await platform.gql<{ createInquiry: { inquiry: { id: string } } }>(
      `mutation { createInquiry(input: { source: web, clientName: "${name}", clientEmail: "james.carter@example.com", clientPhone: "+447700900123" }) { inquiry { id } } }`,
    )).data!.createInquiry.inquiry.id;
    const [unassigned, forLukas, forSasha] = [await create('Unassigned'), await create('For Lukas'), await create('For Sasha')];
    const users = await platform.orm.em.getConnection().execute<Array<{ id: string; email: string }>>(`SELECT id, email FROM users WHERE email IN ('lukas@virel.local', 'sasha@virel.local')`);
    const idOf = (email: string) => users.find((u) => u.email === email)!.id;
    const handle = (id: string) => platform.temporal.workflow.getHandle(inquiryWorkflowId({ id, source: 'web', externalRef: null }));
    await assign(handle(forLukas), idOf('lukas@virel.local'), { actor: { type: 'system' } });
    await assign(handle(forSasha), idOf('sasha@virel.local'), { actor: { type: 'system' } });

    const lukas = { authorization: `Bearer ${await platform.tokenOf('OPERATOR:lukas')}` };
    const list = await platform.gql<{ inquiries: { edges: Array<{ node: { id: string; clientEmail: string; clientPhone: string } }> } }>(
      '{ inquiries(first: 100) { edges { node { id clientEmail clientPhone } } } }', undefined, lukas);
    const seen = list.data!.inquiries.edges.map((e) => e.node);
    const ids = seen.map((n) => n.id);
    expect(ids).toEqual(expect.arrayContaining([unassigned, forLukas]));
    expect(ids).not.toContain(forSasha);
    expect(seen.find((n) => n.id === forLukas)).toMatchObject({ clientEmail: 'ja***@example.com', clientPhone: '+447700***123' });
    // Get-by-id follows the same policy.
    expect((await platform.gql<{ inquiry: unknown }>(`{ inquiry(id: "${forSasha}") { id } }`, undefined, lukas)).data?.inquiry).toBeNull();
    expect((await platform.gql<{ inquiry: { id: string } }>(`{ inquiry(id: "${forLukas}") { id } }`, undefined, lukas)).data?.inquiry?.id).toBe(forLukas);

    // The owner sees everything, unmasked; read-only users see everything, masked.
    const owner = await platform.gql<{ inquiry: { clientEmail: string } }>(`{ inquiry(id: "${forSasha}") { clientEmail } }`);
    expect(owner.data?.inquiry.clientEmail).toBe('james.carter@example.com');
    const readOnly = await platform.gql<{ inquiry: { clientPhone: string } }>(`{ inquiry(id: "${forSasha}") { clientPhone } }`, undefined, { authorization: `Bearer ${await platform.tokenOf('READ_ONLY')}` });
    expect(readOnly.data?.inquiry.clientPhone).toBe('+447700***123');
  });
});
