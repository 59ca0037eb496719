/**
 * GraphQL read benchmark (`npm run bench:graphql`): the Action Center query and unified search
 * over real HTTP against the real API, on a scratch database loaded with 1,000,000 bookings,
 * 200,000 inquiries and 100,000 open tasks (plus history, clients, models, locations, users),
 * each beside a hand-written SQL query of the same result run in the same process on the same
 * database (the floor). Writes its keys into bench/results/graphql.json (keeping other
 * benchmarks' keys) and a row in its section of bench/RESULTS.md.
 *
 * The fixtures are written with generate_series straight into the bench's own scratch database:
 * a bench fixture, not a status change of the product (which only workflows make).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import pg from 'pg';
import type { PostgreSqlConnection } from '@mikro-orm/postgresql';
import { buildApp } from '../api/app.ts';
import { createSessions } from '../api/auth/sessions.ts';
import { signingKey, verifyAccessToken } from '../api/auth/tokens.ts';
import { readActionCenter } from '../api/read-models/action-center.ts';
import { runSearch } from '../api/read-models/search.ts';
import { openOrm } from '../db/orm.ts';
import type { DemoCredential } from '../db/seed/demo-data.ts';
import { startScratchServers } from '../launcher/scratch-servers.ts';
import { PROJECT_ROOT } from '../launcher/temporal-binaries.ts';
import { createLogger } from '../platform/logger.ts';
import { log, machine, mergeResults, percentile, round, timedRuns } from './support.ts';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 500);
const WARMUP = 50;
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const N = {
  users: 1_000,
  locations: 20,
  models: 500,
  clients: Math.round(100_000 * SCALE),
  bookings: Math.round(1_000_000 * SCALE),
  inquiries: Math.round(200_000 * SCALE),
  openTasks: Math.round(100_000 * SCALE),
  doneTasks: Math.round(200_000 * SCALE),
  exceptions: Math.round(40_000 * SCALE),
};
/** What the measured operator has: a realistic working day's queue, plus the shared unassigned pool. */
const OPERATOR_OWN_TASKS = 60;
const OPERATOR_OWN_EXCEPTIONS = 12;
const UNASSIGNED_TASKS = 120;
const UNASSIGNED_EXCEPTIONS = 30;



const FIRST = ['James', 'Emily', 'Michael', 'Olivia', 'William', 'Sophie', 'Henry', 'Charlotte', 'George', 'Amelia', 'Thomas', 'Isla', 'Oliver', 'Grace',
  'Jack', 'Freya', 'Harry', 'Lily', 'Charlie', 'Ava', 'Edward', 'Ella', 'Daniel', 'Mia', 'Samuel', 'Chloe', 'Joseph', 'Ruby', 'David', 'Evie'];
const LAST = ['Carter', 'Stone', 'Reed', 'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Robinson', 'Wright', 'Thompson',
  'Evans', 'Walker', 'White', 'Roberts', 'Green', 'Hall', 'Wood', 'Jackson', 'Clarke', 'Harris', 'Lewis', 'Turner', 'Hill', 'Moore', 'Cooper', 'Ward'];
const SUBJECTS = ['Dinner on Friday', 'Gala evening in Mayfair', 'Business function next week', 'Weekend in Paris', 'Charity ball', 'Theatre and supper',
  'Corporate reception', 'Wedding guest', 'Art gallery opening', 'Private dinner party'];
const arr = (values: string[]) => `ARRAY[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')}]`;

