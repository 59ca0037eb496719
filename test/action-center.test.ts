/**
 * The Action Center through real HTTP against the running API, worker and database: tasks and
 * exceptions are created through their workflows (never by writing rows), then read back as
 * each role sees them: groups, seed §5 order, SLA, entity summaries, masking, quick actions,
 * counts and pagination. Other test files share the database, so assertions pick out this
 * file's items and check the order of the whole list against the domain's sortActionItems. The
 * operators are this file's own (a demo operator's queue holds every other file's work in a full
 * run); every operator's list also holds the unassigned work of other files, which their SLA timers
 * may move meanwhile, so counts are compared with the database when it did not change around the
 * reading, and a count's change only when nothing else in the list changed.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import * as commands from '../services/lifecycle-commands.ts';
import { resolveTemporalTestServer } from '../launcher/temporal-binaries.ts';
import { createLogger } from '../platform/logger.ts';
import { startWorkers } from '../worker/run.ts';
import { addSearchAttributesBlindly } from '../worker/search-attributes.ts';
import { sortActionItems, type Severity } from '../domain/action-items.ts';
import { taskWorkflowId, type NewException } from '../workflows/work-item/messages.ts';
import { bookingDraft, demoReferences, startBooking, startTask, transition } from './support/lifecycles.ts';
import { withFreshModel } from './support/models.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { createSignedInUser, type OwnUser } from './support/users.ts';
import { closeOpenWork } from './support/work-items.ts';

let platform: TestPlatform;
let refs: Awaited<ReturnType<typeof demoReferences>>;
/** The operator whose Action Center this file reads (in place of the demo operator Lukas). */
let me: OwnUser;
/** Another operator of this file's own (in place of the demo operator Sasha). */
let colleague: OwnUser;
let bookingId: string;
let bookingRef: string;
const ids: Record<string, string> = {};
/** Everything this file opened (and the bookings its work is about): closed in afterAll. */
const toClose: string[] = [];
/** The tasks of 'breached items', whose workflows ran on a time-skipping test server (closed there). */
const breachTestTasks: string[] = [];

const ITEM = `kind id ref title type severity priority status group assigneeId slaDeadlineAt slaRemainingSeconds slaBreached createdAt
  entity { type id ref summary status clientName clientEmail clientPhone startAt }
  quickActions { kind label mutation entityType entityId toStatus assigneeId }`;
const ACTION_CENTER = `query ($first: Int) { actionCenter(first: $first) {
  generatedAt
  counts { urgent high normal total breached completedToday completedSince }
  groups { name totalCount hasNextPage endCursor items { ${ITEM} } } } }`;
const ACTION_ITEMS = `query ($group: ActionGroupName!, $first: Int, $after: String) { actionItems(group: $group, first: $first, after: $after) {
  totalCount pageInfo { hasPreviousPage hasNextPage startCursor endCursor } edges { cursor node { id } } } }`;

interface QuickAction { kind: string; label: string; mutation: string; entityType: string; entityId: string; toStatus: string | null; assigneeId: string | null }
interface Item {
  kind: string; id: string; ref: string; title: string; type: string; severity: Severity; priority: string | null; status: string; group: string;
  assigneeId: string | null; slaDeadlineAt: string | null; slaRemainingSeconds: number | null; slaBreached: boolean; createdAt: string;
  entity: { type: string; id: string; ref: string | null; summary: string; status: string | null; clientName: string | null; clientEmail: string | null; clientPhone: string | null; startAt: string | null };
  quickActions: QuickAction[];
}
interface Connection { totalCount: number; pageInfo: { hasPreviousPage: boolean; hasNextPage: boolean; startCursor: string | null; endCursor: string | null }; edges: Array<{ cursor: string; node: Item }> }
interface ActionCenter {
  generatedAt: string;
  counts: { urgent: number; high: number; normal: number; total: number; breached: number; completedToday: number; completedSince: string };
  groups: Array<{ name: string; totalCount: number; hasNextPage: boolean; endCursor: string | null; items: Item[] }>;
}


const GROUP_PAGE = `query ($group: ActionGroupName!, $after: String) { actionItems(group: $group, first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { ${ITEM} } } } }`;

/** A demo role ('OWNER', 'OPERATOR:sasha') or one of this file's users. */
type Who = string | OwnUser;
const headersOf = async (who: Who) => (typeof who === 'string' ? { authorization: `Bearer ${await platform.tokenOf(who)}` } : who.headers);

