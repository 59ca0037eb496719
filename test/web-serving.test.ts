/**
 * What the API adds for the web app, over real HTTP: the app under `/` with its Content Security
 * Policy (deep links get index.html, API paths are never swallowed), the cookie sign-in
 * (HttpOnly refresh cookie, rotation, reuse ends the session, sign-out everywhere, clear refusals
 * that change nothing), `nextStatuses` per role and policy, and the SLA warning time on items.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { eventually } from './support/wait.ts';
import { buildWebApp, createBooking, createTask, demoCredential, gqlAs } from './support/web.ts';
import { closeOpenWork } from './support/work-items.ts';

let platform: TestPlatform;
/** This file's bookings: the work about them (Lukas's tasks) is closed in afterAll. */
const opened: string[] = [];

beforeAll(async () => {
  await buildWebApp();
  platform = await startTestPlatform({ worker: true });
}, 120_000);

afterAll(async () => {
  try {
    if (platform) await closeOpenWork(platform, opened);
  } finally {
    await platform?.stop();
  }
});

const WEB = { 'content-type': 'application/json', 'x-virel-web': '1' };
const post = (path: string, body: unknown, headers: Record<string, string> = WEB) =>
  fetch(`${platform.url}/api/v1/web-session${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
const cookieOf = (response: Response) => /virel_refresh=([^;]*)/.exec(response.headers.get('set-cookie') ?? '')?.[1] ?? '';

describe('the app under /', () => {
  test('index.html with a CSP, for / and deep links; assets cached; API paths untouched', async () => {
    for (const path of ['/', '/bookings?card=booking:x', '/inquiries']) {
      const response = await fetch(`${platform.url}${path}`, { headers: { accept: 'text/html' } });
      expect(response.status).toBe(200);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      const html = await response.text();
      expect(html).toContain('<div id="root">');
      // Everything is bundled: no script or stylesheet from another origin.
      expect(html).not.toMatch(/(src|href)="https?:/);
    }
    const html = await (await fetch(`${platform.url}/`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const asset = await fetch(`${platform.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${platform.url}/assets/missing.js`)).status).toBe(404);
    // GraphQL, health and unknown API paths are the API's.
    expect((await fetch(`${platform.url}/api/v1/health`)).headers.get('content-type')).toContain('application/json');
    expect((await fetch(`${platform.url}/api/v1/nothing`, { headers: { accept: 'text/html' } })).status).toBe(404);
    expect((await fetch(`${platform.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })).status).toBe(200);
  });
});