/** The fixtures, table by table (ids derived from md5 of a counter so rows can reference each other). */
function fixtureStatements(operatorId: string): Array<[string, string]> {
  const pick = (list: string, n: string) => `(${list})[1 + ((${n}) % array_length(${list}, 1))]`;
  const first = arr(FIRST);
  const last = arr(LAST);
  const userId = (n: string) => `md5('u' || (${n}))::uuid`;
  return [
    ['users', `INSERT INTO users (id, email, name, password_hash)
       SELECT ${userId('n')}, 'bench-operator-' || n || '@virel.local', 'Bench Operator ' || n, 'no-login' FROM generate_series(1, ${N.users}) n`],
    ['user_roles', `INSERT INTO user_roles (user_id, role_id) SELECT ${userId('n')}, (SELECT id FROM roles WHERE code = 'OPERATOR') FROM generate_series(1, ${N.users}) n`],
    ['locations', `INSERT INTO locations (id, title, slug) SELECT md5('l' || n)::uuid, 'Bench Area ' || n, 'bench-area-' || n FROM generate_series(1, ${N.locations}) n`],
    ['models', `INSERT INTO models (id, public_code, name, slug, primary_location_id)
       SELECT md5('m' || n)::uuid, 'BM-' || n, ${pick(first, 'n * 7')} || ' ' || chr(65 + n % 26) || '.', 'bench-model-' || n, md5('l' || (1 + n % ${N.locations}))::uuid
         FROM generate_series(1, ${N.models}) n`],
    ['clients', `INSERT INTO clients (id, full_name, email, phone, preferred_channel, created_at)
       SELECT md5('c' || n)::uuid, ${pick(first, 'n')} || ' ' || ${pick(last, 'n / 30')},
              lower(${pick(first, 'n')} || '.' || ${pick(last, 'n / 30')} || '.' || n) || '@example.com',
              '+447700' || lpad((n % 1000000)::text, 6, '0'), 'web', now() - (n % 1000) * interval '1 day'
         FROM generate_series(1, ${N.clients}) n`],
    // Held bookings of one model never overlap (bookings_no_double_booking): a model's bookings are
    // 1,000 minutes apart, and the second half of the series is shifted 3 hours from the first.
    ['bookings', `INSERT INTO bookings (id, ref, client_id, model_id, location_id, start_at, end_at, held_until, status, price_total, assigned_to, created_at)
       SELECT md5('b' || n)::uuid, 'B-' || (100000 + n), md5('c' || (1 + (n::bigint * 7919) % ${N.clients}))::uuid, md5('m' || (1 + n % ${N.models}))::uuid,
              md5('l' || (1 + n % ${N.locations}))::uuid, now() - interval '400 days' + (n % 500000) * interval '2 minutes' + (n / 500000) * interval '3 hours',
              now() - interval '400 days' + (n % 500000) * interval '2 minutes' + (n / 500000) * interval '3 hours' + interval '2 hours',
              now() - interval '400 days' + (n % 500000) * interval '2 minutes' + (n / 500000) * interval '3 hours' + interval '2 hours',
              (ARRAY['completed','completed','completed','confirmed','pending','cancelled','draft','no_show','expired','deposit_required'])[1 + n % 10],
              550, CASE WHEN n % 4 = 0 THEN NULL ELSE ${userId(`1 + n % ${N.users}`)} END, now() - (n % 400) * interval '1 day'
         FROM generate_series(1, ${N.bookings}) n`],
    ['inquiries', `INSERT INTO inquiries (id, ref, source, client_name, client_email, client_phone, status, priority, subject, message, assigned_to, created_at)
       SELECT md5('i' || n)::uuid, 'I-' || (100000 + n), (ARRAY['web','telegram','whatsapp','phone','partner'])[1 + n % 5],
              ${pick(first, 'n * 3')} || ' ' || ${pick(last, 'n / 7')}, lower(${pick(first, 'n * 3')} || '.' || ${pick(last, 'n / 7')} || '.i' || n) || '@example.org',
              '+447911' || lpad((n % 1000000)::text, 6, '0'),
              (ARRAY['new','qualified','awaiting_client','awaiting_deposit','converted','lost','spam'])[1 + n % 7], (ARRAY['low','normal','normal','high','critical'])[1 + n % 5],
              ${pick(arr(SUBJECTS), 'n')}, 'Looking for a companion for ' || lower(${pick(arr(SUBJECTS), 'n + 3')}),
              CASE WHEN n % 3 = 0 THEN NULL ELSE ${userId(`1 + n % ${N.users}`)} END, now() - (n % 365) * interval '1 day'
         FROM generate_series(1, ${N.inquiries}) n`],
    // Open tasks: most spread over the bench operators; the measured operator's own, and a small unassigned pool.
    ['tasks (open)', `INSERT INTO tasks (id, ref, type, status, priority, subject, entity_type, entity_id, assigned_to, sla_deadline_at, sla_warning_at, sla_breached, created_at)
       SELECT md5('t' || n)::uuid, 'T-' || (100000 + n), (ARRAY['confirm_booking','request_deposit','follow_up','review_inquiry','call_client'])[1 + n % 5],
              (ARRAY['open','in_progress'])[1 + n % 2], (ARRAY['low','normal','normal','high','critical'])[1 + (n / 5) % 5],
              'Confirm booking B-' || (100000 + n), 'booking', md5('b' || (1 + (n * 31) % ${N.bookings}))::uuid,
              CASE WHEN n <= ${OPERATOR_OWN_TASKS} THEN '${operatorId}'::uuid WHEN n <= ${OPERATOR_OWN_TASKS + UNASSIGNED_TASKS} THEN NULL
                   ELSE ${userId(`1 + n % ${N.users}`)} END,
              CASE WHEN n % 5 = 4 THEN NULL ELSE now() + ((n % 240) - 30) * interval '1 minute' END,
              CASE WHEN n % 5 = 4 THEN NULL ELSE now() + ((n % 240) - 40) * interval '1 minute' END,
              n % 5 <> 4 AND (n % 240) < 30, now() - (n % 600) * interval '1 minute'
         FROM generate_series(1, ${N.openTasks}) n`],
    ['tasks (done)', `INSERT INTO tasks (id, ref, type, status, priority, subject, entity_type, entity_id, assigned_to, completed_at, created_at)
       SELECT md5('td' || n)::uuid, 'T-' || (500000 + n), 'confirm_booking', 'done', 'normal', 'Confirmed', 'booking', md5('b' || (1 + n % ${N.bookings}))::uuid,
              CASE WHEN n % 500 = 0 THEN '${operatorId}'::uuid ELSE ${userId(`1 + n % ${N.users}`)} END,
              now() - (n % 2000) * interval '1 hour', now() - (n % 2000) * interval '1 hour' - interval '20 minutes'
         FROM generate_series(1, ${N.doneTasks}) n`],
    ['exceptions', `INSERT INTO exceptions (id, ref, type, status, severity, entity_type, entity_id, summary, assigned_to, sla_deadline_at, sla_breached, resolved_at, created_at)
       SELECT md5('e' || n)::uuid, 'E-' || (100000 + n), (ARRAY['payment_failed','no_show_risk','overbooking','mismatch','policy_violation'])[1 + n % 5],
              CASE WHEN n <= ${OPERATOR_OWN_EXCEPTIONS + UNASSIGNED_EXCEPTIONS} OR n % 2 = 0 THEN (ARRAY['open','investigating'])[1 + n % 2] ELSE 'resolved' END,
              (ARRAY['low','medium','high','critical'])[1 + (n / 5) % 4], 'booking', md5('b' || (1 + (n * 17) % ${N.bookings}))::uuid,
              (ARRAY['Payment failed: STRIPE_ERROR','No-show risk: client not confirmed','Overbooking at the same hour','Availability mismatch','Policy violation reported'])[1 + n % 5]
                || ' on B-' || (100000 + (1 + (n * 17) % ${N.bookings})),
              CASE WHEN n <= ${OPERATOR_OWN_EXCEPTIONS} THEN '${operatorId}'::uuid WHEN n <= ${OPERATOR_OWN_EXCEPTIONS + UNASSIGNED_EXCEPTIONS} THEN NULL
                   ELSE ${userId(`1 + n % ${N.users}`)} END,
              now() + ((n % 120) - 20) * interval '1 minute', (n % 120) < 20,
              CASE WHEN n <= ${OPERATOR_OWN_EXCEPTIONS + UNASSIGNED_EXCEPTIONS} OR n % 2 = 0 THEN NULL ELSE now() - (n % 300) * interval '1 hour' END,
              now() - (n % 900) * interval '1 minute'
         FROM generate_series(1, ${N.exceptions}) n`],
  ];
}