/**
 * The viewer's Action Center; with the default `first`, every group whole (paged on with
 * actionItems): in a full run other files' unassigned work fills more than a page.
 */
async function actionCenterAs(who: Who, first = 100): Promise<ActionCenter> {
  const headers = await headersOf(who);
  const response = await platform.gql<{ actionCenter: ActionCenter }>(ACTION_CENTER, { first }, headers);
  expect(response.errors).toBeUndefined();
  const ac = response.data!.actionCenter;
  if (first !== 100) return ac;
  for (const group of ac.groups) {
    while (group.hasNextPage) {
      const page = await platform.gql<{ actionItems: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: Array<{ node: Item }> } }>(GROUP_PAGE, { group: group.name, after: group.endCursor }, headers);
      expect(page.errors).toBeUndefined();
      group.items.push(...page.data!.actionItems.edges.map((e) => e.node));
      ({ hasNextPage: group.hasNextPage, endCursor: group.endCursor } = page.data!.actionItems.pageInfo);
    }
  }
  return ac;
}
const itemsOf = (ac: ActionCenter) => ac.groups.flatMap((g) => g.items);
const groupOfItem = (ac: ActionCenter, id: string) => ac.groups.find((g) => g.items.some((i) => i.id === id))?.name;

interface View { urgent: number; high: number; normal: number; breached: number; whole: string; others: string }
/**
 * What the database says the viewer's Action Center holds (their own and unassigned open work):
 * the counts per group as seed §5 defines them, a fingerprint of every item (`whole`: id, status,
 * level, assignee, breached) and one of every item but `except` (`others`).
 */
async function viewOf(viewerId: string, except: string[] = []): Promise<View> {
  const [row] = await platform.sql<View>(`
    WITH open_items AS (
      SELECT id, status, priority AS level, assigned_to, CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'low' THEN 3 ELSE 2 END AS rank, sla_breached
        FROM tasks WHERE status IN ('open', 'in_progress') AND (assigned_to = ? OR assigned_to IS NULL)
      UNION ALL
      SELECT id, status, severity, assigned_to, CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'low' THEN 3 ELSE 2 END, sla_breached
        FROM exceptions WHERE status IN ('open', 'investigating') AND (assigned_to = ? OR assigned_to IS NULL)),
    keyed AS (SELECT *, concat_ws(':', id, status, level, assigned_to, sla_breached) AS key FROM open_items)
    SELECT count(*) FILTER (WHERE rank = 0 OR sla_breached)::int AS urgent, count(*) FILTER (WHERE rank = 1 AND NOT sla_breached)::int AS high,
           count(*) FILTER (WHERE rank > 1 AND NOT sla_breached)::int AS normal, count(*) FILTER (WHERE sla_breached)::int AS breached,
           md5(coalesce(string_agg(key, ',' ORDER BY key), '')) AS whole,
           md5(coalesce(string_agg(key, ',' ORDER BY key) FILTER (WHERE NOT (id = ANY(?::uuid[]))), '')) AS others
      FROM keyed`, [viewerId, viewerId, `{${except.join(',')}}`]);
  return row!;
}
const countsOf = (view: View) => ({ urgent: view.urgent, high: view.high, normal: view.normal, breached: view.breached });

/**
 * `read` (of the viewer's Action Center), with the database's view of it, once the view was the
 * same just before and just after the reading (other files' timers may move their unassigned work).
 */
async function settled<T>(viewer: OwnUser, read: () => Promise<T>, except: string[] = []): Promise<{ value: T; view: View }> {
  for (let attempt = 1; ; attempt++) {
    const before = await viewOf(viewer.id, except);
    const value = await read();
    const view = await viewOf(viewer.id, except);
    if (isDeepStrictEqual(before, view) || attempt === 10) return { value, view };
  }
}

async function exception(overrides: Partial<NewException> & { type: string; severity: NewException['severity'] }): Promise<string> {
  const id = randomUUID();
  toClose.push(id);
  await commands.startException(platform.temporal, { id, summary: `Exception ${overrides.type}`, entityType: 'booking', entityId: bookingId, ...overrides }, { actor: { type: 'system' } });
  return id;
}
async function task(name: string, fields: { type: string; priority: 'low' | 'normal' | 'high' | 'critical'; assigneeId?: string; subject?: string }) {
  const started = await startTask(platform.temporal, { entityId: bookingId, subject: fields.subject ?? `Action center ${name}`, ...fields });
  ids[name] = started.created.entityId;
  toClose.push(started.created.entityId);
}

