/**
 * Tasks and exceptions through the real API, worker and database: creation starts their
 * workflows (with the SLA of sla_policies), completing / resolving / dismissing are workflow
 * transitions that leave their audit entries, lists filter and page, and operators see only
 * what is theirs or unassigned.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { assign } from '../services/lifecycle-commands.ts';
import { lifecycleStateQuery } from '../workflows/lifecycle/messages.ts';
import { exceptionWorkflowId, taskWorkflowId } from '../workflows/work-item/messages.ts';
import { freshBooking } from './operations/bookings.ts';
import { freshException, freshTask, subjectBooking } from './operations/work-items.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

const transitions = async (id: string) => platform.sql<{ before: { status: string }; after: { status: string }; metadata: { reason?: string } | null; actor_user_id: string }>(
  `SELECT before, after, metadata, actor_user_id FROM audit_log WHERE entity_id = ? AND action = 'STATUS_CHANGE' ORDER BY created_at, id`, [id]);

describe('createTask / createException', () => {
  test('start their workflows, which write the rows with the SLA of their policy', async () => {
    const subject = await freshBooking(platform);
    const created = await platform.gql<{ createTask: { task: Record<string, unknown> & { id: string; createdAt: string; slaDeadlineAt: string } } }>(
      `mutation ($input: CreateTaskInput!) { createTask(input: $input) { task { id ref type status priority subject entityType entityId assigneeId dueAt slaDeadlineAt slaBreached details workflowId createdAt } } }`,
      { input: { type: 'follow_up', subject: 'Call James back', priority: 'high', entityType: 'booking', entityId: subject, dueAt: '2031-01-01T10:00:00Z', details: '{"channel":"phone"}' } });
    expect(created.errors).toBeUndefined();
    const task = created.data!.createTask.task;
    expect(task).toMatchObject({ status: 'open', priority: 'high', type: 'follow_up', entityId: subject, assigneeId: null, slaBreached: false, details: '{"channel":"phone"}', workflowId: `task:${task.id}` });
    // follow_up: 4 hours (seed §6.6 policy shipped in reference data).
    expect(Date.parse(task.slaDeadlineAt) - Date.parse(task.createdAt)).toBe(240 * 60_000);
    expect((await platform.temporal.workflow.getHandle(taskWorkflowId(task.id)).describe()).status.name).toBe('RUNNING');
    expect((await platform.sql<{ action: string }>('SELECT action FROM audit_log WHERE entity_id = ?', [task.id])).map((r) => r.action)).toEqual(['CREATE']);

    const exception = await platform.gql<{ createException: { exception: { id: string; status: string; severity: string; slaDeadlineAt: string | null } } }>(
      'mutation { createException(input: { type: "payment_failed", severity: high, summary: "Card declined", entityType: "payment", entityId: "' + randomUUID() + '" }) { exception { id status severity slaDeadlineAt } } }');
    expect(exception.data?.createException.exception).toMatchObject({ status: 'open', severity: 'high' });
    expect(exception.data?.createException.exception.slaDeadlineAt).not.toBeNull();
    const state = await platform.temporal.workflow.getHandle(exceptionWorkflowId(exception.data!.createException.exception.id)).query(lifecycleStateQuery);
    expect(state.status).toBe('open');
  });

  test('bad input is VALIDATION naming the field and creates nothing', async () => {
    // "Nothing" is counted about this test's own inputs (a tagged subject, a fresh entity id):
    // escalations of other files' work items write tasks and exceptions meanwhile.
    const subject = `x ${randomUUID().slice(0, 8)}`;
    const model = randomUUID();
    const count = async () => (await platform.sql<{ n: string }>(
      'SELECT (SELECT count(*) FROM tasks WHERE subject = ?) + (SELECT count(*) FROM exceptions WHERE entity_id = ?) AS n', [subject, model]))[0]!.n;
    const CREATE = 'mutation ($input: CreateTaskInput!) { createTask(input: $input) { task { id } } }';
    const base = { type: 'follow_up', subject, entityType: 'booking', entityId: await subjectBooking(platform) };
    expect((await platform.gql(CREATE, { input: { ...base, type: 'Not A Code' } })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'type' });
    expect((await platform.gql(CREATE, { input: { ...base, entityId: 'nope' } })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'entityId' });
    expect((await platform.gql(CREATE, { input: { ...base, details: '[1,2]' } })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'details' });
    expect((await platform.gql(CREATE, { input: { ...base, assigneeId: randomUUID() } })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'assigneeId' });
    const exception = await platform.gql('mutation ($m: ID!) { createException(input: { type: "x", severity: low, summary: "  ", entityType: "model", entityId: $m }) { exception { id } } }', { m: model });
    expect(exception.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'summary' });
    expect(await count()).toBe('0');
    // The same inputs, valid, are counted.
    expect((await platform.gql(CREATE, { input: base })).errors).toBeUndefined();
    expect((await platform.gql('mutation ($m: ID!) { createException(input: { type: "x", severity: low, summary: "Valid", entityType: "model", entityId: $m }) { exception { id } } }', { m: model })).errors).toBeUndefined();
    expect(await count()).toBe('2');
  });
});

describe('what a new work item may be about and who it may go to', () => {
  test('an operator cannot open a task on a booking outside their policy (it would show in their Action Center), nor give it to someone else', async () => {
    const booking = await freshBooking(platform);
    await assign(platform.temporal.workflow.getHandle(`booking:${booking}`), await platform.userId('sasha@virel.local'), { actor: { type: 'system' } });
    const lukas = { authorization: `Bearer ${await platform.tokenOf('OPERATOR:lukas')}` };
    const CREATE = 'mutation ($input: CreateTaskInput!) { createTask(input: $input) { task { id } } }';
    // Tasks about these bookings or with this test's subjects (escalations write tasks meanwhile).
    const tag = randomUUID().slice(0, 8);
    const ghost = randomUUID();
    const count = async () => (await platform.sql<{ n: string }>(
      'SELECT count(*) AS n FROM tasks WHERE entity_id IN (?, ?) OR subject LIKE ?', [booking, ghost, `% ${tag}`]))[0]!.n;
    const hidden = await platform.gql(CREATE, { input: { type: 'follow_up', subject: `Peek ${tag}`, entityType: 'booking', entityId: booking } }, lukas);
    expect(hidden.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'entityId' });
    const missing = await platform.gql(CREATE, { input: { type: 'follow_up', subject: `Ghost ${tag}`, entityType: 'booking', entityId: ghost } });
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'entityId' });
    const giveAway = await platform.gql(CREATE, { input: { type: 'follow_up', subject: `For Sasha ${tag}`, entityType: 'booking', entityId: await subjectBooking(platform), assigneeId: await platform.userId('sasha@virel.local') } }, lukas);
    expect(giveAway.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'escalations.manage' });
    expect(await count()).toBe('0');
    // Their own booking, and keeping the task, are fine.
    const mine = await platform.gql(CREATE, { input: { type: 'follow_up', subject: 'Mine', entityType: 'booking', entityId: await subjectBooking(platform), assigneeId: await platform.userId('lukas@virel.local') } }, lukas);
    expect(mine.errors).toBeUndefined();
  });
});

describe('lists', () => {
  test('tasks filter by status, priority, assignee, type, slaBreached, due range, entity and text, and page', async () => {
    const entityId = await freshBooking(platform);
    const type = `check_${randomUUID().slice(0, 8)}`;
    const ids = [
      await freshTask(platform, { type, entityId, priority: 'low', dueAt: '2031-01-01T10:00:00Z' }),
      await freshTask(platform, { type, entityId, priority: 'high', dueAt: '2031-01-02T10:00:00Z', subject: 'Chase the payment' }),
      await freshTask(platform, { type, entityId, priority: 'high', dueAt: '2031-01-03T10:00:00Z' }),
    ];
    await assign(platform.temporal.workflow.getHandle(taskWorkflowId(ids[2]!)), await platform.userId('lukas@virel.local'), { actor: { type: 'system' } });
    // SLA breaches come from the workflow's timer (test/timers.test.ts); here only the filter is under test.
    await platform.sql('UPDATE tasks SET sla_breached = true WHERE id = ?', [ids[0]]);
    const LIST = `query ($v: String, $first: Int, $after: String, $status: [TaskStatus!], $priority: [Priority!], $assignee: String, $slaBreached: Boolean, $dueFrom: DateTime, $dueTo: DateTime, $q: String, $entityId: ID) {
      tasks(first: $first, after: $after, type: $v, status: $status, priority: $priority, assignee: $assignee, slaBreached: $slaBreached, dueFrom: $dueFrom, dueTo: $dueTo, q: $q, entityId: $entityId) {
        edges { node { id } } pageInfo { hasNextPage endCursor } } }`;
    type List = { tasks: { edges: Array<{ node: { id: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    const list = async (vars: Record<string, unknown>, headers?: Record<string, string>) => {
      const result = await platform.gql<List>(LIST, { v: type, ...vars }, headers);
      if (result.errors) throw new Error(JSON.stringify(result.errors));
      return result.data!.tasks;
    };
    const idsOf = async (vars: Record<string, unknown>, headers?: Record<string, string>) => (await list(vars, headers)).edges.map((e) => e.node.id);
    expect(await idsOf({})).toEqual([ids[2], ids[1], ids[0]]);
    expect(await idsOf({ slaBreached: true })).toEqual([ids[0]]);
    expect(await idsOf({ slaBreached: false })).toEqual([ids[2], ids[1]]);
    expect(await idsOf({ priority: ['high'] })).toEqual([ids[2], ids[1]]);
    expect(await idsOf({ assignee: 'unassigned' })).toEqual([ids[1], ids[0]]);
    expect(await idsOf({ assignee: await platform.userId('lukas@virel.local') })).toEqual([ids[2]]);
    expect(await idsOf({ assignee: 'me' }, await platform.as('OPERATOR:lukas'))).toEqual([ids[2]]);
    expect(await idsOf({ assignee: 'me' }, await platform.as('OPERATOR:sasha'))).toEqual([]);
    expect(await idsOf({ dueFrom: '2031-01-02T00:00:00Z', dueTo: '2031-01-03T00:00:00Z' })).toEqual([ids[1]]);
    expect(await idsOf({ q: 'chase the' })).toEqual([ids[1]]);
    expect(await idsOf({ status: ['done'] })).toEqual([]);
    expect(await idsOf({ entityId })).toHaveLength(3);
    const page1 = await list({ first: 2 });
    const page2 = await list({ first: 2, after: page1.pageInfo.endCursor });
    expect([...page1.edges, ...page2.edges].map((e) => e.node.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect([page1.pageInfo.hasNextPage, page2.pageInfo.hasNextPage]).toEqual([true, false]);
    const bad = await platform.gql(LIST, { v: type, assignee: 'someone' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'assignee' });
  });

  test('exceptions filter by severity, status, slaBreached and type; operators see only theirs or unassigned', async () => {
    const type = `odd_${randomUUID().slice(0, 8)}`;
    const low = await freshException(platform, { type, severity: 'low' });
    const critical = await freshException(platform, { type, severity: 'critical' });
    const sashas = await freshException(platform, { type, severity: 'high' });
    await assign(platform.temporal.workflow.getHandle(exceptionWorkflowId(sashas)), await platform.userId('sasha@virel.local'), { actor: { type: 'system' } });
    await platform.sql('UPDATE exceptions SET sla_breached = true WHERE id = ?', [critical]);
    const LIST = 'query ($t: String, $severity: [ExceptionSeverity!], $slaBreached: Boolean) { exceptions(type: $t, severity: $severity, slaBreached: $slaBreached) { edges { node { id } } } }';
    type List = { exceptions: { edges: Array<{ node: { id: string } }> } };
    const idsOf = async (vars: Record<string, unknown>, headers?: Record<string, string>) => (await platform.gql<List>(LIST, { t: type, ...vars }, headers)).data!.exceptions.edges.map((e) => e.node.id);
    expect(await idsOf({})).toEqual([sashas, critical, low]);
    expect(await idsOf({ severity: ['low', 'critical'] })).toEqual([critical, low]);
    expect(await idsOf({ slaBreached: true })).toEqual([critical]);
    const lukas = await platform.as('OPERATOR:lukas');
    expect(await idsOf({}, lukas)).toEqual([critical, low]);
    expect((await platform.gql<{ exception: unknown }>('query ($id: ID!) { exception(id: $id) { id } }', { id: sashas }, lukas)).data?.exception).toBeNull();
    const denied = await platform.gql('mutation ($id: ID!) { resolveException(id: $id, resolution: "mine now") { exception { id } } }', { id: sashas }, lukas);
    expect(denied.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    expect((await platform.sql<{ status: string }>('SELECT status FROM exceptions WHERE id = ?', [sashas]))[0]!.status).toBe('open');
    // Content managers have no exceptions.read.
    expect((await platform.gql(LIST, { t: type }, await platform.as('CONTENT_MANAGER'))).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'exceptions.read' });
  });
});

describe('completeTask / resolveException / dismissException', () => {
  test('completeTask moves an open task through in_progress to done, each a workflow transition in the audit log', async () => {
    const id = await freshTask(platform);
    const COMPLETE = 'mutation ($id: ID!) { completeTask(id: $id, reason: "called back") { task { status completedAt } transition { from to entityType } } }';
    const done = await platform.gql<{ completeTask: { task: { status: string; completedAt: string | null }; transition: { from: string; to: string; entityType: string } } }>(COMPLETE, { id });
    expect(done.errors).toBeUndefined();
    expect(done.data!.completeTask.transition).toEqual({ from: 'in_progress', to: 'done', entityType: 'task' });
    expect(done.data!.completeTask.task.status).toBe('done');
    expect(done.data!.completeTask.task.completedAt).not.toBeNull();
    const owner = await platform.userId('owner@virel.local');
    expect(await transitions(id)).toEqual([
      { before: { status: 'open' }, after: { status: 'in_progress' }, metadata: { reason: 'called back' }, actor_user_id: owner },
      { before: { status: 'in_progress' }, after: { status: 'done' }, metadata: { reason: 'called back' }, actor_user_id: owner },
    ]);
    expect((await platform.temporal.workflow.getHandle(taskWorkflowId(id)).query(lifecycleStateQuery)).status).toBe('done');
    const again = await platform.gql(COMPLETE, { id });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_TRANSITION', from: 'done' });
    expect(await transitions(id)).toHaveLength(2);
  });

  test('resolveException keeps the resolution as the transition reason; dismissException likewise; a second try is refused', async () => {
    const id = await freshException(platform);
    const RESOLVE = 'mutation ($id: ID!, $r: String!) { resolveException(id: $id, resolution: $r) { exception { status resolvedAt resolvedById resolution } transition { from to } } }';
    const empty = await platform.gql(RESOLVE, { id, r: '   ' });
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'resolution' });
    expect(await transitions(id)).toEqual([]);
    const resolved = await platform.gql<{ resolveException: { exception: Record<string, unknown>; transition: unknown } }>(RESOLVE, { id, r: 'Refunded the difference' });
    expect(resolved.errors).toBeUndefined();
    expect(resolved.data!.resolveException.exception).toMatchObject({ status: 'resolved', resolvedById: await platform.userId('owner@virel.local'), resolution: 'Refunded the difference' });
    expect(resolved.data!.resolveException.transition).toEqual({ from: 'open', to: 'resolved' });
    expect(await transitions(id)).toMatchObject([{ before: { status: 'open' }, after: { status: 'resolved' }, metadata: { reason: 'Refunded the difference' } }]);
    const dismissAfter = await platform.gql('mutation ($id: ID!) { dismissException(id: $id, reason: "dup") { exception { status } } }', { id });
    expect(dismissAfter.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_TRANSITION', from: 'resolved', to: 'dismissed' });

    const other = await freshException(platform);
    await platform.gql('mutation ($id: ID!) { changeStatus(input: { entity: { type: exception, id: $id }, to: "investigating" }) { to } }', { id: other });
    const dismissed = await platform.gql<{ dismissException: { exception: { status: string; resolution: string } } }>(
      'mutation ($id: ID!) { dismissException(id: $id, reason: "Duplicate of another report") { exception { status resolution } } }', { id: other }, await platform.as('OPERATOR'));
    expect(dismissed.data?.dismissException.exception).toEqual({ status: 'dismissed', resolution: 'Duplicate of another report' });
    expect((await platform.temporal.workflow.getHandle(exceptionWorkflowId(other)).query(lifecycleStateQuery)).status).toBe('dismissed');
  });

  test('unknown ids are NOT_FOUND; finance and content roles may not complete tasks', async () => {
    const missing = await platform.gql('mutation ($id: ID!) { completeTask(id: $id) { task { id } } }', { id: randomUUID() });
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    expect((await platform.gql<{ task: unknown }>('query ($id: ID!) { task(id: $id) { id } }', { id: randomUUID() })).data?.task).toBeNull();
    const id = await freshTask(platform);
    const finance = await platform.gql('mutation ($id: ID!) { completeTask(id: $id) { task { id } } }', { id }, await platform.as('FINANCE'));
    expect(finance.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'tasks.write' });
    expect((await platform.sql<{ status: string }>('SELECT status FROM tasks WHERE id = ?', [id]))[0]!.status).toBe('open');
  });
});