/** The measured GraphQL Action Center query. */
const AC_QUERY = `{ actionCenter(first: 20) { counts { urgent high normal total breached completedToday }
  groups { name totalCount hasNextPage endCursor items {
    kind id ref title type severity priority status group assigneeId slaDeadlineAt slaRemainingSeconds slaBreached createdAt
    entity { type id ref summary status clientName clientEmail clientPhone startAt }
    quickActions { kind label mutation entityType entityId toStatus assigneeId } } } } }`;

/** The Action Center's result written by hand: the same items, order, entity columns and counts. */
const ACTION_CENTER_SQL = `
  WITH mine AS (
    SELECT 'task' AS kind, id, ref, subject AS title, type, status, priority AS level, sla_breached, sla_deadline_at, created_at, assigned_to, entity_type, entity_id,
           CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'low' THEN 3 ELSE 2 END AS rank
      FROM tasks WHERE status IN ('open', 'in_progress') AND (assigned_to = $1 OR assigned_to IS NULL)
    UNION ALL
    SELECT 'exception', id, ref, summary, type, status, severity, sla_breached, sla_deadline_at, created_at, assigned_to, entity_type, entity_id,
           CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'low' THEN 3 ELSE 2 END
      FROM exceptions WHERE status IN ('open', 'investigating') AND (assigned_to = $1 OR assigned_to IS NULL)
  ), g AS (
    SELECT mine.*, CASE WHEN rank = 0 OR sla_breached THEN 0 WHEN rank = 1 THEN 1 ELSE 2 END AS grp FROM mine
  ), r AS (
    SELECT g.*, row_number() OVER (PARTITION BY grp ORDER BY rank, sla_breached DESC, sla_deadline_at NULLS LAST, created_at, id) AS rn,
           count(*) OVER (PARTITION BY grp) AS group_count, count(*) FILTER (WHERE sla_breached) OVER () AS breached
      FROM g
  )
  SELECT r.*, b.ref AS booking_ref, b.status AS booking_status, m.name AS model, l.title AS location, c.full_name, c.email, c.phone, b.start_at,
         (SELECT count(*) FROM tasks WHERE assigned_to = $1 AND status = 'done' AND completed_at >= date_trunc('day', now()))
         + (SELECT count(*) FROM exceptions WHERE resolved_by = $1 AND resolved_at >= date_trunc('day', now())) AS completed_today
    FROM r
    LEFT JOIN bookings b ON r.entity_type = 'booking' AND b.id = r.entity_id
    LEFT JOIN models m ON m.id = b.model_id LEFT JOIN locations l ON l.id = b.location_id LEFT JOIN clients c ON c.id = b.client_id
   WHERE rn <= 20 ORDER BY grp, rn`;