beforeAll(async () => {
  platform = await startTestPlatform();
  refs = await demoReferences(platform.orm);
  me = await createSignedInUser(platform, ['OPERATOR'], 'Action Center Operator');
  colleague = await createSignedInUser(platform, ['OPERATOR'], 'Action Center Colleague');
  const booking = await startBooking(platform.temporal, bookingDraft(await withFreshModel(platform.orm, refs), 7 * 24 * 3600_000));
  bookingId = booking.created.entityId;
  toClose.push(bookingId);
  await transition(booking.handle, 'pending');
  bookingRef = booking.created.ref;
  const mine = me.id;
  // Policies (db/seed/reference-data.ts): confirm_booking 15 min (critical: 10), follow_up 4 h,
  // request_deposit 2 h, payment_failed 30 min, mismatch 1 h; types without a policy have no SLA.
  await task('criticalSoon', { type: 'confirm_booking', priority: 'critical', assigneeId: mine });
  ids.criticalException = await exception({ type: 'payment_failed', severity: 'critical', summary: 'Payment failed: STRIPE_ERROR', assigneeId: mine });
  await task('highLate', { type: 'follow_up', priority: 'high', assigneeId: mine });
  await task('highSoonUnassigned', { type: 'confirm_booking', priority: 'high' });
  await task('normalNoSla', { type: 'call_client', priority: 'normal', assigneeId: mine });
  await task('normalWithSla', { type: 'request_deposit', priority: 'normal', assigneeId: mine });
  ids.mediumException = await exception({ type: 'mismatch', severity: 'medium', summary: 'Availability mismatch', entityType: 'model', entityId: refs.model_id });
  await task('lowNoSla', { type: 'call_client', priority: 'low', assigneeId: mine });
  await task('sashas', { type: 'follow_up', priority: 'high', assigneeId: colleague.id });
}, 120_000);

afterAll(async () => {
  // Closed, so that their SLA timers (confirm_booking: 10 and 15 minutes) do not fire in later files.
  try {
    if (platform) await closeOpenWork(platform, toClose, breachTestTasks);
  } finally {
    await platform?.stop();
  }
});

