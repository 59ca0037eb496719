/**
 * Availability, matching and double-booking benchmark (`npm run bench:availability`; issue 14
 * item 9): on a scratch database loaded with 2,000 models, 100,000 availability slots and
 * 1,000,000 bookings (generate_series), over real HTTP against the real API and worker:
 * - matchInquiry p95 (2,000 active models: profile facts for all, history and real availability
 *   in the window for those that can still enter the best 50), beside a hand-written SQL floor
 *   reading the same facts in one statement (and, logged, the earlier floor reading every
 *   model's history and availability);
 * - a one-week availability query p95 for one model and for every model of a location, beside
 *   a hand-written SQL floor reading the same slots and bookings;
 * - 50 concurrent attempts to hold one model's overlapping time, and the double bookings left.
 * Writes exactly the keys to bench/results/availability.json and a row in bench/RESULTS.md.
 *
 * The fixtures are written straight into the bench's own scratch database (a restore, triggers
 * off): a bench fixture, not a status change of the product. Held bookings never overlap.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import pg from 'pg';
import { buildApp } from '../api/app.ts';
import { openOrm } from '../db/orm.ts';
import type { DemoCredential } from '../db/seed/demo-data.ts';
import { startScratchServers } from '../launcher/scratch-servers.ts';
import { PROJECT_ROOT } from '../launcher/temporal-binaries.ts';
import { createLogger } from '../platform/logger.ts';
import { startWorkers } from '../worker/run.ts';
import { log, machine, percentile, round, timedRuns } from './support.ts';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const WARMUP = 20;
const N = { locations: 20, models: 2_000, slots: 100_000, bookings: 1_000_000 };
const ATTEMPTS = 50;
/** The measured week: ahead of the loaded bookings' range start. */
const WEEK_FROM = new Date(Date.UTC(2027, 0, 4));
const WEEK_TO = new Date(WEEK_FROM.getTime() + 7 * 86_400_000);

function fixtureStatements(): Array<[string, string]> {
  const base = `'${WEEK_FROM.toISOString()}'::timestamptz - interval '200 days'`;
  return [
    ['locations', `INSERT INTO locations (id, title, slug, latitude, longitude) SELECT bench_uuid('l' || n), 'Bench Area ' || n, 'bench-area-' || n, 51.45 + n * 0.005, -0.2 + n * 0.01 FROM generate_series(1, ${N.locations}) n`],
    ['models', `INSERT INTO models (id, public_code, name, slug, primary_location_id, rating_internal)
       SELECT bench_uuid('m' || n), 'BM-' || n, 'Bench Model ' || n, 'bench-model-' || n, bench_uuid('l' || (1 + n % ${N.locations})), (n % 50) / 10.0
         FROM generate_series(1, ${N.models}) n`],
    ['model_services', `INSERT INTO model_services (model_id, service_id) SELECT bench_uuid('m' || n), s.id FROM generate_series(1, ${N.models}) n CROSS JOIN (SELECT id FROM services ORDER BY slug LIMIT 2) s WHERE n % 3 <> 0`],
    ['availability_rules', `INSERT INTO availability_rules (name, scope, location_id, rule) SELECT 'Evenings ' || n, 'location', bench_uuid('l' || n),
       '{"timezone":"Europe/London","weekly":{"mon":[["18:00","02:00"]],"tue":[["18:00","02:00"]],"wed":[["18:00","02:00"]],"thu":[["18:00","02:00"]],"fri":[["12:00","03:00"]],"sat":[["12:00","03:00"]],"sun":[["14:00","23:00"]]},"blackouts":[{"from":"2027-12-24","to":"2027-12-26"}]}'::jsonb
       FROM generate_series(1, ${N.locations}) n`],
    // 50 slots per model, 4 hours each, every 3rd day over 150 days around the measured week.
    ['availability_slots', `INSERT INTO availability_slots (model_id, start_at, end_at, status, source, confidence)
       SELECT bench_uuid('m' || (1 + n % ${N.models})), ${base} + interval '140 days' + (n / ${N.models}) * interval '3 days' + interval '18 hours',
              ${base} + interval '140 days' + (n / ${N.models}) * interval '3 days' + interval '22 hours',
              (ARRAY['available','available','tentative','unavailable'])[1 + n % 4], (ARRAY['manual','sync','automation'])[1 + n % 3], 0.4 + (n % 7) / 10.0
         FROM generate_series(0, ${N.slots - 1}) n`],
    // 500 bookings per model, one every 10 hours, 2 hours long: held ones never overlap.
    ['bookings', `INSERT INTO bookings (id, ref, client_id, model_id, location_id, start_at, end_at, held_until, status, price_total, created_at)
       SELECT bench_uuid('b' || n), 'B-' || (100000 + n), (SELECT id FROM clients ORDER BY created_at LIMIT 1), bench_uuid('m' || (1 + n % ${N.models})),
              bench_uuid('l' || (1 + n % ${N.locations})), ${base} + (n / ${N.models}) * interval '10 hours', ${base} + (n / ${N.models}) * interval '10 hours' + interval '2 hours',
              ${base} + (n / ${N.models}) * interval '10 hours' + interval '2 hours',
              (ARRAY['completed','completed','confirmed','pending','cancelled','draft','no_show','expired','deposit_required','confirmed'])[1 + n % 10], 550, now()
         FROM generate_series(0, ${N.bookings - 1}) n`],
  ];
}

