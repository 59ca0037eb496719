/**
 * Lifecycle changes through GraphQL: each mutation is a workflow Update (the row changes only
 * through it), errors carry the domain codes, and the Idempotency-Key makes a retry harmless.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

const CHANGE = `mutation ($input: ChangeStatusInput!) { changeStatus(input: $input) { entityType entityId from to at duplicate } }`;
type Change = { changeStatus: { from: string; to: string; at: string; duplicate: boolean } };

async function newInquiry(): Promise<string> {
  const created = await platform.gql<{ createInquiry: { inquiry: { id: string } } }>('mutation { createInquiry(input: { source: web, clientName: "GraphQL lifecycle" }) { inquiry { id } } }');
  return created.data!.createInquiry.inquiry.id;
}
const auditCount = async (id: string) => Number((await platform.orm.em.getConnection().execute<Array<{ n: string }>>('SELECT count(*) AS n FROM audit_log WHERE entity_id = ?', [id]))[0]?.n);

describe('changeStatus / assign / addNote', () => {
  test('walks an inquiry through its workflow; guards and invalid targets answer with their codes', async () => {
    const id = await newInquiry();
    const entity = { type: 'inquiry', id };
    expect((await platform.gql<Change>(CHANGE, { input: { entity, to: 'qualified' } })).data?.changeStatus).toMatchObject({ from: 'new', to: 'qualified', duplicate: false });
    const invalid = await platform.gql(CHANGE, { input: { entity, to: 'converted' } });
    expect(invalid.errors?.[0]?.extensions).toEqual({ code: 'INVALID_TRANSITION', entityType: 'inquiry', from: 'qualified', to: 'converted', allowed: ['awaiting_client', 'lost'] });
    await platform.gql(CHANGE, { input: { entity, to: 'awaiting_client' } });
    const guard = await platform.gql(CHANGE, { input: { entity, to: 'awaiting_deposit' } });
    expect(guard.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'depositAmount' });
    const ok = await platform.gql<Change>(CHANGE, { input: { entity, to: 'awaiting_deposit', depositAmount: '120.00', reason: 'client agreed' } });
    expect(ok.data?.changeStatus.to).toBe('awaiting_deposit');
    const [row] = await platform.orm.em.getConnection().execute<Array<{ status: string; deposit_amount: string }>>('SELECT status, deposit_amount FROM inquiries WHERE id = ?', [id]);
    expect(row).toEqual({ status: 'awaiting_deposit', deposit_amount: '120.00' });
  });

  test('an Idempotency-Key makes a retry return the first result; reusing it for another change is a CONFLICT', async () => {
    const id = await newInquiry();
    const key = { 'idempotency-key': `retry-${randomUUID()}` };
    const first = await platform.gql<Change>(CHANGE, { input: { entity: { type: 'inquiry', id }, to: 'qualified' } }, key);
    const audits = await auditCount(id);
    const again = await platform.gql<Change>(CHANGE, { input: { entity: { type: 'inquiry', id }, to: 'qualified' } }, key);
    expect(again.data?.changeStatus).toMatchObject({ from: 'new', to: 'qualified', at: first.data!.changeStatus.at });
    expect(await auditCount(id)).toBe(audits);
    const other = await platform.gql(CHANGE, { input: { entity: { type: 'inquiry', id }, to: 'spam', closedReason: 'promotional' } }, key);
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
    expect(await auditCount(id)).toBe(audits);
  });

  test('assign and addNote go through the workflow; an unknown entity is NOT_FOUND', async () => {
    const id = await newInquiry();
    const [lukas] = await platform.orm.em.getConnection().execute<Array<{ id: string }>>(`SELECT id FROM users WHERE email = 'lukas@virel.local'`);
    const assigned = await platform.gql<{ assign: { duplicate: boolean } }>('mutation ($i: AssignInput!) { assign(input: $i) { entityId duplicate } }', { i: { entity: { type: 'inquiry', id }, assigneeId: lukas!.id } });
    expect(assigned.errors).toBeUndefined();
    const noted = await platform.gql('mutation ($i: AddNoteInput!) { addNote(input: $i) { entityId } }', { i: { entity: { type: 'inquiry', id }, text: 'Called the client.' } });
    expect(noted.errors).toBeUndefined();
    const actions = await platform.orm.em.getConnection().execute<Array<{ action: string }>>('SELECT action FROM audit_log WHERE entity_id = ? ORDER BY created_at', [id]);
    expect(actions.map((a) => a.action)).toEqual(['CREATE', 'ASSIGN', 'NOTE']);
    const missing = await platform.gql(CHANGE, { input: { entity: { type: 'booking', id: randomUUID() }, to: 'pending' } });
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
  });

  test('handing work to someone else needs escalations.manage: an operator may take or release work, an ops manager may give it', async () => {
    const id = await newInquiry();
    const users = await platform.orm.em.getConnection().execute<Array<{ id: string; email: string }>>(`SELECT id, email FROM users WHERE email IN ('lukas@virel.local', 'sasha@virel.local')`);
    const idOf = (email: string) => users.find((u) => u.email === email)!.id;
    const ASSIGN = 'mutation ($i: AssignInput!) { assign(input: $i) { entityId } }';
    const lukas = { authorization: `Bearer ${await platform.tokenOf('OPERATOR:lukas')}` };
    const give = await platform.gql(ASSIGN, { i: { entity: { type: 'inquiry', id }, assigneeId: idOf('sasha@virel.local') } }, lukas);
    expect(give.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'escalations.manage' });
    expect(await auditCount(id)).toBe(1);
    expect((await platform.gql(ASSIGN, { i: { entity: { type: 'inquiry', id }, assigneeId: idOf('lukas@virel.local') } }, lukas)).errors).toBeUndefined();
    expect((await platform.gql(ASSIGN, { i: { entity: { type: 'inquiry', id }, assigneeId: null } }, lukas)).errors).toBeUndefined();
    const manager = { authorization: `Bearer ${await platform.tokenOf('OPS_MANAGER')}` };
    expect((await platform.gql(ASSIGN, { i: { entity: { type: 'inquiry', id }, assigneeId: idOf('sasha@virel.local') } }, manager)).errors).toBeUndefined();
  });

  test('roles and policy apply: finance may not change an inquiry; an operator may not touch one assigned to someone else', async () => {
    const id = await newInquiry();
    const finance = { authorization: `Bearer ${await platform.tokenOf('FINANCE')}` };
    expect((await platform.gql(CHANGE, { input: { entity: { type: 'inquiry', id }, to: 'qualified' } }, finance)).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'inquiries.write' });
    const [sasha] = await platform.orm.em.getConnection().execute<Array<{ id: string }>>(`SELECT id FROM users WHERE email = 'sasha@virel.local'`);
    await platform.gql('mutation ($i: AssignInput!) { assign(input: $i) { entityId } }', { i: { entity: { type: 'inquiry', id }, assigneeId: sasha!.id } });
    const lukas = { authorization: `Bearer ${await platform.tokenOf('OPERATOR:lukas')}` };
    expect((await platform.gql(CHANGE, { input: { entity: { type: 'inquiry', id }, to: 'qualified' } }, lukas)).errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const [row] = await platform.orm.em.getConnection().execute<Array<{ status: string }>>('SELECT status FROM inquiries WHERE id = ?', [id]);
    expect(row?.status).toBe('new');
  });
});