describe('actionCenter', () => {
  test('groups URGENT / HIGH / NORMAL in seed §5 order: severity, breached, nearer SLA deadline, oldest', async () => {
    // Read whole while nothing in it changed (its pages are separate requests).
    const { value: ac } = await settled(me, () => actionCenterAs(me));
    expect(ac.groups.map((g) => g.name)).toEqual(['URGENT', 'HIGH', 'NORMAL']);
    const mine = (group: string) => ac.groups.find((g) => g.name === group)!.items.map((i) => i.id).filter((id) => Object.values(ids).includes(id));
    expect(mine('URGENT')).toEqual([ids.criticalSoon, ids.criticalException]);
    expect(mine('HIGH')).toEqual([ids.highSoonUnassigned, ids.highLate]);
    expect(mine('NORMAL')).toEqual([ids.mediumException, ids.normalWithSla, ids.normalNoSla, ids.lowNoSla]);
    // The whole list (other files' items too) is in the domain's order, group by group.
    for (const group of ac.groups) {
      const nodes = group.items;
      const keyed = nodes.map((n) => ({ ...n, slaDeadlineAt: n.slaDeadlineAt ? new Date(n.slaDeadlineAt) : null, createdAt: new Date(n.createdAt) }));
      expect(sortActionItems(keyed).map((n) => n.id)).toEqual(nodes.map((n) => n.id));
      expect(nodes.every((n) => n.group === group.name)).toBe(true);
    }
  });

  test('an operator sees their own and unassigned open items only; another operator sees theirs', async () => {
    const mine = itemsOf(await actionCenterAs(me));
    expect(mine.map((i) => i.id)).not.toContain(ids.sashas);
    expect(mine.every((i) => i.assigneeId === null || i.assigneeId === me.id)).toBe(true);
    expect(mine.every((i) => ['open', 'in_progress', 'investigating'].includes(i.status))).toBe(true);
    const theirs = itemsOf(await actionCenterAs(colleague));
    expect(theirs.map((i) => i.id)).toContain(ids.sashas);
    expect(theirs.map((i) => i.id)).toContain(ids.highSoonUnassigned);
    expect(theirs.map((i) => i.id)).not.toContain(ids.criticalSoon);
    // The Action Center is the viewer's own work even for those who may see everything.
    const owner = await actionCenterAs('OWNER');
    expect(groupOfItem(owner, ids.sashas!)).toBeUndefined();
    expect(groupOfItem(owner, ids.highSoonUnassigned!)).toBe('HIGH');
  });

  test('each item carries its SLA, type, severity and what it is about, contacts masked without pii.read', async () => {
    const [expected] = await platform.sql<{ model: string; location: string; client: string; email: string; phone: string; start_local: string; deadline: Date }>(`
      SELECT m.name AS model, l.title AS location, c.full_name AS client, c.email, c.phone, t.sla_deadline_at AS deadline,
             to_char(b.start_at AT TIME ZONE 'Europe/London', 'YYYY-MM-DD HH24:MI') AS start_local
        FROM bookings b JOIN models m ON m.id = b.model_id JOIN locations l ON l.id = b.location_id JOIN clients c ON c.id = b.client_id
        JOIN tasks t ON t.id = ? WHERE b.id = ?`, [ids.criticalSoon, bookingId]);
    const ac = await actionCenterAs(me);
    const item = itemsOf(ac).find((i) => i.id === ids.criticalSoon)!;
    expect(item).toMatchObject({
      kind: 'task', type: 'confirm_booking', severity: 'critical', priority: 'critical', status: 'open', group: 'URGENT', slaBreached: false,
      assigneeId: me.id, slaDeadlineAt: new Date(expected!.deadline).toISOString(),
    });
    expect(item.ref).toMatch(/^T-\d+$/);
    const remaining = (new Date(expected!.deadline).getTime() - new Date(ac.generatedAt).getTime()) / 1000;
    expect(Math.abs(item.slaRemainingSeconds! - remaining)).toBeLessThanOrEqual(1);
    expect(item.slaRemainingSeconds).toBeGreaterThan(0);
    expect(item.slaRemainingSeconds).toBeLessThanOrEqual(600);
    expect(item.entity).toMatchObject({
      type: 'booking', id: bookingId, ref: bookingRef, status: 'pending', clientName: expected!.client,
      summary: `Booking #${bookingRef} • ${expected!.model} @ ${expected!.location} • ${expected!.client.split(' ')[0]} • ${expected!.start_local}`,
    });
    expect(item.entity.clientPhone).toMatch(/\*\*\*/);
    expect(item.entity.clientPhone).not.toBe(expected!.phone);
    expect(item.entity.clientEmail).toMatch(/^.{1,2}\*\*\*@/);
    const owner = itemsOf(await actionCenterAs('OWNER')).find((i) => i.id === ids.highSoonUnassigned)!;
    expect(owner.entity).toMatchObject({ clientPhone: expected!.phone, clientEmail: expected!.email });
    const noSla = itemsOf(ac).find((i) => i.id === ids.normalNoSla)!;
    expect(noSla).toMatchObject({ slaDeadlineAt: null, slaRemainingSeconds: null, severity: 'medium', priority: 'normal', group: 'NORMAL' });
    const modelException = itemsOf(ac).find((i) => i.id === ids.mediumException)!;
    expect(modelException).toMatchObject({ kind: 'exception', severity: 'medium', priority: null, assigneeId: null });
    expect(modelException.entity).toMatchObject({ type: 'model', id: refs.model_id });
    expect(modelException.entity.summary).toMatch(/^Model \S+/);
  });

  test("an unassigned item about someone else's booking shows the booking's ref only to an operator; the item's own assignee sees it in full", async () => {
    const booking = await startBooking(platform.temporal, bookingDraft(await withFreshModel(platform.orm, refs), 9 * 24 * 3600_000));
    toClose.push(booking.created.entityId);
    await commands.assign(booking.handle, colleague.id, { actor: { type: 'system' } });
    const { created } = await startTask(platform.temporal, { entityId: booking.created.entityId, type: 'follow_up', priority: 'normal', subject: 'About a colleague\'s booking' });
    toClose.push(created.entityId);
    const forMe = itemsOf(await actionCenterAs(me)).find((i) => i.id === created.entityId)!;
    expect(forMe.entity).toEqual({
      type: 'booking', id: booking.created.entityId, ref: booking.created.ref, summary: `Booking #${booking.created.ref}`,
      status: null, clientName: null, clientEmail: null, clientPhone: null, startAt: null,
    });
    const forColleague = itemsOf(await actionCenterAs(colleague)).find((i) => i.id === created.entityId)!;
    expect(forColleague.entity.summary).toMatch(new RegExp(`^Booking #${booking.created.ref} • .+ @ .+ • `));
    expect(forColleague.entity.clientName).toEqual(expect.any(String));
  });

  test('quick actions follow the state machine, the assignee and the role', async () => {
    const summary = (item: Item) => item.quickActions.map((a) => `${a.kind}:${a.entityType}:${a.toStatus ?? a.assigneeId ?? ''}`);
    const myItems = itemsOf(await actionCenterAs(me));
    const mine = myItems.find((i) => i.id === ids.criticalSoon)!;
    expect(summary(mine)).toEqual(['TRANSITION:task:in_progress', 'TRANSITION:task:cancelled', 'ADD_NOTE:task:', 'TRANSITION:booking:confirmed']);
    expect(mine.quickActions.map((a) => a.mutation)).toEqual(['changeStatus', 'changeStatus', 'addNote', 'changeStatus']);
    const unassigned = myItems.find((i) => i.id === ids.highSoonUnassigned)!;
    expect(summary(unassigned)).toContain(`ASSIGN_TO_ME:task:${me.id}`);
    const exceptionActions = myItems.find((i) => i.id === ids.criticalException)!;
    expect(summary(exceptionActions)).toEqual([
      'TRANSITION:exception:investigating', 'TRANSITION:exception:resolved', 'TRANSITION:exception:dismissed', 'ADD_NOTE:exception:',
    ]);
    // Read-only users see the unassigned work but may do nothing about it.
    const readOnly = itemsOf(await actionCenterAs('READ_ONLY')).find((i) => i.id === ids.highSoonUnassigned)!;
    expect(readOnly.quickActions).toEqual([]);
    const ops = itemsOf(await actionCenterAs('OPS_MANAGER')).find((i) => i.id === ids.highSoonUnassigned)!;
    const [opsUser] = await platform.sql<{ id: string }>(`SELECT id FROM users WHERE email = 'ops@virel.local'`);
    expect(summary(ops)).toContain(`ASSIGN_TO_ME:task:${opsUser!.id}`);
    for (const role of ['FINANCE', 'CONTENT_MANAGER', 'INTEGRATIONS_ADMIN']) {
      const denied = await platform.gql(ACTION_CENTER, {}, { authorization: `Bearer ${await platform.tokenOf(role)}` });
      expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await platform.gql(ACTION_CENTER, {}, { authorization: '' })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('a quick action called as described does what it says: assign to me, then start and complete', async () => {
    const token = colleague.headers;
    const { created } = await startTask(platform.temporal, { entityId: bookingId, type: 'call_client', priority: 'high', subject: 'Quick action walk' });
    toClose.push(created.entityId);
    const find = async () => itemsOf(await actionCenterAs(colleague)).find((i) => i.id === created.entityId);
    const before = await actionCenterAs(colleague);
    const call = async (action: QuickAction) => {
      const entity = { type: action.entityType, id: action.entityId };
      const response = action.mutation === 'assign'
        ? await platform.gql('mutation ($i: AssignInput!) { assign(input: $i) { entityId } }', { i: { entity, assigneeId: action.assigneeId } }, token)
        : await platform.gql('mutation ($i: ChangeStatusInput!) { changeStatus(input: $i) { to } }', { i: { entity, to: action.toStatus } }, token);
      expect(response.errors).toBeUndefined();
    };
    await call((await find())!.quickActions.find((a) => a.kind === 'ASSIGN_TO_ME')!);
    expect((await find())).toMatchObject({ assigneeId: colleague.id, status: 'open' });
    expect((await find())!.quickActions.some((a) => a.kind === 'ASSIGN_TO_ME')).toBe(false);
    await call((await find())!.quickActions.find((a) => a.toStatus === 'in_progress')!);
    const started = (await find())!;
    expect(started.status).toBe('in_progress');
    expect(started.quickActions.filter((a) => a.entityType === 'task' && a.kind === 'TRANSITION').map((a) => a.toStatus)).toEqual(['done', 'failed', 'cancelled']);
    await call(started.quickActions.find((a) => a.toStatus === 'done')!);
    expect(await find()).toBeUndefined();
    const after = await actionCenterAs(colleague);
    expect(after.counts.completedToday).toBe(before.counts.completedToday + 1);
  });

  test('counts per group, breached and total agree with the database; completed today counts resolved exceptions', async () => {
    // The database's counts (viewOf: seed §5's groups), read just before and just after, and the same both times.
    const { value: ac, view } = await settled(me, () => actionCenterAs(me));
    const oracle = countsOf(view);
    expect(ac.counts).toMatchObject({ ...oracle, total: oracle.urgent + oracle.high + oracle.normal });
    expect(ac.groups.map((g) => g.totalCount)).toEqual([oracle.urgent, oracle.high, oracle.normal]);

    // Resolving an urgent item of mine: one less urgent, one more completed today. Counted when
    // nothing else in the list changed meanwhile; otherwise again, with a new item to resolve.
    let target = ids.criticalException!;
    for (let attempt = 1; ; attempt++) {
      const before = await settled(me, () => actionCenterAs(me), [target]);
      expect(groupOfItem(before.value, target)).toBe('URGENT');
      const resolved = await platform.gql('mutation ($i: ChangeStatusInput!) { changeStatus(input: $i) { to } }', { i: { entity: { type: 'exception', id: target }, to: 'resolved' } }, me.headers);
      expect(resolved.errors).toBeUndefined();
      const after = await settled(me, () => actionCenterAs(me), [target]);
      if (after.view.others !== before.view.others && attempt < 5) {
        target = await exception({ type: 'payment_failed', severity: 'critical', summary: `Payment failed: attempt ${attempt + 1}`, assigneeId: me.id });
        continue;
      }
      expect(after.value.counts.completedToday).toBe(before.value.counts.completedToday + 1);
      expect(after.value.counts.urgent).toBe(before.value.counts.urgent - 1);
      expect(itemsOf(after.value).map((i) => i.id)).not.toContain(target);
      break;
    }
  });

  test('what completedToday counts is listed by tasks(completedFrom) and exceptions(resolvedBy, resolvedFrom) from completedSince', async () => {
    const token = me.headers;
    // One of each, finished now by the operator: a task of theirs done, an unassigned exception resolved.
    const task = await platform.gql<{ createTask: { task: { id: string } } }>(
      'mutation ($e: ID!, $a: ID!) { createTask(input: { type: "call_client", subject: "Completed today list", entityType: "booking", entityId: $e, assigneeId: $a }) { task { id } } }',
      { e: bookingId, a: me.id });
    expect(task.errors).toBeUndefined();
    const created = { entityId: task.data!.createTask.task.id };
    const change = async (type: string, id: string, to: string) => {
      const response = await platform.gql('mutation ($i: ChangeStatusInput!) { changeStatus(input: $i) { to } }', { i: { entity: { type, id }, to } }, token);
      expect(response.errors).toBeUndefined();
    };
    await change('task', created.entityId, 'in_progress');
    await change('task', created.entityId, 'done');
    const exception = await platform.gql<{ createException: { exception: { id: string } } }>(
      'mutation ($e: ID!) { createException(input: { type: "payment_failed", severity: low, summary: "Completed today list", entityType: "booking", entityId: $e }) { exception { id } } }', { e: bookingId });
    expect(exception.errors).toBeUndefined();
    await change('exception', exception.data!.createException.exception.id, 'resolved');

    const ac = await actionCenterAs(me);
    const since = Date.parse(ac.counts.completedSince);
    // Midnight in Europe/London: in the last 25 hours (a DST day has 25), never ahead.
    expect(since).toBeLessThanOrEqual(Date.now());
    expect(Date.now() - since).toBeLessThan(25 * 3600_000);
    const LIST = `query ($since: DateTime!) {
      tasks(first: 100, assignee: "me", status: [done], completedFrom: $since) { edges { node { id assigneeId completedAt } } }
      exceptions(first: 100, resolvedBy: "me", resolvedFrom: $since) { edges { node { id status resolvedById resolvedAt } } } }`;
    const listed = await platform.gql<{ tasks: { edges: Array<{ node: { id: string; assigneeId: string; completedAt: string } }> }; exceptions: { edges: Array<{ node: { id: string; status: string; resolvedById: string; resolvedAt: string } }> } }>(
      LIST, { since: ac.counts.completedSince }, token);
    expect(listed.errors).toBeUndefined();
    const tasks = listed.data!.tasks.edges.map((e) => e.node);
    const exceptions = listed.data!.exceptions.edges.map((e) => e.node);
    expect(tasks.length + exceptions.length).toBe(ac.counts.completedToday);
    expect(tasks.map((t) => t.id)).toContain(created.entityId);
    expect(exceptions.map((x) => x.id)).toContain(exception.data!.createException.exception.id);
    expect(tasks.every((t) => t.assigneeId === me.id && Date.parse(t.completedAt) >= since)).toBe(true);
    expect(exceptions.every((x) => x.resolvedById === me.id && Date.parse(x.resolvedAt) >= since && ['resolved', 'dismissed'].includes(x.status))).toBe(true);
    // Nothing finished after now; a resolver that is not a user is VALIDATION.
    const later = await platform.gql<{ tasks: { edges: unknown[] }; exceptions: { edges: unknown[] } }>(LIST, { since: new Date(Date.now() + 3600_000).toISOString() }, token);
    expect([later.data?.tasks.edges.length, later.data?.exceptions.edges.length]).toEqual([0, 0]);
    const bad = await platform.gql('{ exceptions(resolvedBy: "someone") { edges { node { id } } } }', {}, token);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'resolvedBy' });
  });

  test('actionItems pages through one group with cursors in the same order', async () => {
    const token = me.headers;
    type Page = { data?: { actionItems: Connection } | null; errors?: unknown };
    // The whole group, then page by page (two at a time), then one page of one: all read while
    // nothing in the list changed (other files' unassigned work is in it too).
    const { value: read } = await settled(me, async () => {
      const normal = (await actionCenterAs(me)).groups.find((g) => g.name === 'NORMAL')!;
      const totals: number[] = [];
      const seen: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 5000; page++) {
        const response: Page = await platform.gql<{ actionItems: Connection }>(ACTION_ITEMS, { group: 'NORMAL', first: 2, after }, token);
        expect(response.errors).toBeUndefined();
        const connection: Connection = response.data!.actionItems;
        totals.push(connection.totalCount);
        seen.push(...connection.edges.map((e) => e.node.id));
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      const firstNormal = (await actionCenterAs(me, 1)).groups.find((g) => g.name === 'NORMAL')!;
      const rest: Page = await platform.gql<{ actionItems: Connection }>(ACTION_ITEMS, { group: 'NORMAL', first: 1, after: firstNormal.endCursor }, token);
      const head: Page = await platform.gql<{ actionItems: Connection }>(ACTION_ITEMS, { group: 'NORMAL', first: 1 }, token);
      return { normal, totals, seen, firstNormal, rest, head };
    });
    const { normal, totals, seen, firstNormal, rest, head } = read;
    expect(normal.totalCount).toBeGreaterThanOrEqual(4);
    expect(new Set(totals)).toEqual(new Set([normal.totalCount]));
    expect(seen).toEqual(normal.items.map((i) => i.id).slice(0, normal.totalCount));
    expect(firstNormal).toMatchObject({ hasNextPage: true, endCursor: expect.any(String) });
    expect(firstNormal.items).toHaveLength(1);
    // Its endCursor continues where the first page stopped.
    expect(rest.data?.actionItems.edges.map((e) => e.node.id)).toEqual([normal.items[1]!.id]);
    // Relay PageInfo: a page after a cursor has items before it; the first page has none.
    expect(rest.data?.actionItems.pageInfo).toMatchObject({ hasPreviousPage: true, startCursor: rest.data?.actionItems.edges[0]!.cursor });
    expect(head.data?.actionItems.pageInfo).toMatchObject({ hasPreviousPage: false, startCursor: head.data?.actionItems.edges[0]!.cursor });
  });

  test('bad arguments are VALIDATION', async () => {
    for (const [query, variables, field] of [
      [ACTION_CENTER, { first: 0 }, 'first'],
      [ACTION_CENTER, { first: 101 }, 'first'],
      [ACTION_ITEMS, { group: 'HIGH', after: 'not-a-cursor' }, 'after'],
      [ACTION_ITEMS, { group: 'HIGH', after: Buffer.from('[1,true,"x","y","z"]').toString('base64url') }, 'after'],
    ] as const) {
      const response = await platform.gql(query, variables);
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field });
    }
  });
});