async function measure(name: string, run: (i: number) => Promise<unknown>) {
  await timedRuns(WARMUP, run);
  const samples = await timedRuns(SAMPLES, run);
  const figures = { p50: round(percentile(samples, 50)), p95: round(percentile(samples, 95)) };
  log(`${name}: p50 ${figures.p50} ms / p95 ${figures.p95} ms`);
  return figures;
}

const loadAtStart = loadavg();
const servers = await startScratchServers('bench-availability');
const orm = await openOrm(servers.databaseUrl);
const connection = await Connection.connect({ address: servers.temporalAddress });
const temporal = new TemporalClient({ connection });
const logger = createLogger({ level: 'warn', service: 'bench' });
const workers = await startWorkers({ databaseUrl: servers.databaseUrl, temporalAddress: servers.temporalAddress, namespace: 'default', metricsAddress: undefined, logger });
const db = new pg.Client({ connectionString: servers.databaseUrl });
await db.connect();
const app = buildApp({ orm, temporal, temporalAddress: servers.temporalAddress, namespace: 'default', logger, production: false, jwtSecret: 'bench-secret-bench-secret-bench-secret-0123' });
const url = await app.start('127.0.0.1', 0);

try {
  const loadStarted = performance.now();
  // Stable ids from a name, shaped as RFC 9562 version-4 UUIDs (the API accepts only those).
  await db.query(`CREATE FUNCTION bench_uuid(t text) RETURNS uuid LANGUAGE sql IMMUTABLE AS
    $$ SELECT (substr(md5(t), 1, 12) || '4' || substr(md5(t), 14, 3) || '8' || substr(md5(t), 18, 15))::uuid $$`);
  await db.query('SET session_replication_role = replica');
  for (const [table, statement] of fixtureStatements()) {
    const started = performance.now();
    const result = await db.query(statement);
    log(`loaded ${table}: ${result.rowCount} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  await db.query('SET session_replication_role = DEFAULT');
  await db.query('VACUUM ANALYZE');
  log(`fixtures loaded in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s`);

  const credentials = JSON.parse(await readFile(path.join(servers.dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredential[];
  const post = async (query: string, variables: Record<string, unknown>, token?: string) => {
    const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }) });
    return (await response.json()) as { data?: Record<string, unknown>; errors?: Array<{ extensions?: { code?: string } }> };
  };
  const owner = credentials.find((c) => c.email === 'owner@virel.local')!;
  const token = ((await post('mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }', { e: owner.email, p: owner.password })).data!.login as { accessToken: string }).accessToken;
  const ok = async (query: string, variables: Record<string, unknown>) => {
    const body = await post(query, variables, token);
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data!;
  };

  // ---- match ----
  const services = (await db.query<{ id: string }>('SELECT id FROM services ORDER BY slug LIMIT 2')).rows.map((r) => r.id);
  const inquiry = ((await ok('mutation { createInquiry(input: { source: web, clientName: "Bench" }) { inquiry { id } } }', {})).createInquiry as { inquiry: { id: string } }).inquiry.id;
  const matchFrom = new Date(WEEK_FROM.getTime() + 2 * 86_400_000 + 19 * 3600_000);
  const matchTo = new Date(matchFrom.getTime() + 2 * 3600_000);
  await ok('mutation ($id: ID!, $input: UpdateInquiryInput!) { updateInquiry(id: $id, input: $input) { inquiry { id } } }', {
    id: inquiry, input: { requestedLocationId: (await db.query<{ id: string }>(`SELECT bench_uuid('l1') AS id`)).rows[0]!.id, requestedTimeFrom: matchFrom.toISOString(), requestedTimeTo: matchTo.toISOString(), requestedServiceIds: services },
  });
  const candidates = ((await ok('mutation ($id: ID!) { matchInquiry(id: $id) { matches { score } } }', { id: inquiry })).matchInquiry as { matches: unknown[] }).matches.length;
  log(`matchInquiry: ${candidates} candidates (the stored top 50 are returned)`);
  const match = await measure('matchInquiry (GraphQL)', () => ok('mutation ($id: ID!) { matchInquiry(id: $id) { matches { modelId score } } }', { id: inquiry }));
  // The floor answers what matching needs in one hand-written statement: every active model's
  // profile (location, services, rating), and the costly facts (recent no-shows and
  // cancellations, the window's slots, held bookings and rules) of the 100 best on profile,
  // as matching reads them only for the models that can still enter its best 50.
  const matchSql = await measure('match SQL floor', () => db.query(`
    WITH profile AS (
      SELECT m.id, m.primary_location_id, m.primary_location_id = bench_uuid('l1') AS based, m.rating_internal, l.latitude, l.longitude,
             EXISTS (SELECT 1 FROM model_locations ml WHERE ml.model_id = m.id AND ml.location_id = bench_uuid('l1')) AS serves,
             (SELECT count(*) FROM model_services ms WHERE ms.model_id = m.id AND ms.service_id = ANY($3::uuid[])) AS services
        FROM models m LEFT JOIN locations l ON l.id = m.primary_location_id WHERE m.status = 'active'
    ), best AS MATERIALIZED (
      SELECT id, primary_location_id FROM profile ORDER BY based DESC, serves DESC, services DESC, rating_internal DESC NULLS LAST, id LIMIT 100
    ), facts AS MATERIALIZED (
      SELECT p.id,
             (SELECT count(*) FROM bookings b WHERE b.model_id = p.id AND b.status IN ('no_show', 'cancelled') AND b.start_at > now() - interval '90 days' AND b.start_at <= now()) AS history,
             (SELECT json_agg(s) FROM availability_slots s WHERE s.model_id = p.id AND tstzrange(s.start_at, s.end_at, '[)') && tstzrange($1, $2, '[)')) AS slots,
             (SELECT json_agg(b.id) FROM bookings b WHERE b.model_id = p.id AND b.status IN ('pending', 'deposit_required', 'confirmed', 'in_progress')
                 AND tstzrange(b.start_at, b.held_until, '[)') && tstzrange($1, $2, '[)')) AS held,
             (SELECT json_agg(r.rule) FROM availability_rules r WHERE r.status = 'active' AND r.location_id = p.primary_location_id) AS rules
        FROM best p
    )
    SELECT p.*, f.history, f.slots, f.held, f.rules FROM profile p LEFT JOIN facts f ON f.id = p.id`, [matchFrom, matchTo, services]));
  // The earlier floor, for comparison with earlier rows: the same facts for every active model.
  const matchEveryModelSql = await measure('match SQL, every model\'s facts', () => db.query(`
    WITH facts AS (
      SELECT m.id, m.primary_location_id = bench_uuid('l1') AS based, m.rating_internal,
             (SELECT count(*) FROM model_services ms WHERE ms.model_id = m.id AND ms.service_id = ANY($3::uuid[])) AS services,
             (SELECT count(*) FROM bookings b WHERE b.model_id = m.id AND b.status IN ('no_show', 'cancelled') AND b.start_at > now() - interval '90 days' AND b.start_at <= now()) AS history
        FROM models m WHERE m.status = 'active'
    )
    SELECT f.*, (SELECT json_agg(s) FROM availability_slots s WHERE s.model_id = f.id AND tstzrange(s.start_at, s.end_at, '[)') && tstzrange($1, $2, '[)')) AS slots,
           (SELECT json_agg(b.id) FROM bookings b WHERE b.model_id = f.id AND b.status IN ('pending', 'deposit_required', 'confirmed', 'in_progress')
               AND tstzrange(b.start_at, b.held_until, '[)') && tstzrange($1, $2, '[)')) AS held,
           (SELECT json_agg(r.rule) FROM availability_rules r WHERE r.status = 'active' AND r.location_id = (SELECT primary_location_id FROM models WHERE id = f.id)) AS rules
      FROM facts f`, [matchFrom, matchTo, services]));

  // ---- availability, one week ----
  const AVAILABILITY = 'query ($m: ID, $l: ID, $from: DateTime!, $to: DateTime!) { availability(modelId: $m, locationId: $l, from: $from, to: $to) { modelId intervals { startAt endAt state reason } } }';
  const modelIds = (await db.query<{ id: string }>(`SELECT bench_uuid('m' || n) AS id FROM generate_series(1, 100) n`)).rows.map((r) => r.id);
  const week = { from: WEEK_FROM.toISOString(), to: WEEK_TO.toISOString() };
  const availability = await measure('availability, one model (GraphQL)', (i) => ok(AVAILABILITY, { m: modelIds[i % modelIds.length], ...week }));
  const availabilitySql = await measure('availability, one model, SQL floor', (i) => db.query(`
    SELECT (SELECT json_agg(s) FROM availability_slots s WHERE s.model_id = $1 AND tstzrange(s.start_at, s.end_at, '[)') && tstzrange($2, $3, '[)')) AS slots,
           (SELECT json_agg(b) FROM bookings b WHERE b.model_id = $1 AND b.status IN ('pending', 'deposit_required', 'confirmed', 'in_progress')
               AND tstzrange(b.start_at, b.held_until, '[)') && tstzrange($2, $3, '[)')) AS held,
           (SELECT json_agg(r.rule) FROM availability_rules r WHERE r.status = 'active' AND (r.scope = 'global' OR r.location_id = (SELECT primary_location_id FROM models WHERE id = $1) OR r.model_id = $1)) AS rules`,
  [modelIds[i % modelIds.length], WEEK_FROM, WEEK_TO]));
  const locationIds = (await db.query<{ id: string }>(`SELECT bench_uuid('l' || n) AS id FROM generate_series(1, ${N.locations}) n`)).rows.map((r) => r.id);
  const ofLocation = await measure(`availability, all ${N.models / N.locations} models of a location (GraphQL)`, (i) => ok(AVAILABILITY, { l: locationIds[i % locationIds.length], ...week }));
  const ofLocationSql = await measure('availability of a location, SQL floor', (i) => db.query(`
    WITH ms AS (SELECT id FROM models WHERE status = 'active' AND primary_location_id = $1)
    SELECT (SELECT json_agg(s) FROM availability_slots s WHERE s.model_id IN (SELECT id FROM ms) AND tstzrange(s.start_at, s.end_at, '[)') && tstzrange($2, $3, '[)')) AS slots,
           (SELECT json_agg(b) FROM bookings b WHERE b.model_id IN (SELECT id FROM ms) AND b.status IN ('pending', 'deposit_required', 'confirmed', 'in_progress')
               AND tstzrange(b.start_at, b.held_until, '[)') && tstzrange($2, $3, '[)')) AS held,
           (SELECT json_agg(r.rule) FROM availability_rules r WHERE r.status = 'active' AND (r.scope = 'global' OR r.location_id = $1)) AS rules`,
  [locationIds[i % locationIds.length], WEEK_FROM, WEEK_TO]));

  // ---- double booking: 50 concurrent attempts on one model's overlapping time ----
  const [refs] = (await db.query<{ client: string; location: string }>(`SELECT (SELECT id FROM clients ORDER BY created_at LIMIT 1) AS client, bench_uuid('l1') AS location`)).rows;
  const model = modelIds[0]!;
  const drafts: string[] = [];
  for (let i = 0; i < ATTEMPTS; i++) {
    const start = new Date(WEEK_TO.getTime() + 30 * 86_400_000 + i * 60_000);
    const created = await ok('mutation ($input: CreateBookingInput!) { createBooking(input: $input) { booking { id } } }', { input: {
      clientId: refs!.client, modelId: model, locationId: refs!.location, startAt: start.toISOString(), endAt: new Date(start.getTime() + 2 * 3600_000).toISOString(), priceTotal: '500.00',
    } });
    drafts.push((created.createBooking as { booking: { id: string } }).booking.id);
  }
  const attempts = await Promise.all(drafts.map((id) => post('mutation ($id: ID!) { changeStatus(input: { entity: { type: booking, id: $id }, to: "pending" }) { to } }', { id }, token)));
  const won = attempts.filter((a) => !a.errors).length;
  const conflicts = attempts.filter((a) => a.errors?.[0]?.extensions?.code === 'CONFLICT').length;
  const doubleBookings = Number((await db.query<{ n: string }>(`
    SELECT count(*) AS n FROM bookings a JOIN bookings b ON a.model_id = b.model_id AND a.id < b.id
     WHERE a.status IN ('pending', 'deposit_required', 'confirmed', 'in_progress') AND b.status IN ('pending', 'deposit_required', 'confirmed', 'in_progress')
       AND tstzrange(a.start_at, a.held_until) && tstzrange(b.start_at, b.held_until) AND a.model_id = $1`, [model])).rows[0]!.n);
  log(`double booking: ${ATTEMPTS} attempts, ${won} held, ${conflicts} CONFLICT, ${doubleBookings} double bookings`);

  // The load of the machine (other sessions share its cores) is part of what a row measured.
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' / ');
  const where = `${machine('Temporal CLI dev server (SQLite), PostgreSQL 18 (embedded), API and worker in this process')}; load average (1/5/15 min) ${load(loadAtStart)} at the start, ${load(loadavg())} at the end`;
  const results = {
    match_p95_ms: match.p95, match_sql_p95_ms: matchSql.p95, availability_p95_ms: availability.p95, availability_sql_p95_ms: availabilitySql.p95,
    double_booking_attempts: ATTEMPTS, double_bookings: doubleBookings, machine: where,
  };
  await writeFile(path.join(PROJECT_ROOT, 'bench/results/availability.json'), `${JSON.stringify(results, null, 2)}\n`);
  const resultsMd = path.join(PROJECT_ROOT, 'bench/RESULTS.md');
  const md = await readFile(resultsMd, 'utf8');
  const header = '## Availability, matching and double booking';
  const row = `| ${new Date().toISOString().slice(0, 10)} | match p50 ${match.p50} ms / p95 ${match.p95} ms (${N.models} models, ${candidates} candidates) | SQL p95 ${matchSql.p95} ms `
    + `(every model's facts: p95 ${matchEveryModelSql.p95} ms) | one model p50 ${availability.p50} / p95 ${availability.p95} ms; location (${N.models / N.locations} models) p50 ${ofLocation.p50} / p95 ${ofLocation.p95} ms `
    + `| SQL p95 ${availabilitySql.p95} ms; location SQL p95 ${ofLocationSql.p95} ms | ${ATTEMPTS} attempts: ${won} held, ${conflicts} CONFLICT, ${doubleBookings} double bookings `
    + `| ${N.models} models, ${N.slots} slots, ${N.bookings} bookings | ${where} |`;
  const tableHead = '| date | match (GraphQL) | match SQL floor | availability, one week (GraphQL) | availability SQL floor | double booking | data | machine |';
  const section = md.includes(header) ? md : `${md.trimEnd()}\n\n${header}\n\nRows: \`npm run bench:availability\` (bench/availability.ts). ${SAMPLES} sequential requests over HTTP after ${WARMUP} warm-up, each beside a hand-written SQL floor reading the same facts in the same run. Aim: match p95 ≤ 100 ms, availability p95 ≤ 50 ms, each within 3× its floor.\n\n${tableHead}\n|---|---|---|---|---|---|---|---|\n`;
  // The row goes after the last row of this section's table, wherever later sections put it in the file.
  const lines = section.trimEnd().split('\n');
  let at = lines.indexOf(tableHead) + 1;
  while (at + 1 < lines.length && lines[at + 1]!.startsWith('|')) at++;
  lines.splice(at + 1, 0, row);
  await writeFile(resultsMd, `${lines.join('\n')}\n`);
  log('written bench/results/availability.json and a row in bench/RESULTS.md');
} finally {
  await app.stop();
  await db.end();
  await workers.shutdown();
  await connection.close();
  await orm.close();
  await servers.stop();
}
