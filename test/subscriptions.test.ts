/**
 * Subscriptions over real graphql-ws sockets, fed by the pg_notify of the committing transaction:
 * per-viewer policy (an operator hears about their own and unassigned work, and about work leaving
 * them, never about someone else's), light payloads, connect-time authentication, sockets closed
 * when their session ends, delivery across two API processes, and catch-up after the LISTEN
 * connection drops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { decodeJwt } from 'jose';
import { buildApp, type App } from '../api/app.ts';
import { createSessions } from '../api/auth/sessions.ts';
import { issueAccessToken, signingKey } from '../api/auth/tokens.ts';
import type { DemoCredential } from '../db/seed/demo-data.ts';
import { ROLE_CODES, ROLES } from '../domain/access.ts';
import { freePort } from '../launcher/ports.ts';
import { PROJECT_ROOT } from '../launcher/temporal-binaries.ts';
import { createLogger } from '../platform/logger.ts';
import { startTestPlatform, testEnv, TEST_JWT_SECRET, type TestPlatform } from './support/platform.ts';
import { until } from './support/wait.ts';
import { openSocket, openSubscriptions, untilSubscribed, type TestSocket } from './support/ws.ts';

let platform: TestPlatform;
const sockets: Array<{ url: string; socket: TestSocket }> = [];
let lukasId: string;
let sashaId: string;

beforeAll(async () => {
  platform = await startTestPlatform();
  const users = await platform.orm.em.getConnection().execute<Array<{ id: string; email: string }>>(
    `SELECT id, email FROM users WHERE email IN ('lukas@virel.local', 'sasha@virel.local')`);
  lukasId = users.find((u) => u.email.startsWith('lukas@'))!.id;
  sashaId = users.find((u) => u.email.startsWith('sasha@'))!.id;
});
// Each test starts with no open subscription anywhere, so untilSubscribed(n) counts its own.
afterEach(async () => {
  const opened = sockets.splice(0);
  await Promise.all(opened.map((s) => s.socket.dispose()));
  for (const url of new Set(opened.map((s) => s.url))) {
    const deadline = Date.now() + 5000;
    while ((await openSubscriptions(url).catch(() => 0)) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  }
});
afterAll(async () => {
  await platform?.stop();
});

function socket(url: string, authorization?: string): TestSocket {
  const s = openSocket(url, authorization);
  sockets.push({ url, socket: s });
  return s;
}
const bearer = async (role: string) => `Bearer ${await platform.tokenOf(role)}`;

const UPDATE_FIELDS = 'eventId eventType kind entityType entityId ref status assigneeId previousAssigneeId visible occurredAt';
const ACTION_CENTER = `subscription { actionCenterUpdates { ${UPDATE_FIELDS} } }`;
const ENTITY = `subscription ($e: EntityRef!) { entityUpdates(entity: $e) { ${UPDATE_FIELDS} } }`;
interface Update {
  eventId: string; eventType: string; kind: string; entityType: string; entityId: string; ref: string; status: string;
  assigneeId: string | null; previousAssigneeId: string | null; visible: boolean; occurredAt: string;
}
type ActionCenter = { actionCenterUpdates: Update };
type EntityUpdates = { entityUpdates: Update };

async function createInquiry(clientEmail = 'sub.client@example.com'): Promise<string> {
  const created = await platform.gql<{ createInquiry: { inquiry: { id: string } } }>(
    'mutation ($i: CreateInquiryInput!) { createInquiry(input: $i) { inquiry { id } } }',
    { i: { source: 'web', clientName: 'Subscription Client', clientEmail, clientPhone: '+447700900123', subject: 'Realtime' } });
  expect(created.errors).toBeUndefined();
  return created.data!.createInquiry.inquiry.id;
}
async function assign(id: string, assigneeId: string | null) {
  const r = await platform.gql('mutation ($i: AssignInput!) { assign(input: $i) { entityId } }', { i: { entity: { type: 'inquiry', id }, assigneeId } });
  expect(r.errors).toBeUndefined();
}
async function changeStatus(id: string, to: string, url?: string) {
  const query = 'mutation ($i: ChangeStatusInput!) { changeStatus(input: $i) { to } }';
  const variables = { i: { entity: { type: 'inquiry', id }, to, ...(to === 'spam' || to === 'lost' ? { closedReason: 'closed by the test' } : {}) } };
  const r = url
    ? await (await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: await bearer('OWNER') }, body: JSON.stringify({ query, variables }) })).json() as { errors?: unknown }
    : await platform.gql(query, variables);
  expect(r.errors).toBeUndefined();
}
const about = (id: string, eventType?: string) => (v: { data?: ActionCenter | EntityUpdates | null }) => {
  const u = v.data && ('actionCenterUpdates' in v.data ? v.data.actionCenterUpdates : v.data.entityUpdates);
  return u?.entityId === id && (!eventType || u.eventType === eventType);
};
const updatesOf = (received: Array<{ data?: ActionCenter | null }>) => received.map((r) => r.data?.actionCenterUpdates).filter((u): u is Update => !!u);

/** A fresh session (its own refresh token) for a demo user. */
async function signIn(email: string): Promise<{ accessToken: string; refreshToken: string }> {
  const credentials = JSON.parse(readFileSync(path.join(testEnv().dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredential[];
  const who = credentials.find((c) => c.email === email)!;
  const r = await platform.gql<{ login: { accessToken: string; refreshToken: string } }>(
    'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken } }', { e: who.email, p: who.password }, { authorization: '' });
  return r.data!.login;
}

describe('actionCenterUpdates', () => {
  test('an operator hears about unassigned and own work, about work leaving them, and never about work of others', async () => {
    const lukas = socket(platform.url, await bearer('OPERATOR:lukas'));
    const sasha = socket(platform.url, await bearer('OPERATOR:sasha'));
    await Promise.all([lukas.connected, sasha.connected]);
    const lukasFeed = lukas.subscribe<ActionCenter>(ACTION_CENTER);
    const sashaFeed = sasha.subscribe<ActionCenter>(ACTION_CENTER);
    await untilSubscribed(platform.url, 2);

    // Unassigned: every operator sees it.
    const open = await createInquiry();
    const created = await lukasFeed.waitFor(about(open, 'inquiry.created'));
    expect(created.data?.actionCenterUpdates).toMatchObject({ kind: 'inquiry_created', entityType: 'inquiry', status: 'new', assigneeId: null, visible: true });
    expect(created.data?.actionCenterUpdates.ref).toMatch(/^I-\d+$/);

    // Assigned to Lukas, then reassigned to Sasha: Lukas hears it leave, then nothing more of it.
    const moved = await createInquiry();
    await assign(moved, lukasId);
    const mine = await lukasFeed.waitFor(about(moved, 'inquiry.assignment_changed'));
    expect(mine.data?.actionCenterUpdates).toMatchObject({ kind: 'assignment_changed', assigneeId: lukasId, visible: true });
    await changeStatus(moved, 'qualified');
    expect((await lukasFeed.waitFor(about(moved, 'inquiry.status_changed'))).data?.actionCenterUpdates).toMatchObject({ kind: 'inquiry_status_changed', status: 'qualified', visible: true });
    await assign(moved, sashaId);
    const left = await lukasFeed.waitFor((v) => about(moved, 'inquiry.assignment_changed')(v) && v.data?.actionCenterUpdates.assigneeId === sashaId);
    expect(left.data?.actionCenterUpdates).toMatchObject({ previousAssigneeId: lukasId, assigneeId: sashaId, visible: false });
    await changeStatus(moved, 'awaiting_client');
    await sashaFeed.waitFor(about(moved, 'inquiry.status_changed'));

    // A marker change Lukas may see, made after: once it arrives, nothing of `moved` can still be in flight.
    await changeStatus(open, 'qualified');
    await lukasFeed.waitFor(about(open, 'inquiry.status_changed'));
    const lukasSaw = updatesOf(lukasFeed.received).filter((u) => u.entityId === moved).map((u) => `${u.eventType}:${u.status}`);
    expect(lukasSaw).toEqual(['inquiry.created:new', 'inquiry.assignment_changed:new', 'inquiry.status_changed:qualified', 'inquiry.assignment_changed:qualified']);
    expect(updatesOf(sashaFeed.received).some((u) => u.entityId === moved && u.status === 'awaiting_client')).toBe(true);
    // Delivered once each.
    const ids = updatesOf(lukasFeed.received).map((u) => u.eventId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('tasks and exceptions arrive as the seed names them: created, completed, resolved', async () => {
    const lukas = socket(platform.url, await bearer('OPERATOR:lukas'));
    const feed = lukas.subscribe<ActionCenter>(ACTION_CENTER);
    await untilSubscribed(platform.url, 1);
    const subject = await createInquiry();
    const task = await platform.gql<{ createTask: { task: { id: string } } }>(
      'mutation ($i: CreateTaskInput!) { createTask(input: $i) { task { id } } }', { i: { type: 'follow_up', subject: 'Call back', entityType: 'inquiry', entityId: subject } });
    expect(task.errors).toBeUndefined();
    const taskId = task.data!.createTask.task.id;
    expect((await feed.waitFor(about(taskId, 'task.created'))).data?.actionCenterUpdates).toMatchObject({ kind: 'task_created', entityType: 'task', status: 'open', ref: expect.stringMatching(/^T-\d+$/) });
    expect((await platform.gql('mutation ($id: ID!) { completeTask(id: $id) { task { id } } }', { id: taskId })).errors).toBeUndefined();
    expect((await feed.waitFor((v) => about(taskId)(v) && v.data?.actionCenterUpdates.status === 'done')).data?.actionCenterUpdates).toMatchObject({ kind: 'task_completed' });

    const exception = await platform.gql<{ createException: { exception: { id: string } } }>(
      'mutation ($i: CreateExceptionInput!) { createException(input: $i) { exception { id } } }',
      { i: { type: 'policy_violation', severity: 'medium', summary: 'Unlisted service', entityType: 'inquiry', entityId: subject } });
    expect(exception.errors).toBeUndefined();
    const exceptionId = exception.data!.createException.exception.id;
    expect((await feed.waitFor(about(exceptionId, 'exception.created'))).data?.actionCenterUpdates).toMatchObject({ kind: 'exception_created', status: 'open', ref: expect.stringMatching(/^E-\d+$/) });
    expect((await platform.gql('mutation ($id: ID!) { resolveException(id: $id, resolution: "Agreed with the client") { exception { id } } }', { id: exceptionId })).errors).toBeUndefined();
    expect((await feed.waitFor(about(exceptionId, 'exception.status_changed'))).data?.actionCenterUpdates).toMatchObject({ kind: 'exception_resolved', status: 'resolved' });
  });

  test('payloads are light: ids, ref, status, assignee, time; never client data', async () => {
    const ops = socket(platform.url, await bearer('OPS_MANAGER'));
    const feed = ops.subscribe<ActionCenter>(`subscription { actionCenterUpdates { ${UPDATE_FIELDS} __typename } }`);
    await untilSubscribed(platform.url, 1);
    const id = await createInquiry('very.private@example.com');
    const got = await feed.waitFor(about(id));
    expect(Object.keys(got.data!.actionCenterUpdates).sort()).toEqual([...UPDATE_FIELDS.split(' '), '__typename'].sort());
    expect(JSON.stringify(got)).not.toMatch(/private|Subscription Client|447700/);
    expect(new Date(got.data!.actionCenterUpdates.occurredAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    // The type has no client fields to ask for.
    const asking = ops.subscribe(`subscription { actionCenterUpdates { ref clientEmail } }`);
    const refused = await asking.waitFor((v) => !!v.errors);
    expect(refused.errors?.[0]?.message).toMatch(/clientEmail/);
  });

  test('needs action_center.read: FORBIDDEN for finance, and nothing delivered', async () => {
    const finance = socket(platform.url, await bearer('FINANCE'));
    const feed = finance.subscribe(ACTION_CENTER);
    const denied = await feed.waitFor((v) => !!v.errors);
    expect(denied.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'action_center.read' });
  });
});

describe('every role', () => {
  test('each of the seven roles gets actionCenterUpdates and entityUpdates exactly as its permissions allow', async () => {
    const id = await createInquiry();
    const feeds = await Promise.all(ROLE_CODES.map(async (role) => {
      const s = socket(platform.url, await bearer(role));
      const permissions: readonly string[] = ROLES[role].permissions;
      return {
        role,
        actionCenter: { allowed: permissions.includes('action_center.read') && permissions.includes('inquiries.read'), feed: s.subscribe<ActionCenter>(ACTION_CENTER) },
        entity: { allowed: permissions.includes('inquiries.read'), feed: s.subscribe<EntityUpdates>(ENTITY, { e: { type: 'inquiry', id } }) },
      };
    }));
    const expected = feeds.filter((f) => f.actionCenter.allowed).length + feeds.filter((f) => f.entity.allowed).length;
    expect(expected).toBeGreaterThanOrEqual(6);
    await untilSubscribed(platform.url, expected);
    await changeStatus(id, 'qualified');
    for (const { role, actionCenter, entity } of feeds) {
      for (const [name, { allowed, feed }, permission] of [['actionCenterUpdates', actionCenter, 'action_center.read'], ['entityUpdates', entity, 'inquiries.read']] as const) {
        if (allowed) {
          const got = await feed.waitFor(about(id, 'inquiry.status_changed'));
          expect({ role, name, errors: got.errors }).toEqual({ role, name, errors: undefined });
        } else {
          const denied = await feed.waitFor((v) => !!v.errors);
          expect({ role, name, code: denied.errors?.[0]?.extensions?.code }).toEqual({ role, name, code: 'FORBIDDEN' });
          if (name === 'entityUpdates' || !ROLES[role].permissions.includes('action_center.read')) {
            expect(denied.errors?.[0]?.extensions?.permission).toBe(permission);
          }
        }
      }
    }
  });
});

describe('entityUpdates', () => {
  test('every change of one entity reaches a viewer who may see it, notes included', async () => {
    const id = await createInquiry();
    const lukas = socket(platform.url, await bearer('OPERATOR:lukas'));
    const feed = lukas.subscribe<EntityUpdates>(ENTITY, { e: { type: 'inquiry', id } });
    await untilSubscribed(platform.url, 1);
    await platform.gql('mutation ($i: AddNoteInput!) { addNote(input: $i) { entityId } }', { i: { entity: { type: 'inquiry', id }, text: 'Called back.' } });
    expect((await feed.waitFor(about(id, 'inquiry.note_added'))).data?.entityUpdates).toMatchObject({ kind: 'entity_changed', status: 'new', visible: true });
    await changeStatus(id, 'spam');
    expect((await feed.waitFor(about(id, 'inquiry.status_changed'))).data?.entityUpdates).toMatchObject({ kind: 'inquiry_status_changed', status: 'spam' });
  });

  test('NOT_FOUND for an entity outside the viewer policy or absent, as in queries; FORBIDDEN without the read permission', async () => {
    const theirs = await createInquiry();
    await assign(theirs, sashaId);
    const lukas = socket(platform.url, await bearer('OPERATOR:lukas'));
    const hidden = lukas.subscribe(ENTITY, { e: { type: 'inquiry', id: theirs } });
    expect((await hidden.waitFor((v) => !!v.errors)).errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', entityType: 'inquiry', entityId: theirs });
    const absent = lukas.subscribe(ENTITY, { e: { type: 'booking', id: '00000000-0000-4000-8000-000000000000' } });
    expect((await absent.waitFor((v) => !!v.errors)).errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const content = socket(platform.url, await bearer('CONTENT_MANAGER'));
    const forbidden = content.subscribe(ENTITY, { e: { type: 'inquiry', id: theirs } });
    expect((await forbidden.waitFor((v) => !!v.errors)).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'inquiries.read' });
    // Sasha, the assignee, may.
    const sasha = socket(platform.url, await bearer('OPERATOR:sasha'));
    const allowed = sasha.subscribe<EntityUpdates>(ENTITY, { e: { type: 'inquiry', id: theirs } });
    await untilSubscribed(platform.url, 1);
    await changeStatus(theirs, 'qualified');
    await allowed.waitFor(about(theirs, 'inquiry.status_changed'));
    expect(hidden.received.filter((v) => v.data)).toEqual([]);
  });

  test('over HTTP a subscription is refused with a pointer to graphql-ws', async () => {
    const r = await fetch(`${platform.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: await bearer('OWNER') },
      body: JSON.stringify({ query: ACTION_CENTER }),
    });
    const text = await r.text();
    expect(text).toMatch(/WebSocket \(graphql-ws\)/);
  });
});

describe('connecting and disconnecting', () => {
  test('a socket without a token, or with a bad one, is refused with 4401', async () => {
    await expect(socket(platform.url).connected).rejects.toMatchObject({ code: 4401, reason: expect.stringMatching(/connectionParams\.authorization/) });
    await expect(socket(platform.url, 'Bearer not-a-jwt').connected).rejects.toMatchObject({ code: 4401 });
    const foreign = await issueAccessToken({ userId: lukasId, sessionId: '00000000-0000-4000-8000-000000000000' }, signingKey('another-secret-another-secret-another-1'));
    await expect(socket(platform.url, `Bearer ${foreign.token}`).connected).rejects.toMatchObject({ code: 4401 });
    // A well-signed token of a session that does not exist (or was revoked).
    const orphan = await issueAccessToken({ userId: lukasId, sessionId: '00000000-0000-4000-8000-000000000000' }, signingKey(TEST_JWT_SECRET));
    await expect(socket(platform.url, `Bearer ${orphan.token}`).connected).rejects.toMatchObject({ code: 4401, reason: expect.stringMatching(/session has ended/) });
  });

  test('logout closes the session\'s sockets with 4403 "session ended"; a refresh keeps them; reuse of a spent refresh token closes them', async () => {
    const first = await signIn('lukas@virel.local');
    const s = socket(platform.url, `Bearer ${first.accessToken}`);
    await s.connected;
    s.subscribe(ACTION_CENTER);
    const refreshed = await platform.gql<{ refreshSession: { refreshToken: string } }>('mutation ($r: String!) { refreshSession(refreshToken: $r) { refreshToken } }', { r: first.refreshToken }, { authorization: '' });
    expect(refreshed.errors).toBeUndefined();
    const other = await signIn('lukas@virel.local');
    const unrelated = socket(platform.url, `Bearer ${other.accessToken}`);
    await unrelated.connected;
    const out = await platform.gql<{ logout: boolean }>('mutation ($r: String!) { logout(refreshToken: $r) }', { r: refreshed.data!.refreshSession.refreshToken }, { authorization: '' });
    expect(out.data?.logout).toBe(true);
    expect(await s.closed).toEqual({ code: 4403, reason: 'session ended' });

    // Reuse of a rotated refresh token revokes its family: that session's socket closes too.
    const rotated = await platform.gql('mutation ($r: String!) { refreshSession(refreshToken: $r) { refreshToken } }', { r: other.refreshToken }, { authorization: '' });
    expect(rotated.errors).toBeUndefined();
    const reused = await platform.gql('mutation ($r: String!) { refreshSession(refreshToken: $r) { refreshToken } }', { r: other.refreshToken }, { authorization: '' });
    expect(reused.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await unrelated.closed).toEqual({ code: 4403, reason: 'session ended' });
  });

  test('a socket closes with 4403 "access token expired" when its token expires', async () => {
    const session = await signIn('sasha@virel.local');
    const { sid } = decodeJwt(session.accessToken) as { sid: string };
    // Issued 15 minutes minus 1.5 s ago: valid now, expired in 1.5 s.
    const shortLived = await issueAccessToken({ userId: sashaId, sessionId: sid }, signingKey(TEST_JWT_SECRET), Date.now() - 15 * 60_000 + 1500);
    const s = socket(platform.url, `Bearer ${shortLived.token}`);
    await s.connected;
    const started = Date.now();
    expect(await s.closed).toEqual({ code: 4403, reason: 'access token expired' });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('several API processes', () => {
  let child: ChildProcess | undefined;
  let secondUrl: string;

  beforeAll(async () => {
    const env = testEnv();
    const port = await freePort();
    child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'api/main.ts')], {
      cwd: PROJECT_ROOT,
      env: {
        PATH: process.env.PATH, NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: env.databaseUrl, TEMPORAL_ADDRESS: env.temporalAddress,
        JWT_SECRET: TEST_JWT_SECRET, API_HOST: '127.0.0.1', API_PORT: String(port),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    secondUrl = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await fetch(`${secondUrl}/api/v1/health`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('the second API did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  test('a change made through API #1 reaches a subscriber of API #2, under the same policy', async () => {
    const ops = socket(secondUrl, await bearer('OPS_MANAGER'));
    const lukas = socket(secondUrl, await bearer('OPERATOR:lukas'));
    const opsFeed = ops.subscribe<ActionCenter>(ACTION_CENTER);
    const lukasFeed = lukas.subscribe<ActionCenter>(ACTION_CENTER);
    await untilSubscribed(secondUrl, 2);
    const id = await createInquiry();
    await assign(id, sashaId);
    await changeStatus(id, 'qualified', platform.url);
    expect((await opsFeed.waitFor(about(id, 'inquiry.status_changed'))).data?.actionCenterUpdates).toMatchObject({ status: 'qualified', assigneeId: sashaId, visible: true });
    await lukasFeed.waitFor(about(id, 'inquiry.assignment_changed'));
    expect(updatesOf(lukasFeed.received).some((u) => u.entityId === id && u.eventType === 'inquiry.status_changed')).toBe(false);
  });

  test('a logout through API #1 closes the session\'s socket on API #2; revokeUser closes every socket of the user', async () => {
    const session = await signIn('lukas@virel.local');
    const s = socket(secondUrl, `Bearer ${session.accessToken}`);
    await s.connected;
    const out = await platform.gql<{ logout: boolean }>('mutation ($r: String!) { logout(refreshToken: $r) }', { r: session.refreshToken }, { authorization: '' });
    expect(out.data?.logout).toBe(true);
    expect(await s.closed).toEqual({ code: 4403, reason: 'session ended' });

    // The read-only user: two sessions, sockets on both processes, all closed by one revokeUser.
    const [readOnly] = await platform.orm.em.getConnection().execute<Array<{ id: string; email: string }>>(
      `SELECT u.id, u.email FROM users u JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id WHERE r.code = 'READ_ONLY' LIMIT 1`);
    const a = await signIn(readOnly!.email);
    const b = await signIn(readOnly!.email);
    const onFirst = socket(platform.url, `Bearer ${a.accessToken}`);
    const onSecond = socket(secondUrl, `Bearer ${b.accessToken}`);
    await Promise.all([onFirst.connected, onSecond.connected]);
    await createSessions({ orm: platform.orm, key: signingKey(TEST_JWT_SECRET) }).revokeUser(readOnly!.id, 'test: user disabled');
    expect(await onFirst.closed).toEqual({ code: 4403, reason: 'session ended' });
    expect(await onSecond.closed).toEqual({ code: 4403, reason: 'session ended' });
  });
});

describe('the LISTEN connection', () => {
  let app: App;
  beforeAll(async () => {
    app = buildApp({
      orm: platform.orm, temporal: platform.temporal, temporalAddress: testEnv().temporalAddress, namespace: 'default',
      logger: createLogger({ level: 'silent', service: 'test' }), production: false, jwtSecret: TEST_JWT_SECRET,
      // Long enough (7.5 s or more with the listener's jitter) for the test to see the connection
      // gone and commit a change while it is, on a loaded CI machine too.
      realtime: { initialBackoffMs: 10_000, maxBackoffMs: 10_000 },
    });
    await app.start('127.0.0.1', 0);
  });
  afterAll(async () => {
    await app?.stop();
  });

  test('after it drops, the hub reconnects and delivers what was committed meanwhile, once', async () => {
    const ops = socket(app.url, await bearer('OPS_MANAGER'));
    const feed = ops.subscribe<ActionCenter>(ACTION_CENTER);
    await untilSubscribed(app.url, 1);
    const before = await createInquiry();
    await feed.waitFor(about(before, 'inquiry.created'));

    const sql = platform.orm.em.getConnection();
    const [killed] = await sql.execute<Array<{ n: number }>>(
      'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = ?', [app.realtime.applicationName]);
    expect(killed?.n).toBe(1);
    const listening = async () => (await sql.execute<Array<{ n: number }>>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ?', [app.realtime.applicationName]))[0]?.n;
    // The connection is gone (a terminated backend may show for a moment)…
    await until(async () => (await listening()) === 0, 'the LISTEN connection to be gone');
    // …and a change is committed while the hub is disconnected (it waits 7.5 s or more before reconnecting).
    const during = await createInquiry();
    expect(await listening()).toBe(0);

    const caught = await feed.waitFor(about(during, 'inquiry.created'), 30_000);
    expect(caught.data?.actionCenterUpdates).toMatchObject({ kind: 'inquiry_created', status: 'new' });
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(Number(/virel_realtime_changes_total\{source="catch_up"[^}]*\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/virel_realtime_reconnects_total(?:\{[^}]*\})? (\d+)/.exec(metrics)?.[1])).toBe(1);

    // Live again, and nothing delivered twice.
    const after = await createInquiry();
    await feed.waitFor(about(after, 'inquiry.created'));
    const ids = updatesOf(feed.received).map((u) => u.eventId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