describe('cookie sign-in', () => {
  test('signs in with an HttpOnly refresh cookie, rotates it, and a reused cookie ends the session', async () => {
    const who = demoCredential('OPERATOR:sasha');
    const login = await post('', { email: who.email, password: who.password });
    expect(login.status).toBe(200);
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\/api\/v1\/web-session/);
    const body = (await login.json()) as { accessToken: string; user: { email: string; permissions: string[] } };
    expect(body.user.email).toBe(who.email);
    // The refresh token is only in the cookie, never in the body.
    expect(JSON.stringify(body)).not.toContain(cookieOf(login));
    const me = await platform.gql<{ me: { email: string } }>('{ me { email } }', {}, { authorization: `Bearer ${body.accessToken}` });
    expect(me.data?.me.email).toBe(who.email);

    const first = cookieOf(login);
    const rotated = await post('/refresh', {}, { ...WEB, cookie: `virel_refresh=${first}` });
    expect(rotated.status).toBe(200);
    const second = cookieOf(rotated);
    expect(second).not.toBe(first);
    // The spent cookie again: refused, and the whole session (the rotated one too) ends.
    const reused = await post('/refresh', {}, { ...WEB, cookie: `virel_refresh=${first}` });
    expect(reused.status).toBe(401);
    expect(((await reused.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    expect((await post('/refresh', {}, { ...WEB, cookie: `virel_refresh=${second}` })).status).toBe(401);
  });

  test('sign-out everywhere ends every session of the user', async () => {
    const who = demoCredential('OPERATOR:sasha');
    const a = await post('', { email: who.email, password: who.password });
    const b = await post('', { email: who.email, password: who.password });
    const tokenB = ((await b.json()) as { accessToken: string }).accessToken;
    const out = await post('/logout', { everywhere: true }, { ...WEB, cookie: `virel_refresh=${cookieOf(a)}` });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/virel_refresh=;/);
    expect((await post('/refresh', {}, { ...WEB, cookie: `virel_refresh=${cookieOf(b)}` })).status).toBe(401);
    const me = await platform.gql('{ me { id } }', {}, { authorization: `Bearer ${tokenB}` });
    expect(me.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('bad requests are refused clearly and sign nobody in', async () => {
    const who = demoCredential('OPERATOR:sasha');
    const noHeader = await post('', { email: who.email, password: who.password }, { 'content-type': 'application/json' });
    expect(noHeader.status).toBe(400);
    expect(((await noHeader.json()) as { error: { message: string } }).error.message).toContain('x-virel-web');
    expect(noHeader.headers.get('set-cookie')).toBeNull();
    const missing = await post('', { email: who.email });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toBe('Enter your email and password.');
    const wrong = await post('', { email: who.email, password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toBe('Wrong email or password.');
    expect(wrong.headers.get('set-cookie') ?? '').not.toMatch(/virel_refresh=[^;]/);
    expect((await post('/refresh', {})).status).toBe(401);
  });
});

describe('what the app reads', () => {
  test('nextStatuses follow the state machine, the write permission and the entity policy', async () => {
    const lukasId = await platform.userId('lukas@virel.local');
    const booking = await createBooking(platform, 'OPS_MANAGER', lukasId);
    opened.push(booking.id);
    const query = 'query ($id: ID!) { booking(id: $id) { status nextStatuses } }';
    const asOps = await gqlAs<{ booking: { status: string; nextStatuses: string[] } }>(platform, 'OPS_MANAGER', query, { id: booking.id });
    expect(asOps.booking).toEqual({ status: 'pending', nextStatuses: ['deposit_required', 'confirmed', 'cancelled', 'expired'] });
    expect((await gqlAs<{ booking: { nextStatuses: string[] } }>(platform, 'OPERATOR:lukas', query, { id: booking.id })).booking.nextStatuses).toHaveLength(4);
    // Read-only users see the booking but may move it nowhere.
    expect((await gqlAs<{ booking: { nextStatuses: string[] } }>(platform, 'READ_ONLY', query, { id: booking.id })).booking.nextStatuses).toEqual([]);
  });

  test('nextStatuses apply the guards the workflow applies: never converted by a status change, and every offered status is accepted', async () => {
    const created = await gqlAs<{ createInquiry: { inquiry: { id: string } } }>(platform, 'OPS_MANAGER', 'mutation { createInquiry(input: { source: web, clientName: "Guarded next statuses" }) { inquiry { id } } }');
    const entity = { type: 'inquiry', id: created.createInquiry.inquiry.id };
    const read = async () => (await gqlAs<{ inquiry: { status: string; nextStatuses: string[] } }>(platform, 'OPS_MANAGER', 'query ($id: ID!) { inquiry(id: $id) { status nextStatuses } }', { id: entity.id })).inquiry;
    const change = (to: string, extra: Record<string, unknown> = {}) => gqlAs(platform, 'OPS_MANAGER', 'mutation ($input: ChangeStatusInput!) { changeStatus(input: $input) { to } }', { input: { entity, to, ...extra } });
    await change('qualified');
    await change('awaiting_client');
    // awaiting_deposit needs a deposit amount, which the change itself carries: offered.
    expect(await read()).toEqual({ status: 'awaiting_client', nextStatuses: ['awaiting_deposit', 'lost'] });
    await change('awaiting_deposit', { depositAmount: '80.00' });
    // The table allows awaiting_deposit → converted, but its guard wants the booking of a
    // conversion (convertInquiryToBooking), which no status change can give: not offered.
    expect(await read()).toEqual({ status: 'awaiting_deposit', nextStatuses: ['lost'] });
    const refused = await platform.gql('mutation ($input: ChangeStatusInput!) { changeStatus(input: $input) { to } }', { input: { entity, to: 'converted' } }, { authorization: `Bearer ${await platform.tokenOf('OPS_MANAGER')}`, 'idempotency-key': randomUUID() });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'bookingId' });
    // What is offered, the workflow accepts (lost with its reason).
    await change('lost', { reason: 'went elsewhere' });
    expect(await read()).toEqual({ status: 'lost', nextStatuses: [] });
  });

  test('operators read the timeline of what they may see (no audit.read needed), masked; the audit log stays closed to them', async () => {
    const lukasId = await platform.userId('lukas@virel.local');
    const email = `timeline.${Date.now()}@example.com`;
    const created = await gqlAs<{ createInquiry: { inquiry: { id: string } } }>(platform, 'OPS_MANAGER', 'mutation ($e: String!) { createInquiry(input: { source: web, clientName: "Timeline reader", clientEmail: $e }) { inquiry { id } } }', { e: email });
    const inquiryId = created.createInquiry.inquiry.id;
    await gqlAs(platform, 'OPS_MANAGER', 'mutation ($input: AddNoteInput!) { addNote(input: $input) { entityId } }', { input: { entity: { type: 'inquiry', id: inquiryId }, text: 'Called back, no answer' } });
    const TIMELINE = 'query ($id: ID!) { inquiry(id: $id) { timeline(first: 10) { edges { node { eventType payload createdById } } } } }';
    type Timeline = { inquiry: { timeline: { edges: Array<{ node: { eventType: string; payload: string | null; createdById: string | null } }> } } };
    const asOperator = (await gqlAs<Timeline>(platform, 'OPERATOR:lukas', TIMELINE, { id: inquiryId })).inquiry.timeline.edges.map((e) => e.node);
    expect(asOperator.map((n) => n.eventType)).toEqual(['inquiry.note_added', 'inquiry.created']);
    expect(JSON.parse(asOperator[0]!.payload!)).toMatchObject({ note: 'Called back, no answer' });
    // Contacts in a payload are masked for an operator, whole for an ops manager.
    expect(asOperator[1]!.payload).not.toContain(email);
    expect(JSON.parse(asOperator[1]!.payload!).clientEmail).toMatch(/\*\*\*@example\.com$/);
    const asOps = (await gqlAs<Timeline>(platform, 'OPS_MANAGER', TIMELINE, { id: inquiryId })).inquiry.timeline.edges.map((e) => e.node);
    expect(JSON.parse(asOps[1]!.payload!).clientEmail).toBe(email);
    // Tasks and exceptions have theirs too: a task of Lukas's shows its creation to him.
    const booking = await createBooking(platform, 'OPS_MANAGER');
    opened.push(booking.id);
    const task = await createTask(platform, 'OPS_MANAGER', { subject: 'Timeline of a task (web serving test)', entityId: booking.id, assigneeId: lukasId });
    const taskTimeline = await gqlAs<{ task: { timeline: { edges: Array<{ node: { eventType: string } }> } } }>(platform, 'OPERATOR:lukas', 'query ($id: ID!) { task(id: $id) { timeline { edges { node { eventType } } } } }', { id: task.id });
    expect(taskTimeline.task.timeline.edges.map((e) => e.node.eventType)).toContain('task.created');
    // The audit log itself still needs audit.read.
    const audit = await platform.gql('query ($id: ID!) { auditLog(entityType: "inquiry", entityId: $id, first: 5) { edges { node { id } } } }', { id: inquiryId }, { authorization: `Bearer ${await platform.tokenOf('OPERATOR:lukas')}` });
    expect(audit.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'audit.read' });
  });

  test('Action Center items carry their SLA warning time, before the deadline', async () => {
    const lukasId = await platform.userId('lukas@virel.local');
    const booking = await createBooking(platform, 'OPS_MANAGER');
    opened.push(booking.id);
    const task = await createTask(platform, 'OPS_MANAGER', { subject: 'Warning time (web serving test)', entityId: booking.id, assigneeId: lukasId });
    // Paged through, group by group: in a full run Lukas has more than a page of open work.
    type Item = { id: string; slaWarningAt: string | null; slaDeadlineAt: string | null };
    type Page = { actionItems: { edges: Array<{ node: Item }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
    let found: Item | undefined;
    for (const group of ['URGENT', 'HIGH', 'NORMAL']) {
      for (let after: string | null = null, more = true; more && !found;) {
        const page: Page = await gqlAs<Page>(platform, 'OPERATOR:lukas', 'query ($group: ActionGroupName!, $after: String) { actionItems(group: $group, first: 100, after: $after) { edges { node { id slaWarningAt slaDeadlineAt } } pageInfo { hasNextPage endCursor } } }', { group, after });
        found = page.actionItems.edges.map((e) => e.node).find((i) => i.id === task.id);
        ({ hasNextPage: more, endCursor: after } = page.actionItems.pageInfo);
      }
    }
    const stored = await platform.sql<{ sla_warning_at: Date | string }>('SELECT sla_warning_at FROM tasks WHERE id = ?', [task.id]);
    expect(found?.slaWarningAt).toBe(new Date(stored[0]!.sla_warning_at).toISOString());
    expect(Date.parse(found!.slaWarningAt!)).toBeLessThan(Date.parse(found!.slaDeadlineAt!));
  });

  test('the Overview: open work matches the tables, one entry per day, SLA breaches counted; bad days refused', async () => {
    type Overview = { overview: { openWork: Array<{ count: number; slaState: string }>; slaBreachesPerDay: Array<{ day: string; count: number }>; resolutionPerDay: Array<{ day: string }>; inquiriesBySource: Array<{ source: string; inquiries: number }> } };
    // The tables' figures: all open work, SLA breaches of the last 6 days, inquiries of the last 7.
    const figures = async () => (await platform.sql<{ open: number; breaches: number; inquiries: number }>(`SELECT
      ((SELECT count(*) FROM tasks WHERE status IN ('open', 'in_progress')) + (SELECT count(*) FROM exceptions WHERE status IN ('open', 'investigating')))::int AS open,
      (SELECT count(*) FROM domain_events WHERE event_type IN ('task.sla_breached', 'exception.sla_breached') AND created_at > now() - interval '6 days')::int AS breaches,
      (SELECT count(*) FROM inquiries WHERE created_at > now() - interval '7 days')::int AS inquiries`))[0]!;
    // Other files' work may move meanwhile (their timers): the Overview read while the tables gave
    // the same figures just before and just after it.
    const { before, after, data } = await eventually(async () => {
      const first = await figures();
      const overview = await gqlAs<Overview>(platform, 'OPS_MANAGER',
        '{ overview(days: 7) { openWork { group slaState count } slaBreachesPerDay { day count } resolutionPerDay { day medianMinutes count } inquiriesBySource { source inquiries converted } } }');
      return { before: first, data: overview, after: await figures() };
    }, (read) => isDeepStrictEqual(read.before, read.after), 30_000);
    expect(after).toEqual(before);
    expect(data.overview.openWork.reduce((n, w) => n + w.count, 0)).toBe(before.open);
    expect(data.overview.slaBreachesPerDay).toHaveLength(7);
    expect(data.overview.resolutionPerDay).toHaveLength(7);
    expect(data.overview.slaBreachesPerDay.reduce((n, d) => n + d.count, 0)).toBeGreaterThanOrEqual(before.breaches);
    expect(data.overview.inquiriesBySource.reduce((n, s) => n + s.inquiries, 0)).toBe(before.inquiries);
    const bad = await platform.gql('{ overview(days: 0) { generatedAt } }', {}, { authorization: `Bearer ${await platform.tokenOf('OPS_MANAGER')}` });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'days' });
  });
});