/** Search written by hand: per kind, the matches of the text (newest first, five), one statement. */
function searchSql(text: string): [string, unknown[]] {
  const ref = /^#?([bite])-?(\d+)$/i.exec(text);
  if (ref) {
    const table = { b: 'bookings', i: 'inquiries', t: 'tasks', e: 'exceptions' }[(ref[1] as string).toLowerCase()] as string;
    return [`SELECT id, ref, status FROM ${table} WHERE ref = $1`, [`${(ref[1] as string).toUpperCase()}-${ref[2] as string}`]];
  }
  const digits = text.replace(/\D/g, '');
  const phone = /^\+?[\d\s-]{5,}$/.test(text);
  const like = `%${text}%`;
  // The stored, indexed documents (Migration20261125090000_search_vectors), as the read model uses.
  const tsv = { i: 'search_vector', t: 'search_vector', x: 'search_vector' };
  const email = /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(text);
  const spaced = /\s/.test(text);
  const contact = (name: string, mail: string, phoneColumn: string) => phone ? `regexp_replace(${phoneColumn}, '\\D', '', 'g') LIKE $2`
    : email ? `lower(${mail}) = lower($3)` : spaced ? `${name} ILIKE $1` : `${name} ILIKE $1 OR ${mail} ILIKE $1`;
  const clientWhere = contact('full_name', 'email', 'phone');
  const inquiryWhere = phone || email ? contact('client_name', 'client_email', 'client_phone')
    : `${contact('client_name', 'client_email', 'client_phone')} OR ${tsv.i} @@ websearch_to_tsquery('english', $3)`;
  // Every placeholder typed once, used or not (a phone search uses $2 only, a text search $1 and $3).
  return [`
    WITH typed AS (SELECT $1::text AS pattern, $2::text AS digits, $3::text AS words)
    (SELECT 'client' AS kind, id FROM clients WHERE ${clientWhere} ORDER BY created_at DESC LIMIT 5)
    UNION ALL (SELECT 'inquiry', id FROM inquiries WHERE ${inquiryWhere} ORDER BY created_at DESC LIMIT 5)
    UNION ALL (SELECT 'booking', id FROM (
                 SELECT b.id, b.start_at FROM (SELECT id FROM clients WHERE ${clientWhere} LIMIT 10) c
                   CROSS JOIN LATERAL (SELECT id, start_at FROM bookings WHERE client_id = c.id ORDER BY start_at DESC LIMIT 5) b
                 UNION ALL
                 SELECT b.id, b.start_at FROM (SELECT id FROM models WHERE name ILIKE $1 LIMIT 10) m
                   CROSS JOIN LATERAL (SELECT id, start_at FROM bookings WHERE model_id = m.id ORDER BY start_at DESC LIMIT 5) b
               ) x ORDER BY start_at DESC LIMIT 5)
    UNION ALL (SELECT 'model', id FROM models WHERE name ILIKE $1 OR public_code ILIKE $1 ORDER BY created_at DESC LIMIT 5)
    UNION ALL (SELECT 'task', id FROM tasks WHERE ${tsv.t} @@ websearch_to_tsquery('english', $3) ORDER BY created_at DESC LIMIT 5)
    UNION ALL (SELECT 'exception', id FROM exceptions WHERE ${tsv.x} @@ websearch_to_tsquery('english', $3) ORDER BY created_at DESC LIMIT 5)`,
  [like, `%${digits}%`, text]];
}

