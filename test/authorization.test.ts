/**
 * Authorization through the real API: every role of seed §2 against every operation the API
 * has so far (allowed ones work, forbidden ones are FORBIDDEN and change nothing), the operator's
 * entity policy (assigned to them or unassigned only) and PII masking.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { assign } from '../api/lifecycle-commands.ts';
import { ROLE_CODES, ROLES, type PermissionCode, type RoleCode } from '../domain/access.ts';
import { inquiryWorkflowId } from '../domain/inquiry.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

/** Every operation the API has; `query` gets a fresh unassigned inquiry to act on. */
const OPERATIONS: Array<{ name: string; permission: PermissionCode | null; query: (inquiryId: string) => string }> = [
  { name: 'me', permission: null, query: () => '{ me { id } }' },
  { name: 'inquiries', permission: 'inquiries.read', query: () => '{ inquiries(first: 1) { edges { cursor } } }' },
  { name: 'inquiry', permission: 'inquiries.read', query: (id) => `{ inquiry(id: "${id}") { id } }` },
  { name: 'createInquiry', permission: 'inquiries.write', query: () => 'mutation { createInquiry(input: { source: phone, clientName: "Matrix" }) { inquiry { id } } }' },
  { name: 'changeStatus', permission: 'inquiries.write', query: (id) => `mutation { changeStatus(input: { entity: { type: inquiry, id: "${id}" }, to: "qualified" }) { to } }` },
  { name: 'assign', permission: 'inquiries.write', query: (id) => `mutation { assign(input: { entity: { type: inquiry, id: "${id}" }, assigneeId: null }) { entityId } }` },
  { name: 'addNote', permission: 'inquiries.write', query: (id) => `mutation { addNote(input: { entity: { type: inquiry, id: "${id}" }, text: "matrix" }) { entityId } }` },
];

const matrix = ROLE_CODES.flatMap((role) => OPERATIONS.map((op) => ({
  role, op: op.name, query: op.query, allowed: op.permission === null || (ROLES[role].permissions as readonly string[]).includes(op.permission),
})));

async function freshInquiry(): Promise<string> {
  const created = await platform.gql<{ createInquiry: { inquiry: { id: string } } }>('mutation { createInquiry(input: { source: web, clientName: "Matrix subject" }) { inquiry { id } } }');
  return created.data!.createInquiry.inquiry.id;
}

const changes = async (id: string) => Number((await platform.orm.em.getConnection().execute<Array<{ n: string }>>('SELECT count(*) AS n FROM audit_log WHERE entity_id = ?', [id]))[0]?.n);

const inquiryCount = async () => Number((await platform.orm.em.getConnection().execute<Array<{ n: string }>>('SELECT count(*) AS n FROM inquiries'))[0]?.n);

describe('role × operation', () => {
  test.each(matrix)('$role → $op: allowed=$allowed', async ({ role, query, allowed }) => {
    const subject = await freshInquiry();
    const [before, changesBefore] = [await inquiryCount(), await changes(subject)];
    const result = await platform.gql(query(subject), undefined, { authorization: `Bearer ${await platform.tokenOf(role as RoleCode)}` });
    if (allowed) {
      expect(result.errors).toBeUndefined();
    } else {
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(await inquiryCount()).toBe(before);
      expect(await changes(subject)).toBe(changesBefore);
    }
  });

  test.each(OPERATIONS.filter((op) => op.permission))('anonymous → $name is UNAUTHENTICATED', async ({ query }) => {
    expect((await platform.gql(query(randomUUID()), undefined, { authorization: '' })).errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
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