/**
 * A breach needs its SLA deadline to pass: on the time-skipping test server (as test/timers.test.ts)
 * the tasks' workflows run in skipped time and write the breach through their own activities; the
 * Action Center is read through the same API as above (it reads only PostgreSQL).
 */
describe('breached items', () => {
  let env: TestWorkflowEnvironment;
  let workers: Awaited<ReturnType<typeof startWorkers>>;

  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: await resolveTemporalTestServer() } } });
    const namespace = env.namespace ?? 'default';
    await addSearchAttributesBlindly(env.nativeConnection, namespace);
    workers = await startWorkers({
      databaseUrl: process.env.TEST_DATABASE_URL as string, temporalAddress: '', connection: env.nativeConnection, client: env.client, namespace,
      metricsAddress: undefined, registerSearchAttributes: false, logger: createLogger({ level: 'silent', service: 'test' }),
    });
  }, 60_000);

  /** Closes the tasks of this describe on the server their workflows run on, so that none is left open. */
  const cancel = async (taskIds: string[]) => {
    for (const id of taskIds) {
      const [row] = await platform.sql<{ status: string }>('SELECT status FROM tasks WHERE id = ?', [id]);
      if (row && ['open', 'in_progress'].includes(row.status)) await transition(env.client.workflow.getHandle(taskWorkflowId(id)), 'cancelled');
    }
  };

  afterAll(async () => {
    try {
      if (env) await cancel(breachTestTasks);
    } finally {
      await workers?.shutdown();
      await env?.teardown();
    }
  });

  const startWith = async (id: string, priority: 'normal' | 'high', subject: string) => {
    breachTestTasks.push(id);
    // follow_up: 4 h, and on breach only its priority is raised (it stays with its assignee).
    await commands.startTask(env.client, { id, type: 'follow_up', priority, subject, entityType: 'booking', entityId: bookingId, assigneeId: me.id },
      { actor: { type: 'system' } }, { plainStart: true });
  };

  test('a breached item is URGENT, marked and counted, ahead of unbreached items of its severity', async () => {
    // Counted when nothing else in the list changed meanwhile (other files' unassigned work is in
    // it); otherwise again, with new tasks (this attempt's closed first, so they change nothing more).
    for (let attempt = 1; ; attempt++) {
      const breaching = randomUUID();
      const fresh = randomUUID();
      const before = await settled(me, () => actionCenterAs(me), [breaching, fresh]);
      await startWith(breaching, 'normal', 'Follow up that will breach');
      await env.sleep('3h');
      await startWith(fresh, 'high', 'Follow up still in time');
      await env.sleep('61m');
      const deadline = Date.now() + 15_000;
      let row: { sla_breached: boolean; priority: string } | undefined;
      while (Date.now() < deadline && !row?.sla_breached) {
        [row] = await platform.sql<{ sla_breached: boolean; priority: string }>('SELECT sla_breached, priority FROM tasks WHERE id = ?', [breaching]);
        if (!row?.sla_breached) await new Promise((r) => setTimeout(r, 100));
      }
      expect(row).toEqual({ sla_breached: true, priority: 'high' });
      const { value: ac, view } = await settled(me, () => actionCenterAs(me), [breaching, fresh]);
      if (view.others !== before.view.others && attempt < 3) {
        await cancel([breaching, fresh]);
        continue;
      }
      const breached = itemsOf(ac).find((i) => i.id === breaching)!;
      expect(breached).toMatchObject({ slaBreached: true, severity: 'high', priority: 'high', group: 'URGENT', assigneeId: me.id });
      expect(groupOfItem(ac, fresh)).toBe('HIGH');
      expect(ac.counts.breached).toBe(before.value.counts.breached + 1);
      expect(ac.counts.urgent).toBe(before.value.counts.urgent + 1);
      // Severity first: the breached high item follows every critical one and precedes every unbreached high one.
      const urgent = ac.groups.find((g) => g.name === 'URGENT')!.items;
      const at = urgent.findIndex((i) => i.id === breaching);
      expect(urgent.slice(0, at).every((i) => i.severity === 'critical' || (i.severity === 'high' && i.slaBreached))).toBe(true);
      expect(urgent.slice(at + 1).every((i) => i.severity !== 'critical')).toBe(true);
      break;
    }
  }, 120_000);
});