/**
 * BENCH_PROFILE=1: where a read request's time goes, piece by piece, in this process (p50 / p95 of
 * 200 calls each): the viewer's session check, the read models through MikroORM, their statements
 * sent with pg directly (as MikroORM sends them, parameters inlined; with bound parameters; as named
 * prepared statements), and PostgreSQL's own planning and execution times (EXPLAIN ANALYZE).
 */
async function profileReads(operatorId: string, operatorToken: string, ownerToken: string, texts: string[]): Promise<void> {
  const key = signingKey(JWT_SECRET);
  const sessions = createSessions({ orm, key });
  const pool = await (orm.em.getConnection() as PostgreSqlConnection).getNativeClient();
  const show = async (name: string, run: (i: number) => Promise<unknown>, count = 200) => {
    for (let i = 0; i < 20; i++) await run(i);
    const ms = await timedRuns(count, async (i) => void (await run(i)));
    log(`profile ${name}: p50 ${round(percentile(ms, 50))} ms p95 ${round(percentile(ms, 95))} ms`);
  };
  // What a read model sends: its SQL and parameters, as MikroORM would receive them.
  const capture = async (read: (em: never) => Promise<unknown>) => {
    const sent: Array<{ sql: string; params: unknown[] }> = [];
    // Through MikroORM (`execute`, `?` placeholders) or prepared on its pool (statements.ts, `$n`).
    const pool = { query: async (q: { text: string; values: unknown[] }) => { sent.push({ sql: q.text, params: q.values }); return { rows: [] }; } };
    const fake = {
      getConnection: () => ({ execute: async (sql: string, params: unknown[]) => { sent.push({ sql, params }); return []; }, getNativeClient: async () => pool }),
      getTransactionContext: () => undefined,
    };
    await read(fake as never).catch(() => undefined);
    return sent;
  };
  const positional = (sql: string) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  // A `$n` statement is inlined by substituting its values as MikroORM would have.
  const inline = (sql: string, params: unknown[]) => orm.em.getPlatform().formatQuery(sql.replace(/\$\d+/g, '?'), params);
  const explain = async (name: string, sql: string, params: unknown[]) => {
    const plans: Array<{ planning: number; execution: number }> = [];
    for (let i = 0; i < 30; i++) {
      const { rows } = await pool.query<{ 'QUERY PLAN': Array<{ 'Planning Time': number; 'Execution Time': number }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
      const plan = rows[0]!['QUERY PLAN'][0]!;
      plans.push({ planning: plan['Planning Time'], execution: plan['Execution Time'] });
    }
    log(`profile ${name} in PostgreSQL: planning p50 ${round(percentile(plans.map((p) => p.planning), 50))} ms, execution p50 ${round(percentile(plans.map((p) => p.execution), 50))} ms`);
  };

  await show('JWT verify', () => verifyAccessToken(operatorToken, key));
  await show('sessions.viewer (JWT + session check)', () => sessions.viewer(operatorToken));
  await show('HTTP { me { id } }', async () => {
    await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorToken}` }, body: '{"query":"{ me { id } }"}' }).then((r) => r.text());
  });

  const acQuery = { viewerId: operatorId, includeTasks: true, includeExceptions: true, first: 20 };
  await show('readActionCenter via MikroORM', () => readActionCenter(orm.em.fork(), acQuery));
  const [ac] = await capture((em) => readActionCenter(em, acQuery));
  await show('Action Center SQL via pg, inlined', () => pool.query(inline(ac!.sql, ac!.params)));
  await show('Action Center SQL via pg, bound', () => pool.query(positional(ac!.sql), ac!.params));
  await show('Action Center SQL via pg, named', () => pool.query({ name: 'profile-ac', text: positional(ac!.sql), values: ac!.params }));
  await show('Action Center floor SQL', () => db.query(ACTION_CENTER_SQL, [operatorId]));
  await explain('Action Center read model', positional(ac!.sql), ac!.params);
  await explain('Action Center floor', ACTION_CENTER_SQL, [operatorId]);
  const acHttp = async (token: string) => fetch(`${url}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: AC_QUERY }),
  }).then((r) => r.text());
  await show('HTTP actionCenter', () => acHttp(operatorToken));

  const ownerViewer = await sessions.viewer(ownerToken);
  const scope = { viewerId: ownerViewer!.id, kinds: ['booking', 'inquiry', 'client', 'model', 'task', 'exception'] as const, ownOrUnassignedOnly: false, searchContacts: true, first: 5 };
  for (const text of texts) {
    const statements = await capture((em) => runSearch(em, text, scope));
    const first = statements[0];
    if (!first) continue;
    log(`profile search "${text}": ${statements.length} statement(s), ${first.sql.length} chars, ${first.params.length} parameters`);
    await show(`  runSearch via MikroORM "${text}"`, () => runSearch(orm.em.fork(), text, scope), 40);
    await show(`  via pg, inlined`, () => pool.query(inline(first.sql, first.params)), 40);
    await show(`  via pg, bound`, () => pool.query(positional(first.sql), first.params), 40);
    await explain(`  search "${text}"`, positional(first.sql), first.params);
  }
}

