/**
 * The walking skeleton end to end, through the real API, the real worker, the real Temporal
 * dev server and real PostgreSQL: a GraphQL mutation starts the inquiry's workflow, an activity
 * commits the row + audit entry + timeline entry + domain event in one transaction, and a
 * GraphQL query reads it back from PostgreSQL.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { WorkflowNotFoundError } from '@temporalio/client';
import { resolveTemporalCli } from '../launcher/temporal-binaries.ts';
import { SA_ENTITY_TYPE, SA_REF, SA_STATUS } from '../workflows/search-attributes.ts';
import { startTestPlatform, testEnv, type TestPlatform } from './support/platform.ts';

const run = promisify(execFile);
let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

const CREATE = `mutation Create($input: CreateInquiryInput!) {
  createInquiry(input: $input) { created inquiry { id ref status source externalRef priority clientEmail workflowId } }
}`;

interface Created {
  createInquiry: { created: boolean; inquiry: { id: string; ref: string; status: string; workflowId: string; clientEmail: string | null } };
}

async function rowCounts(entityId?: string) {
  const connection = platform.orm.em.getConnection();
  const where = entityId ? `WHERE entity_id = '${entityId}'` : '';
  const [counts] = await connection.execute<Array<Record<string, string>>>(`
    SELECT (SELECT count(*) FROM inquiries ${entityId ? `WHERE id = '${entityId}'` : ''}) AS inquiries,
           (SELECT count(*) FROM audit_log ${where}) AS audit,
           (SELECT count(*) FROM entity_timeline ${where}) AS timeline,
           (SELECT count(*) FROM domain_events ${where}) AS events`);
  return Object.fromEntries(Object.entries(counts ?? {}).map(([k, v]) => [k, Number(v)]));
}

describe('createInquiry → workflow → row → query', () => {
  test('creates the inquiry through its workflow and reads it back from PostgreSQL', async () => {
    const externalRef = `web-${Date.now()}`;
    const result = await platform.gql<Created>(CREATE, {
      input: { source: 'web', externalRef, clientName: 'Emily Stone', clientEmail: 'Emily.Stone@Example.com', subject: 'Dinner on Friday', priority: 'high' },
    });
    expect(result.errors).toBeUndefined();
    const { created, inquiry } = result.data!.createInquiry;
    expect(created).toBe(true);
    expect(inquiry).toMatchObject({ status: 'new', source: 'web', externalRef, priority: 'high', clientEmail: 'emily.stone@example.com' });
    expect(inquiry.ref).toMatch(/^I-\d{4,}$/);
    expect(inquiry.workflowId).toBe(`inquiry:web:${externalRef}`);

    // One transaction wrote the row and its bookkeeping.
    expect(await rowCounts(inquiry.id)).toEqual({ inquiries: 1, audit: 1, timeline: 1, events: 1 });
    const [event] = await platform.orm.em.getConnection().execute<Array<{ event_type: string; payload: Record<string, unknown> }>>(
      'SELECT event_type, payload FROM domain_events WHERE entity_id = ?', [inquiry.id]);
    expect(event).toMatchObject({ event_type: 'inquiry.created', payload: { ref: inquiry.ref, source: 'web', status: 'new' } });
    const [audit] = await platform.orm.em.getConnection().execute<Array<Record<string, unknown>>>(
      'SELECT action, actor_type, entity_type, before, after FROM audit_log WHERE entity_id = ?', [inquiry.id]);
    expect(audit).toMatchObject({ action: 'CREATE', actor_type: 'user', entity_type: 'inquiry', before: null, after: { status: 'new', ref: inquiry.ref } });

    // The query side reads PostgreSQL.
    const read = await platform.gql<{ inquiry: { ref: string; status: string; subject: string } }>(
      'query ($id: ID!) { inquiry(id: $id) { ref status subject } }', { id: inquiry.id });
    expect(read.data?.inquiry).toEqual({ ref: inquiry.ref, status: 'new', subject: 'Dinner on Friday' });

    // The workflow is running, with its search attributes and a readable summary.
    const handle = platform.temporal.workflow.getHandle(inquiry.workflowId);
    const description = await handle.describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.typedSearchAttributes.get(SA_ENTITY_TYPE)).toBe('inquiry');
    expect(description.typedSearchAttributes.get(SA_STATUS)).toBe('new');
    expect(description.typedSearchAttributes.get(SA_REF)).toBe(inquiry.ref);
    expect(await description.staticSummary()).toContain(externalRef);
  });

  test('the official CLI lists the workflow by its search attributes', async () => {
    const externalRef = `tg-${Date.now()}`;
    const result = await platform.gql<Created>(CREATE, { input: { source: 'telegram', externalRef, clientName: 'Michael Reed' } });
    const { inquiry } = result.data!.createInquiry;
    const cli = await resolveTemporalCli();
    const query = `VirelEntityType='inquiry' AND VirelRef='${inquiry.ref}'`;
    // Visibility is eventually consistent: poll briefly.
    let listed: Array<{ execution: { workflowId: string }; searchAttributes: { indexedFields: Record<string, { data: string }> } }> = [];
    for (let attempt = 0; attempt < 50 && listed.length === 0; attempt++) {
      const { stdout } = await run(cli, ['workflow', 'list', '--address', testEnv().temporalAddress, '--query', query, '--output', 'json']);
      listed = JSON.parse(stdout || '[]');
      if (listed.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(listed.map((w) => w.execution.workflowId)).toEqual([`inquiry:telegram:${externalRef}`]);
    const decode = (name: string) => JSON.parse(Buffer.from(listed[0]!.searchAttributes.indexedFields[name]!.data, 'base64').toString());
    expect(decode('VirelStatus')).toBe('new');
    expect(decode('VirelEntityType')).toBe('inquiry');
  });

  test('a duplicate delivery (same source + external ref) returns the same inquiry and writes nothing', async () => {
    const input = { source: 'partner', externalRef: `partner-${Date.now()}`, clientName: 'James Carter' };
    const first = await platform.gql<Created>(CREATE, { input });
    const firstId = first.data!.createInquiry.inquiry.id;
    // Counted about this delivery only: other files' workflows write to the same tables meanwhile.
    expect(await rowCounts(firstId)).toEqual({ inquiries: 1, audit: 1, timeline: 1, events: 1 });
    const [second, third] = await Promise.all([platform.gql<Created>(CREATE, { input }), platform.gql<Created>(CREATE, { input })]);
    for (const again of [second, third]) {
      expect(again.errors).toBeUndefined();
      expect(again.data!.createInquiry.created).toBe(false);
      expect(again.data!.createInquiry.inquiry.id).toBe(firstId);
    }
    expect(await rowCounts(firstId)).toEqual({ inquiries: 1, audit: 1, timeline: 1, events: 1 });
    expect(await inquiriesWith({ externalRef: input.externalRef })).toBe(1);
    expect(await recordedWith(input.externalRef)).toBe(2);
  });

  test('without an external ref every request is a new inquiry', async () => {
    const a = await platform.gql<Created>(CREATE, { input: { source: 'phone', clientPhone: '+44 7700 900111' } });
    const b = await platform.gql<Created>(CREATE, { input: { source: 'phone', clientPhone: '+44 7700 900111' } });
    expect(a.data!.createInquiry.inquiry.id).not.toBe(b.data!.createInquiry.inquiry.id);
  });

  test.each([
    [{ source: 'web', clientEmail: 'not-an-email' }, 'clientEmail'],
    [{ source: 'web', clientPhone: 'call me' }, 'clientPhone'],
    [{ source: 'web', externalRef: 'has spaces in it' }, 'externalRef'],
    [{ source: 'web', requestedTimeFrom: '2026-12-25T20:00:00Z', requestedTimeTo: '2026-12-25T19:00:00Z' }, 'requestedTimeTo'],
    [{ source: 'web', subject: 'x'.repeat(301) }, 'subject'],
  ])('bad input %j gets a VALIDATION error naming %s and changes nothing', async (bad, field) => {
    // Tagged (a valid external ref unless that is the bad field, and a client name) so that
    // "nothing" is checked about this request only: other files write the same tables meanwhile.
    const tag = randomUUID().slice(0, 8);
    const input = { clientName: `Bad input ${tag}`, ...bad, externalRef: 'externalRef' in bad ? `${bad.externalRef} ${tag}` : `bad-${tag}` };
    const result = await platform.gql(CREATE, { input });
    expect(result.data?.createInquiry ?? null).toBeNull();
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field });
    expect(await inquiriesWith({ externalRef: input.externalRef, clientName: input.clientName })).toBe(0);
    expect(await recordedWith(input.externalRef)).toBe(0);
    // No workflow was started under the id this delivery would have had.
    await expect(platform.temporal.workflow.getHandle(`inquiry:web:${input.externalRef}`).describe()).rejects.toThrow(WorkflowNotFoundError);
  });

  test('an unknown enum value or a malformed date is rejected by the schema', async () => {
    const badSource = await platform.gql(CREATE, { input: { source: 'carrier-pigeon' } });
    expect(badSource.errors?.[0]?.message).toMatch(/carrier-pigeon/);
    const badDate = await platform.gql(CREATE, { input: { source: 'web', requestedTimeFrom: 'tomorrow' } });
    expect(badDate.errors?.[0]?.message).toMatch(/ISO-8601/);
  });
});

/** Inquiries with this external ref or client name. */
async function inquiriesWith(tagged: { externalRef?: string; clientName?: string }): Promise<number> {
  const [row] = await platform.orm.em.getConnection().execute<Array<{ n: string }>>(
    'SELECT count(*) AS n FROM inquiries WHERE external_ref = ? OR client_name = ?', [tagged.externalRef ?? null, tagged.clientName ?? null]);
  return Number(row?.n);
}

