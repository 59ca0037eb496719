/**
 * Payments (read), availability, automation rules and dry runs, the audit log, and system
 * health and queue state, through the real API, worker, database and Temporal server.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { demoReferences } from './support/lifecycles.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { freshBooking } from './operations/bookings.ts';
import { bookingWorkflowId } from '../workflows/booking/messages.ts';
import { SA_ENTITY_TYPE } from '../workflows/search-attributes.ts';
import { eventually } from './support/wait.ts';
import { RULE_INPUT, freshMismatch, freshPayment, freshRule } from './operations/operations.ts';
import { freshInquiry } from './support/role-matrix.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

const auditOf = (id: string) => platform.sql<{ action: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null; metadata: Record<string, unknown> | null }>(
  'SELECT action, before, after, metadata FROM audit_log WHERE entity_id = ? ORDER BY created_at, id', [id]);

describe('payments', () => {
  test('list and get with status, booking and date filters, for finance; operators have no payments.read', async () => {
    const succeeded = await freshPayment(platform, 'succeeded');
    const failed = await freshPayment(platform, 'failed');
    const [{ booking_id: bookingId }] = (await platform.sql<{ booking_id: string }>('SELECT booking_id FROM payments WHERE id = ?', [failed])) as [{ booking_id: string }];
    const LIST = 'query ($status: String, $bookingId: ID, $from: DateTime) { payments(first: 100, status: $status, bookingId: $bookingId, createdFrom: $from) { edges { node { id status amount bookingId bookingRef } } } }';
    type List = { payments: { edges: Array<{ node: { id: string; status: string; amount: string; bookingId: string; bookingRef: string } }> } };
    const finance = await platform.as('FINANCE');
    const byBooking = await platform.gql<List>(LIST, { bookingId }, finance);
    expect(byBooking.data?.payments.edges.map((e) => e.node)).toEqual([{ id: failed, status: 'failed', amount: '100.00', bookingId, bookingRef: expect.stringMatching(/^B-\d+$/) }]);
    const failedOnes = (await platform.gql<List>(LIST, { status: 'failed' }, finance)).data!.payments.edges.map((e) => e.node.id);
    expect(failedOnes).toContain(failed);
    expect(failedOnes).not.toContain(succeeded);
    expect((await platform.gql<List>(LIST, { from: '2099-01-01T00:00:00Z' }, finance)).data?.payments.edges).toEqual([]);
    const get = await platform.gql<{ payment: { id: string; amount: string } }>('query ($id: ID!) { payment(id: $id) { id amount } }', { id: succeeded }, finance);
    expect(get.data?.payment).toEqual({ id: succeeded, amount: '100.00' });
    expect((await platform.gql<{ payment: unknown }>('query ($id: ID!) { payment(id: $id) { id } }', { id: randomUUID() })).data?.payment).toBeNull();
    const operator = await platform.gql(LIST, {}, await platform.as('OPERATOR'));
    expect(operator.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'payments.read' });
  });
});

describe('availability', () => {
  test('slots are created, edited (audited) and listed by model and time range; bad input changes nothing', async () => {
    const { model_id: modelId } = await demoReferences(platform.orm);
    const day = new Date(Date.UTC(2034, 0, 1) + Math.floor(Math.random() * 300) * 86_400_000);
    const at = (h: number) => new Date(day.getTime() + h * 3600_000).toISOString();
    const CREATE = 'mutation ($input: CreateAvailabilitySlotInput!) { createAvailabilitySlot(input: $input) { id status confidence source startAt } }';
    const created = await platform.gql<{ createAvailabilitySlot: { id: string; status: string; confidence: number; source: string; startAt: string } }>(
      CREATE, { input: { modelId, startAt: at(10), endAt: at(18), confidence: 0.8 } });
    expect(created.errors).toBeUndefined();
    const slot = created.data!.createAvailabilitySlot;
    expect(slot).toMatchObject({ status: 'available', confidence: 0.8, source: 'manual', startAt: at(10) });
    // Slots on this test's own (random) day, of any model: what the refused inputs below would have made.
    const count = async () => (await platform.sql<{ n: string }>(
      `SELECT count(*) AS n FROM availability_slots WHERE start_at >= ? AND start_at < ?`, [at(0), at(24)]))[0]!.n;
    const before = await count();
    expect((await platform.gql(CREATE, { input: { modelId, startAt: at(18), endAt: at(10) } })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'endAt' });
    expect((await platform.gql(CREATE, { input: { modelId: randomUUID(), startAt: at(1), endAt: at(2) } })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'modelId' });
    expect((await platform.gql(CREATE, { input: { modelId, startAt: at(1), endAt: at(2), confidence: 3 } })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'confidence' });
    expect(await count()).toBe(before);

    const updated = await platform.gql<{ updateAvailabilitySlot: { status: string } }>('mutation ($id: ID!) { updateAvailabilitySlot(id: $id, input: { status: tentative }) { status } }', { id: slot.id });
    expect(updated.data?.updateAvailabilitySlot.status).toBe('tentative');
    expect((await auditOf(slot.id)).map((a) => [a.action, a.before?.status ?? null, a.after?.status])).toEqual([['CREATE', null, 'available'], ['UPDATE', 'available', 'tentative']]);
    const backwards = await platform.gql('mutation ($id: ID!, $e: DateTime) { updateAvailabilitySlot(id: $id, input: { endAt: $e }) { id } }', { id: slot.id, e: at(5) });
    expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'endAt' });
    expect((await platform.gql('mutation { updateAvailabilitySlot(id: "' + randomUUID() + '", input: { status: available }) { id } }')).errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });

    const LIST = 'query ($m: ID, $from: DateTime, $to: DateTime) { availabilitySlots(modelId: $m, from: $from, to: $to) { edges { node { id } } } }';
    type List = { availabilitySlots: { edges: Array<{ node: { id: string } }> } };
    const ids = async (from: string, to: string) => (await platform.gql<List>(LIST, { m: modelId, from, to }, await platform.as('OPERATOR'))).data!.availabilitySlots.edges.map((e) => e.node.id);
    expect(await ids(at(17), at(20))).toEqual([slot.id]);
    expect(await ids(at(18), at(20))).toEqual([]);
    expect((await platform.gql('mutation ($id: ID!) { updateAvailabilitySlot(id: $id, input: { status: available }) { id } }', { id: slot.id }, await platform.as('OPERATOR'))).errors?.[0]?.extensions)
      .toMatchObject({ code: 'FORBIDDEN', permission: 'availability.write' });
  });

  test('mismatches are listed by severity and open/resolved, and resolved once (audited); rules are listed', async () => {
    const severity = `sev_${randomUUID().slice(0, 6)}`;
    const first = await freshMismatch(platform, severity);
    const second = await freshMismatch(platform, severity);
    const LIST = 'query ($s: String, $r: Boolean) { availabilityMismatches(severity: $s, resolved: $r) { edges { node { id resolvedAt context } } } }';
    type List = { availabilityMismatches: { edges: Array<{ node: { id: string; resolvedAt: string | null; context: string } }> } };
    const ids = async (resolved?: boolean) => (await platform.gql<List>(LIST, { s: severity, r: resolved })).data!.availabilityMismatches.edges.map((e) => e.node.id);
    expect(await ids()).toEqual([second, first]);
    const RESOLVE = 'mutation ($id: ID!) { resolveAvailabilityMismatch(id: $id, note: "Calendar re-synced") { id resolvedAt } }';
    const resolved = await platform.gql<{ resolveAvailabilityMismatch: { resolvedAt: string } }>(RESOLVE, { id: first });
    expect(resolved.data?.resolveAvailabilityMismatch.resolvedAt).toEqual(expect.any(String));
    expect(await ids(false)).toEqual([second]);
    expect(await ids(true)).toEqual([first]);
    expect(await auditOf(first)).toMatchObject([{ action: 'UPDATE', before: { resolved_at: null }, metadata: { reason: 'Calendar re-synced' } }]);
    const again = await platform.gql(RESOLVE, { id: first });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
    expect(await auditOf(first)).toHaveLength(1);

    const { model_id: modelId } = await demoReferences(platform.orm);
    await platform.sql(`INSERT INTO availability_rules (name, scope, model_id, rule) VALUES ('Weekdays only', 'model', ?, '{"days":["mon","tue","wed","thu","fri"]}')`, [modelId]);
    const rules = await platform.gql<{ availabilityRules: { edges: Array<{ node: { name: string; rule: string; modelId: string } }> } }>(
      'query ($m: ID) { availabilityRules(modelId: $m, scope: "model") { edges { node { name rule modelId } } } }', { m: modelId });
    expect(rules.data?.availabilityRules.edges.map((e) => e.node)).toContainEqual({ name: 'Weekdays only', rule: '{"days":["mon","tue","wed","thu","fri"]}', modelId });
  });
});

describe('automation', () => {
  test('rules are stored, edited, enabled and disabled with audit entries; the shipped rules read back', async () => {
    const id = await freshRule(platform);
    const GET = 'query ($id: ID!) { automationRule(id: $id) { name status trigger triggerFilters conditions { field operator value } actions { type params } limits } }';
    const rule = await platform.gql<{ automationRule: Record<string, unknown> }>(GET, { id });
    expect(rule.data?.automationRule).toEqual({
      name: 'Matrix rule', status: 'disabled', trigger: 'inquiry.created', triggerFilters: '{"source":"web"}',
      conditions: [{ field: 'event.clientEmail', operator: 'not_contains', value: '"@temp"' }],
      actions: [{ type: 'create_task', params: '{"type":"review_inquiry"}' }], limits: '{"max_per_hour":10}',
    });
    const enabled = await platform.gql<{ enableAutomationRule: { status: string } }>('mutation ($id: ID!) { enableAutomationRule(id: $id) { status } }', { id });
    expect(enabled.data?.enableAutomationRule.status).toBe('active');
    const edited = await platform.gql<{ updateAutomationRule: { name: string; status: string } }>('mutation ($id: ID!) { updateAutomationRule(id: $id, input: { name: "Qualify web leads" }) { name status } }', { id });
    expect(edited.data?.updateAutomationRule).toEqual({ name: 'Qualify web leads', status: 'active' });
    await platform.gql('mutation ($id: ID!) { disableAutomationRule(id: $id) { status } }', { id });
    expect((await auditOf(id)).map((a) => [a.action, a.after?.status, a.metadata?.change ?? null])).toEqual([
      ['CREATE', 'disabled', null], ['UPDATE', 'active', 'enabled'], ['UPDATE', 'active', 'edited'], ['UPDATE', 'disabled', 'disabled'],
    ]);
    const shipped = await platform.gql<{ automationRules: { edges: Array<{ node: { name: string; trigger: string } }> } }>('{ automationRules(first: 100, trigger: "payment.failed") { edges { node { name trigger } } } }', undefined, await platform.as('OPS_MANAGER'));
    expect(shipped.data?.automationRules.edges.map((e) => e.node.name)).toContain('Escalate failed payments');
    expect((await platform.gql('{ automationRules { edges { cursor } } }', undefined, await platform.as('OPERATOR'))).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'automation.read' });
  });

  test('bad rules are VALIDATION naming the field and store nothing', async () => {
    // Every bad input carries this test's own name: "nothing" is counted by it (other files store rules too).
    const input = { ...RULE_INPUT, name: `Bad rule ${randomUUID().slice(0, 8)}` };
    const count = async () => (await platform.sql<{ n: string }>('SELECT count(*) AS n FROM automation_rules WHERE name = ?', [input.name]))[0]!.n;
    const CREATE = 'mutation ($input: CreateAutomationRuleInput!) { createAutomationRule(input: $input) { id } }';
    expect((await platform.gql(CREATE, { input: { ...input, actions: [{ type: 'create_task', params: '{nope' }] } })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'actions.0.params' });
    expect((await platform.gql(CREATE, { input: { ...input, actions: [] } })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'actions' });
    expect((await platform.gql(CREATE, { input: { ...input, trigger: 'whenever' } })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'trigger' });
    expect((await platform.gql(CREATE, { input: { ...input, schedule: 'every day' } })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'schedule' });
    expect(await count()).toBe('0');
    // The same input, valid, is stored under that name (the count sees it).
    expect((await platform.gql(CREATE, { input })).errors).toBeUndefined();
    expect(await count()).toBe('1');
    expect((await platform.gql('mutation ($id: ID!) { enableAutomationRule(id: $id) { id } }', { id: randomUUID() })).errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
  });

  test('testAutomationRule is a dry run against a stored event, a sample or the last events, with a draft diff; nothing stored', async () => {
    const id = await freshRule(platform);
    const count = async () => (await platform.sql<{ n: string }>('SELECT (SELECT count(*) FROM automation_executions WHERE rule_id = ?) + (SELECT count(*) FROM audit_log WHERE entity_id = ?) AS n', [id, id]))[0]!.n;
    const before = await count();
    const inquiry = await platform.gql<{ createInquiry: { inquiry: { id: string } } }>('mutation { createInquiry(input: { source: web, clientName: "Dry run", clientEmail: "dry@tempmail.org" }) { inquiry { id } } }');
    const [event] = await platform.sql<{ id: string }>(`SELECT id FROM domain_events WHERE entity_id = ? AND event_type = 'inquiry.created'`, [inquiry.data!.createInquiry.inquiry.id]);
    const TEST = 'mutation ($id: ID!, $input: TestAutomationRuleInput!) { testAutomationRule(id: $id, input: $input) { eventId eventType verdict { runs reason actions } active { runs reason } differs } }';
    type Entry = { eventId: string | null; eventType: string; verdict: { runs: boolean; reason: string | null; actions: string[] }; active: { runs: boolean } | null; differs: boolean };
    const stored = await platform.gql<{ testAutomationRule: Entry[] }>(TEST, { id, input: { eventId: event!.id } });
    expect(stored.errors).toBeUndefined();
    expect(stored.data!.testAutomationRule).toEqual([{ eventId: event!.id, eventType: 'inquiry.created', verdict: { runs: false, reason: 'condition event.clientEmail not_contains not met', actions: [] }, active: null, differs: false }]);
    const sample = await platform.gql<{ testAutomationRule: Entry[] }>(TEST, { id, input: { payload: '{"source":"web","clientEmail":"a@example.com"}' } });
    expect(sample.data!.testAutomationRule[0]).toMatchObject({ eventId: null, verdict: { runs: true, actions: ['create a normal review_inquiry task about the event\'s entity'] } });
    expect((await platform.gql<{ testAutomationRule: Entry[] }>(TEST, { id, input: { payload: '{"source":"phone"}' } })).data!.testAutomationRule[0]!.verdict).toMatchObject({ runs: false, reason: 'trigger filter source not met' });
    // A draft without the condition would act on the temp-mail inquiry; the active version (disabled) would not.
    const draft = await platform.gql<{ testAutomationRule: Entry[] }>(TEST, { id, input: { lastEvents: 3, draft: { conditions: [] } } });
    expect(draft.errors).toBeUndefined();
    const entry = draft.data!.testAutomationRule.find((e) => e.eventId === event!.id);
    expect(entry).toMatchObject({ verdict: { runs: true }, active: { runs: false }, differs: true });
    expect((await platform.gql(TEST, { id, input: { eventId: randomUUID() } })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'eventId' });
    expect((await platform.gql(TEST, { id, input: { payload: 'nope' } })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'payload' });
    expect((await platform.gql(TEST, { id, input: { lastEvents: 5000 } })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'lastEvents' });
    expect((await platform.gql(TEST, { id, input: { eventId: event!.id, draft: { trigger: 'nothing.happened' } } })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'trigger' });
    expect(await count()).toBe(before);
  });
});

describe('audit log', () => {
  test('filters by entity, action, actor and time; masks contacts without pii.read; forbidden to operators', async () => {
    const id = await freshInquiry(platform);
    await platform.gql('mutation ($id: ID!) { updateInquiry(id: $id, input: { clientEmail: "emily.stone@example.com", clientPhone: "+447700900456" }) { inquiry { id } } }', { id });
    const [owner] = await platform.sql<{ id: string }>(`SELECT id FROM users WHERE email = 'owner@virel.local'`);
    const LIST = 'query ($id: ID, $action: String, $actor: ID, $from: DateTime) { auditLog(entityType: "inquiry", entityId: $id, action: $action, actorId: $actor, from: $from) { edges { node { action actorId entityId after } } } }';
    type List = { auditLog: { edges: Array<{ node: { action: string; actorId: string | null; entityId: string; after: string } }> } };
    const all = (await platform.gql<List>(LIST, { id })).data!.auditLog.edges.map((e) => e.node);
    expect(all.map((n) => n.action)).toEqual(['UPDATE', 'CREATE']);
    const update = (await platform.gql<List>(LIST, { id, action: 'UPDATE', actor: owner!.id })).data!.auditLog.edges;
    expect(update).toHaveLength(1);
    expect(JSON.parse(update[0]!.node.after)).toMatchObject({ client_email: 'emily.stone@example.com', client_phone: '+447700900456' });
    const masked = (await platform.gql<List>(LIST, { id, action: 'UPDATE' }, await platform.as('READ_ONLY'))).data!.auditLog.edges;
    expect(JSON.parse(masked[0]!.node.after)).toMatchObject({ client_email: 'em***@example.com', client_phone: '+447700***456' });
    expect((await platform.gql<List>(LIST, { id, from: '2099-01-01T00:00:00Z' })).data!.auditLog.edges).toEqual([]);
    expect((await platform.gql(LIST, { id }, await platform.as('OPERATOR'))).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'audit.read' });
    expect((await platform.gql(LIST, { id: 'not-an-id' })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'entityId' });
  });
});

describe('system', () => {
  test('systemHealth checks PostgreSQL and Temporal now', async () => {
    const health = await platform.gql<{ systemHealth: { status: string; postgres: { status: string }; temporal: { status: string } } }>(
      '{ systemHealth { status postgres { status latencyMs error } temporal { status latencyMs error } time } }', undefined, await platform.as('INTEGRATIONS_ADMIN'));
    expect(health.data?.systemHealth).toMatchObject({ status: 'ok', postgres: { status: 'up', error: null }, temporal: { status: 'up', error: null } });
    expect((await platform.gql('{ systemHealth { status } }', undefined, await platform.as('FINANCE'))).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'system.read' });
  });

  test('queueState reports the seed §9 queues with their pollers and running lifecycles by entity type', async () => {
    type State = { queueState: { error: string | null; queues: Array<{ name: string; kind: string; pollers: number; backlog: number; backlogAgeSeconds: number }>; workflows: Array<{ entityType: string; running: number }> } };
    const read = async () => (await platform.gql<State>('{ queueState { error queues { name kind pollers backlog backlogAgeSeconds } workflows { entityType running } } }')).data!.queueState;
    const running = (state: State['queueState'], entityType: string) => state.workflows.find((w) => w.entityType === entityType)?.running ?? -1;
    // Other files' lifecycles keep starting and ending meanwhile (a held booking expires), so the
    // count is checked against what is known to have happened: this test's two bookings started,
    // and at most the bookings that closed since just before `before` was read have left.
    const since = new Date(Date.now() - 5_000).toISOString();
    const before = await read();
    const mine = [await freshBooking(platform), await freshBooking(platform)];
    const closedSince = async () => (await platform.temporal.workflow.count(`${SA_ENTITY_TYPE.name} = 'booking' AND ExecutionStatus != 'Running' AND CloseTime >= '${since}'`)).count;
    // Visibility is eventually consistent: wait for the two new bookings to be counted.
    const [state, closed] = await eventually(async () => [await read(), await closedSince()] as const,
      ([s, c]) => running(s, 'booking') + c >= running(before, 'booking') + 2);
    expect(state.error).toBeNull();
    expect(running(state, 'booking') + closed).toBeGreaterThanOrEqual(running(before, 'booking') + 2);
    for (const id of mine) expect((await platform.temporal.workflow.getHandle(bookingWorkflowId(id)).describe()).status.name).toBe('RUNNING');
    expect(state.queues.map((q) => [q.name, q.kind])).toEqual([['lifecycles', 'workflow'], ['background', 'workflow'], ['critical', 'activity'], ['ops', 'activity'], ['heavy', 'activity']]);
    // The test platform runs the worker: both workflow queues and every activity queue have pollers
    // (`heavy` serves payment reconciliation).
    const queue = (name: string) => state.queues.find((q) => q.name === name)!;
    for (const name of ['lifecycles', 'background', 'critical', 'ops', 'heavy']) expect(queue(name).pollers).toBeGreaterThan(0);
    // Backlogs are reported as numbers (the worker may be busy with other files' timers right now).
    for (const q of state.queues) {
      expect(q.backlog).toBeGreaterThanOrEqual(0);
      expect(q.backlogAgeSeconds).toBeGreaterThanOrEqual(0);
    }
    // Every lifecycle entity type is reported, each with a count.
    expect(state.workflows.map((w) => w.entityType)).toEqual(['inquiry', 'booking', 'task', 'exception']);
    for (const w of state.workflows) expect(w.running).toBeGreaterThanOrEqual(0);
  });
});