/** Ends a scaled-down run before it records anything. */
class SmokeRunDone extends Error {}

const servers = await startScratchServers('bench-graphql');
const orm = await openOrm(servers.databaseUrl);
const connection = await Connection.connect({ address: servers.temporalAddress });
const temporal = new TemporalClient({ connection });
const db = new pg.Client({ connectionString: servers.databaseUrl });
await db.connect();
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const app = buildApp({
  orm, temporal, temporalAddress: servers.temporalAddress, namespace: 'default', logger: createLogger({ level: 'warn', service: 'bench' }),
  production: false, jwtSecret: JWT_SECRET,
});
const url = await app.start('127.0.0.1', 0);

try {
  const credentials = JSON.parse(await readFile(path.join(servers.dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredential[];
  const [{ id: operatorId }] = (await db.query<{ id: string }>(`SELECT id FROM users WHERE email = 'lukas@virel.local'`)).rows as [{ id: string }];
  const loadStarted = performance.now();
  // Loaded as a restore is (pg_restore --disable-triggers): rows in their final statuses, past the
  // trigger that refuses status writes outside the lifecycle store (superuser only).
  await db.query('SET session_replication_role = replica');
  for (const [table, statement] of fixtureStatements(operatorId)) {
    const started = performance.now();
    const result = await db.query(statement);
    log(`loaded ${table}: ${result.rowCount} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  await db.query('SET session_replication_role = DEFAULT');
  // As a database in service is: autovacuum has set the visibility map and statistics.
  await db.query('VACUUM ANALYZE');
  log(`fixtures loaded, vacuumed and analysed in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s`);

  const post = async (query: string, variables: Record<string, unknown>, token?: string) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data as Record<string, unknown>;
  };
  const login = async (email: string) => {
    const who = credentials.find((c) => c.email === email);
    if (!who) throw new Error(`no demo user ${email}`);
    const data = await post('mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }', { e: who.email, p: who.password });
    return (data.login as { accessToken: string }).accessToken;
  };
  const operatorToken = await login('lukas@virel.local');
  const ownerToken = await login('owner@virel.local');

  const AC = AC_QUERY;
  const acSample = (await post(AC, {}, operatorToken)).actionCenter as { counts: Record<string, number> };
  log(`operator's Action Center: ${JSON.stringify(acSample.counts)}`);
  const [floorCheck] = (await db.query<{ n: string }>(`SELECT count(*) AS n FROM (${ACTION_CENTER_SQL}) x`, [operatorId])).rows;
  log(`hand-written SQL returns ${floorCheck?.n} rows (20 per group at most)`);

  for (let i = 0; i < WARMUP; i++) {
    await post(AC, {}, operatorToken);
    await db.query(ACTION_CENTER_SQL, [operatorId]);
  }
  const acMs = await timedRuns(SAMPLES, async () => void (await post(AC, {}, operatorToken)));
  // What any request costs before a resolver runs (HTTP, sign-in check, parse, validate, limits): `me`.
  const baselineMs = await timedRuns(SAMPLES, async () => void (await post('{ me { id } }', {}, operatorToken)));
  const acSqlMs = await timedRuns(SAMPLES, async () => void (await db.query(ACTION_CENTER_SQL, [operatorId])));
  log(`actionCenter p50 ${round(percentile(acMs, 50))} ms p95 ${round(percentile(acMs, 95))} ms; SQL p50 ${round(percentile(acSqlMs, 50))} ms p95 ${round(percentile(acSqlMs, 95))} ms`);

  // A rotation of what people type: a ref, a full name, a first name (models too), a phrase, an email, a phone.
  const [someClient] = (await db.query<{ email: string; phone: string }>(`SELECT email, phone FROM clients ORDER BY id LIMIT 1`)).rows;
  const TEXTS = ['#B-512345', 'James Carter', 'olivia', 'payment failed', someClient!.email, `+44 7700 ${someClient!.phone.slice(7)}`, 'i-150000', 'Gala evening'];
  const SEARCH = `query ($text: String!) { search(text: $text, first: 5) { text groups { kind count moreThanCount hits { kind id ref title subtitle status matchedOn score email phone } } } }`;
  for (let i = 0; i < WARMUP; i++) {
    const text = TEXTS[i % TEXTS.length] as string;
    await post(SEARCH, { text }, ownerToken);
    const [sql, params] = searchSql(text);
    await db.query(sql, params);
  }
  const perText = new Map<string, number[]>();
  const searchMs = await timedRuns(SAMPLES, async (i) => {
    const text = TEXTS[i % TEXTS.length] as string;
    const started = performance.now();
    await post(SEARCH, { text }, ownerToken);
    perText.set(text, [...(perText.get(text) ?? []), performance.now() - started]);
  });
  const searchSqlMs = await timedRuns(SAMPLES, async (i) => {
    const [sql, params] = searchSql(TEXTS[i % TEXTS.length] as string);
    await db.query(sql, params);
  });
  const operatorSearchMs = await timedRuns(Math.round(SAMPLES / 2), async (i) => void (await post(SEARCH, { text: TEXTS[i % TEXTS.length] }, operatorToken)));
  for (const [text, ms] of perText) log(`search "${text}": p50 ${round(percentile(ms, 50))} ms p95 ${round(percentile(ms, 95))} ms`);
  log(`search p50 ${round(percentile(searchMs, 50))} ms p95 ${round(percentile(searchMs, 95))} ms; SQL p50 ${round(percentile(searchSqlMs, 50))} ms p95 ${round(percentile(searchSqlMs, 95))} ms`);

  if (process.env.BENCH_PROFILE) await profileReads(operatorId, operatorToken, ownerToken, TEXTS);

  const version = (await db.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
  const machineLine = machine(`PostgreSQL ${version} (embedded)`);
  const results = {
    action_center_p50_ms: round(percentile(acMs, 50)),
    action_center_p95_ms: round(percentile(acMs, 95)),
    action_center_sql_p50_ms: round(percentile(acSqlMs, 50)),
    action_center_sql_p95_ms: round(percentile(acSqlMs, 95)),
    action_center_items: acSample.counts.total,
    graphql_request_baseline_p50_ms: round(percentile(baselineMs, 50)),
    graphql_request_baseline_p95_ms: round(percentile(baselineMs, 95)),
    search_p50_ms: round(percentile(searchMs, 50)),
    search_p95_ms: round(percentile(searchMs, 95)),
    search_sql_p50_ms: round(percentile(searchSqlMs, 50)),
    search_sql_p95_ms: round(percentile(searchSqlMs, 95)),
    search_operator_p95_ms: round(percentile(operatorSearchMs, 95)),
    graphql_read_samples: SAMPLES,
    graphql_read_rows: `${N.bookings} bookings, ${N.inquiries} inquiries, ${N.openTasks} open + ${N.doneTasks} done tasks, ${N.exceptions} exceptions, ${N.clients} clients, ${N.models} models`,
    machine: machineLine,
  };
  console.log(JSON.stringify(results, null, 2));
  if (SCALE !== 1) {
    log('BENCH_SCALE is not 1: a smoke run, nothing recorded');
    process.exitCode = 0;
    throw new SmokeRunDone();
  }
  await mergeResults(path.join(PROJECT_ROOT, 'bench/results/graphql.json'), results);

  const resultsMd = path.join(PROJECT_ROOT, 'bench/RESULTS.md');
  const md = await readFile(resultsMd, 'utf8').catch(() => '# Benchmark results\n');
  const heading = '## GraphQL reads: Action Center and unified search';
  const row = `| ${new Date().toISOString().slice(0, 10)} | actionCenter p50 ${results.action_center_p50_ms} ms / p95 ${results.action_center_p95_ms} ms (${results.action_center_items} items) | SQL p50 ${results.action_center_sql_p50_ms} ms / p95 ${results.action_center_sql_p95_ms} ms; \`{ me { id } }\` p50 ${results.graphql_request_baseline_p50_ms} ms / p95 ${results.graphql_request_baseline_p95_ms} ms | search p50 ${results.search_p50_ms} ms / p95 ${results.search_p95_ms} ms (operator p95 ${results.search_operator_p95_ms} ms) | SQL p50 ${results.search_sql_p50_ms} ms / p95 ${results.search_sql_p95_ms} ms | ${results.graphql_read_rows} | ${machineLine} |`;
  let next: string;
  if (!md.includes(heading)) {
    next = `${md.trimEnd()}\n\n${heading}\n\nRows: \`npm run bench:graphql\`. Each figure is over HTTP to the real API (${SAMPLES} sequential requests after ${WARMUP} warm-up), beside a hand-written SQL query of the same result on the same database in the same run.\n\n| date | Action Center (GraphQL) | Action Center SQL floor | search (GraphQL) | search SQL floor | data | machine |\n|---|---|---|---|---|---|---|\n${row}\n`;
  } else {
    // Insert after the last row of this section's table.
    const start = md.indexOf(heading);
    const lines = md.slice(start).split('\n');
    let lastRow = 0;
    for (let i = 0; i < lines.length; i++) {
      if (i > 0 && lines[i]!.startsWith('## ')) break;
      if (lines[i]!.startsWith('|')) lastRow = i;
    }
    lines.splice(lastRow + 1, 0, row);
    next = md.slice(0, start) + lines.join('\n');
  }
  await writeFile(resultsMd, next);
  log('written bench/results/graphql.json and a row in bench/RESULTS.md');
} catch (error) {
  if (!(error instanceof SmokeRunDone)) throw error;
} finally {
  await app.stop();
  await db.end();
  await connection.close();
  await orm.close();
  await servers.stop();
}