/** Audit entries and domain events that record this external ref (an inquiry's CREATE and inquiry.created do). */
async function recordedWith(externalRef: string): Promise<number> {
  const [row] = await platform.orm.em.getConnection().execute<Array<{ n: string }>>(
    `SELECT (SELECT count(*) FROM audit_log WHERE after->>'externalRef' = ?) + (SELECT count(*) FROM domain_events WHERE payload->>'externalRef' = ?) AS n`,
    [externalRef, externalRef]);
  return Number(row?.n);
}

describe('client linking', () => {
  test('concurrent inquiries from a new address make one client (the database refuses a second), phones stored as digits', async () => {
    const intake = `intake-${randomUUID().slice(0, 8)}@example.com`;
    const inquiries = await Promise.all(Array.from({ length: 4 }, () => platform.gql<{ createInquiry: { inquiry: { id: string } } }>(
      'mutation ($e: String) { createInquiry(input: { source: web, clientName: "Intake race", clientEmail: $e, clientPhone: "+44 7700 900 555" }) { inquiry { id } } }', { e: intake })));
    expect(inquiries.map((r) => r.errors)).toEqual([undefined, undefined, undefined, undefined]);
    const rows = await platform.orm.em.getConnection().execute<Array<{ clients: string; linked: string; phone: string }>>(
      `SELECT count(DISTINCT c.id) AS clients, count(i.id) AS linked, min(c.phone) AS phone FROM clients c JOIN inquiries i ON i.client_id = c.id WHERE lower(c.email) = ?`, [intake]);
    expect(rows[0]).toEqual({ clients: '1', linked: '4', phone: '+447700900555' });
  });
});

describe('inquiries list', () => {
  test('pages with opaque cursors, newest first, filtered by status', async () => {
    // Its own inquiries only (a tag in the client name, through the q filter): other files leave
    // any number of new inquiries behind.
    const tag = randomUUID().slice(0, 8);
    const created: string[] = [];
    for (let i = 0; i < 4; i++) {
      const result = await platform.gql<Created>(CREATE, { input: { source: 'whatsapp', clientName: `Page test ${tag} ${i}` } });
      expect(result.errors).toBeUndefined();
      created.push(result.data!.createInquiry.inquiry.id);
    }
    // One of the four leaves status new: the status filter drops it.
    const moved = await platform.gql('mutation ($id: ID!) { changeStatus(input: { entity: { type: inquiry, id: $id }, to: "qualified" }) { to } }', { id: created[1] });
    expect(moved.errors).toBeUndefined();
    const q = `query ($after: String, $q: String) { inquiries(first: 2, after: $after, status: new, q: $q) { edges { cursor node { id createdAt status } } pageInfo { hasNextPage endCursor } } }`;
    type Page = { inquiries: { edges: Array<{ cursor: string; node: { id: string; createdAt: string; status: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
    const read = async (after: string | null) => {
      const page: { data?: Page | null; errors?: unknown } = await platform.gql<Page>(q, { after, q: `Page test ${tag}` });
      expect(page.errors).toBeUndefined();
      return page.data!.inquiries;
    };
    // Newest first (createdAt, then id, descending): created one after another, so in reverse.
    const first = await read(null);
    expect(first.edges.map((e) => e.node.id)).toEqual([created[3], created[2]]);
    expect(first.pageInfo).toEqual({ hasNextPage: true, endCursor: first.edges[1]!.cursor });
    const second = await read(first.pageInfo.endCursor);
    expect(second.edges.map((e) => e.node.id)).toEqual([created[0]]);
    expect(second.pageInfo).toEqual({ hasNextPage: false, endCursor: second.edges[0]!.cursor });
    const nodes = [...first.edges, ...second.edges].map((e) => e.node);
    expect(nodes.map((n) => n.status)).toEqual(['new', 'new', 'new']);
    const instants = nodes.map((n) => Date.parse(n.createdAt));
    expect(instants).toEqual([...instants].sort((x, y) => y - x));
  });

  test('filters by priority, source, assignee, time and free text; contacts are searchable only with pii.read', async () => {
    const tag = randomUUID().slice(0, 8);
    const make = async (input: Record<string, unknown>) => (await platform.gql<{ createInquiry: { inquiry: { id: string; ref: string } } }>(
      'mutation ($input: CreateInquiryInput!) { createInquiry(input: $input) { inquiry { id ref } } }', { input })).data!.createInquiry.inquiry;
    const urgent = await make({ source: 'telegram', priority: 'critical', clientName: `Filter ${tag} Ada`, clientEmail: `ada-${tag}@example.com` });
    const calm = await make({ source: 'phone', priority: 'low', clientName: `Filter ${tag} Bo`, subject: `Quiet ${tag}` });
    type List = { inquiries: { edges: Array<{ node: { id: string } }> } };
    const ids = async (args: string, headers?: Record<string, string>) => {
      const result = await platform.gql<List>(`{ inquiries(first: 100, ${args}) { edges { node { id } } } }`, undefined, headers);
      expect(result.errors).toBeUndefined();
      return result.data!.inquiries.edges.map((e) => e.node.id);
    };
    expect(await ids(`q: "${tag}", priority: [critical, high]`)).toEqual([urgent.id]);
    expect(await ids(`q: "${tag}", source: [phone]`)).toEqual([calm.id]);
    expect(await ids(`q: "#${urgent.ref.toLowerCase()}"`)).toEqual([urgent.id]);
    expect(await ids(`q: "Quiet ${tag}"`)).toEqual([calm.id]);
    expect(await ids(`q: "${tag}", assignee: "unassigned", createdFrom: "${new Date(Date.now() - 60_000).toISOString()}"`)).toEqual([calm.id, urgent.id]);
    expect(await ids(`q: "${tag}", assignee: "me"`)).toEqual([]);
    // The email matches for the owner; an operator (masked contacts) cannot search by it.
    expect(await ids(`q: "ada-${tag}@"`)).toEqual([urgent.id]);
    expect(await ids(`q: "ada-${tag}@"`, { authorization: `Bearer ${await platform.tokenOf('OPERATOR')}` })).toEqual([]);
    const backwards = await platform.gql(`{ inquiries(createdFrom: "2026-01-02T00:00:00Z", createdTo: "2026-01-01T00:00:00Z") { edges { cursor } } }`);
    expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'createdTo' });
  });

  test('rows created within the same millisecond are each paged exactly once (the cursor holds the stored instant)', async () => {
    const tag = randomUUID().slice(0, 8);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await platform.gql<{ createInquiry: { inquiry: { id: string } } }>(CREATE, { input: { source: 'web', clientName: `Same ms ${tag}` } })).data!.createInquiry.inquiry.id);
    // As concurrent intake does: microseconds apart, within one millisecond.
    for (const [n, id] of ids.entries()) {
      await platform.orm.em.getConnection().execute(`UPDATE inquiries SET created_at = '2031-01-01T00:00:00.000100Z'::timestamptz + ? * interval '1 microsecond' WHERE id = ?`, [n * 300, id]);
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const result: { data?: { inquiries: { edges: Array<{ node: { id: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string } } } | null } =
        await platform.gql(`query ($after: String) { inquiries(first: 1, after: $after, q: "Same ms ${tag}") { edges { node { id } } pageInfo { hasNextPage endCursor } } }`, { after });
      seen.push(...result.data!.inquiries.edges.map((e) => e.node.id));
      if (!result.data!.inquiries.pageInfo.hasNextPage) break;
      after = result.data!.inquiries.pageInfo.endCursor;
    }
    expect(seen.sort()).toEqual([...ids].sort());
  });

  test('a forged cursor or an oversized page is a VALIDATION error', async () => {
    const forged = await platform.gql('{ inquiries(after: "bm90LWEtY3Vyc29y") { edges { cursor } } }');
    expect(forged.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'after' });
    const oversized = await platform.gql('{ inquiries(first: 101) { edges { cursor } } }');
    expect(oversized.errors?.[0]).toMatchObject({ message: expect.stringMatching(/between 1 and 100/), extensions: { code: 'VALIDATION', field: 'first' } });
    // Far beyond it, the operation's cost is refused before anything runs.
    const huge = await platform.gql('{ inquiries(first: 5000) { edges { cursor } } }');
    expect(huge.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', limit: 'costLimit' });
  });
});

describe('operators console', () => {
  test('GraphiQL is served at /graphql to a browser', async () => {
    const response = await fetch(`${platform.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Virel Ops');
  });

  test('every response carries a request id, and a caller-supplied one is echoed', async () => {
    const mine = await fetch(`${platform.url}/api/v1/health`, { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-abc-123');
    const generated = await fetch(`${platform.url}/api/v1/health`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
