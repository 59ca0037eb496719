/**
 * Fault suite (`npm run bench:faults`, never part of `npm test`): the platform as real processes
 * (embedded PostgreSQL, the Temporal dev server, and BENCH_REPLICAS worker and API processes,
 * 2 by default as in the scaled-out form), a steady load of lifecycle changes through GraphQL
 * with Idempotency-Keys, and faults injected into it in turn: SIGKILL a worker, SIGKILL an API,
 * restart the Temporal dev server (same SQLite file), restart PostgreSQL (same cluster). A killed
 * process is started again, as the launcher would; after a server restart the APIs and workers
 * must reconnect by themselves. With one replica each, recovery from a kill includes the
 * replacement's cold start (BENCH_REPLICAS=1).
 *
 * Clients behave as the README tells them to: a request that got no answer, or a retryable
 * CONFLICT, is sent again with the same Idempotency-Key. Afterwards every accepted change must be
 * in the database exactly once (audit entry, timeline entry and domain event each), no refused
 * change may be there, and every workflow must agree with its row.
 * Writes bench/results/faults.json and a row in bench/RESULTS.md.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import type { DemoCredential } from '../db/seed/demo-data.ts';
import { openOrm } from '../db/orm.ts';
import { setupDatabase } from '../db/setup.ts';
import { startEmbeddedPostgres } from '../launcher/embedded-postgres.ts';
import { startPlatformProcess, type PlatformProcess } from '../launcher/platform-process.ts';
import { freePort } from '../launcher/ports.ts';
import { PROJECT_ROOT, TEMPORAL_CLI_PACKAGE } from '../launcher/temporal-binaries.ts';
import { startTemporalDevServer, type DevServer } from '../launcher/temporal-dev-server.ts';
import { lifecycleStateQuery } from '../workflows/lifecycle/messages.ts';
import { inquiryWorkflowId } from '../domain/inquiry.ts';
import { log, machine, percentile, round } from './support.ts';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 6);
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** Steady load between two faults. */
const GAP_MS = Number(process.env.BENCH_GAP_SECONDS ?? 10) * 1000;
const JWT_SECRET = `faults-${randomUUID()}-${randomUUID()}`;
const STEPS: Array<[string, Record<string, unknown>?]> = [['qualified'], ['awaiting_client'], ['awaiting_deposit', { depositAmount: '90.00' }]];

// --- the platform as processes --------------------------------------------------------------

const dataDir = await mkdtemp(path.join(tmpdir(), 'virel-faults-'));
const ports = { pg: await freePort(), temporal: await freePort(), apis: await Promise.all(Array.from({ length: REPLICAS }, () => freePort())) };
const pg = await startEmbeddedPostgres({ dataDir, port: ports.pg, onWarning: () => undefined });
const startTemporal = () => startTemporalDevServer({ dataDir, port: ports.temporal, uiPort: 0, namespace: 'default', headless: true });
let temporal: DevServer = await startTemporal();
const setupOrm = await openOrm(pg.url);
await setupDatabase(setupOrm, { seedDemoData: true, dataDir }).finally(() => setupOrm.close());
const env = { DATABASE_URL: pg.url, TEMPORAL_ADDRESS: temporal.address, JWT_SECRET, DATA_DIR: dataDir };
const workers: PlatformProcess[] = [];
const apis: PlatformProcess[] = [];
const startWorker = () => startPlatformProcess('worker', env);
/** API replica `i` always listens on the same port, so clients find it again after a restart. */
const startApi = (i: number) => startPlatformProcess('api', { ...env, API_PORT: String(ports.apis[i]) });
/** Stops everything this run started, whatever state it is in. */
async function stopPlatform(): Promise<void> {
  await Promise.allSettled([...apis, ...workers].map((p) => p.stop()));
  await Promise.allSettled([temporal.stop(), pg.stop()]);
  await rm(dataDir, { recursive: true, force: true });
}
process.on('uncaughtException', (error) => {
  console.error(error);
  void stopPlatform().finally(() => process.exit(2));
});
process.on('unhandledRejection', (error) => {
  console.error(error);
  void stopPlatform().finally(() => process.exit(2));
});
workers.push(...(await Promise.all(Array.from({ length: REPLICAS }, startWorker))));
apis.push(...(await Promise.all(Array.from({ length: REPLICAS }, (_, i) => startApi(i)))));
const apiUrls = ports.apis.map((port) => `http://127.0.0.1:${port}`);
log(`platform up: PostgreSQL ${pg.url.replace(/:[^:@/]+@/, ':***@')}, Temporal ${temporal.address}, APIs ${apiUrls.join(' ')}, ${REPLICAS} worker(s)`);

// --- clients --------------------------------------------------------------------------------

interface Change {
  readonly key: string;
  readonly kind: 'create' | 'transition';
  entityId?: string;
  readonly startedAt: number;
  endedAt?: number;
  outcome?: 'accepted' | 'refused';
  attempts: number;
  error?: string;
}
const changes: Change[] = [];
let loadRunning = true;

const credentials = JSON.parse(await readFile(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredential[];
const owner = credentials.find((c) => c.role === 'OWNER') as DemoCredential;

type Answer = { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };

/** One HTTP request; undefined when no answer came (connection refused, reset, timeout, not JSON). */
async function post(body: unknown, headers: Record<string, string>, replica = 0): Promise<Answer | undefined> {
  try {
    const response = await fetch(`${apiUrls[replica % apiUrls.length]}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000),
    });
    return (await response.json()) as Answer;
  } catch {
    return undefined;
  }
}

let token = '';
async function signIn(): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const answer = await post({ query: 'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }', variables: { e: owner.email, p: owner.password } }, {}, attempt);
    const accessToken = (answer?.data?.login as { accessToken?: string } | undefined)?.accessToken;
    if (accessToken) {
      token = accessToken;
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
await signIn();
const [ownerRow] = await (async () => {
  const orm = await openOrm(pg.url);
  try {
    return await orm.em.getConnection().execute<Array<{ id: string }>>('SELECT id FROM users WHERE email = ?', [owner.email]);
  } finally {
    await orm.close();
  }
})();
const ownerId = ownerRow?.id as string;

/** Errors after which the same request is sent again with the same key (README: retryable). */
const retryable = (answer: Answer) => {
  const error = answer.errors?.[0];
  if (!error) return false;
  if (error.extensions?.code === 'CONFLICT' && /still running/.test(error.message)) return true;
  // PostgreSQL or Temporal out of reach (README: UNAVAILABLE, retryable), no GraphQL answer at all
  // (a proxy's or a dying server's), or a dropped session: try again, a bounded number of times.
  // INTERNAL is not resent: a fault of ours, which the run counts as refused.
  const code = error.extensions?.code;
  return code === 'UNAVAILABLE' || code === undefined || code === 'INTERNAL_SERVER_ERROR' || code === 'UNAUTHENTICATED';
};

/** Sends one change until it is accepted or definitively refused, always with the same key. */
async function send(change: Change, query: string, variables: Record<string, unknown>, preferred: number): Promise<Answer | undefined> {
  changes.push(change);
  let faults = 0;
  let replica = preferred;
  for (;;) {
    change.attempts++;
    const answer = await post({ query, variables }, { authorization: `Bearer ${token}`, 'idempotency-key': change.key }, replica);
    // No answer: the next attempt goes to another API replica (what a load balancer does).
    if (!answer) replica++;
    if (answer && !answer.errors?.length) {
      change.outcome = 'accepted';
      change.endedAt = performance.now();
      return answer;
    }
    if (answer && !retryable(answer)) {
      change.outcome = 'refused';
      change.error = JSON.stringify(answer.errors?.[0]);
      change.endedAt = performance.now();
      return undefined;
    }
    if (answer?.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED') await signIn();
    if (answer && answer.errors?.[0]?.extensions?.code !== 'CONFLICT' && ++faults > 40) {
      change.outcome = 'refused';
      change.error = JSON.stringify(answer.errors?.[0]);
      change.endedAt = performance.now();
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

const CREATE = 'mutation ($input: CreateInquiryInput!) { createInquiry(input: $input) { inquiry { id } } }';
const CHANGE = 'mutation ($input: ChangeStatusInput!) { changeStatus(input: $input) { from to } }';

/** One client: a new inquiry walked through its path, again and again, until the load stops. */
async function client(loop: number): Promise<void> {
  for (let n = 0; loadRunning; n++) {
    const create: Change = { key: `faults-${randomUUID()}`, kind: 'create', startedAt: performance.now(), attempts: 0 };
    const created = await send(create, CREATE, { input: { source: 'web', clientName: `Fault load ${loop}-${n}` } }, loop);
    const id = (created?.data?.createInquiry as { inquiry: { id: string } } | undefined)?.inquiry.id;
    if (!id) continue;
    create.entityId = id;
    for (const [to, data] of STEPS) {
      const change: Change = { key: `faults-${randomUUID()}`, kind: 'transition', entityId: id, startedAt: performance.now(), attempts: 0 };
      if (!(await send(change, CHANGE, { input: { entity: { type: 'inquiry', id }, to, ...(data ?? {}) } }, loop))) break;
    }
  }
}

// --- faults ---------------------------------------------------------------------------------

interface Fault {
  readonly name: string;
  readonly at: number;
  /** When the faulty part was back (process ready, server answering). */
  backAt?: number;
}
const faults: Fault[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const injections: Array<[string, () => Promise<void>]> = [
  ['SIGKILL worker', async () => {
    await workers.shift()?.crash();
    workers.push(await startWorker());
  }],
  ['SIGKILL API', async () => {
    const i = faults.filter((f) => f.name === 'SIGKILL API').length % REPLICAS;
    await apis[i]?.crash();
    apis[i] = await startApi(i);
  }],
  ['restart Temporal dev server', async () => {
    await temporal.stop();
    temporal = await startTemporal();
  }],
  ['restart PostgreSQL', () => pg.restart()],
];

const clients = Array.from({ length: CONCURRENCY }, (_, loop) => client(loop));
await sleep(GAP_MS / 2);
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, inject] of injections) {
    const fault: Fault = { name, at: performance.now() };
    faults.push(fault);
    log(`fault ${faults.length}: ${name}`);
    await inject();
    fault.backAt = performance.now();
    log(`  back after ${Math.round(fault.backAt - fault.at)} ms`);
    await sleep(GAP_MS);
  }
}
loadRunning = false;
await Promise.all(clients);
log(`load stopped: ${changes.length} changes sent`);

// --- verification ---------------------------------------------------------------------------

const orm = await openOrm(pg.url);
const sql = orm.em.getConnection();
const accepted = changes.filter((c) => c.outcome === 'accepted');
const refused = changes.filter((c) => c.outcome === 'refused');
const transitionIdOf = (c: Change) => `${ownerId}:${c.key}`;
const counts = new Map<string, { audit: number; timeline: number; events: number }>();
const transitionRows = await sql.execute<Array<{ transition_id: string; audit: number; timeline: number; events: number }>>(`
  SELECT a.transition_id, count(*)::int AS audit,
         (SELECT count(*) FROM entity_timeline t WHERE t.transition_id = a.transition_id)::int AS timeline,
         (SELECT count(*) FROM domain_events e WHERE e.transition_id = a.transition_id)::int AS events
    FROM audit_log a WHERE a.transition_id = ANY(?::text[]) AND a.action <> 'CREATE' GROUP BY a.transition_id`,
[`{${changes.filter((c) => c.kind === 'transition').map(transitionIdOf).join(',')}}`]);
for (const row of transitionRows) counts.set(row.transition_id, row);
const createdIds = changes.filter((c) => c.kind === 'create' && c.entityId).map((c) => c.entityId as string);
const createRows = await sql.execute<Array<{ entity_id: string; audit: number; events: number }>>(`
  SELECT a.entity_id, count(*)::int AS audit,
         (SELECT count(*) FROM domain_events e WHERE e.entity_id = a.entity_id AND e.event_type = 'inquiry.created')::int AS events
    FROM audit_log a WHERE a.entity_id = ANY(?::uuid[]) AND a.action = 'CREATE' GROUP BY a.entity_id`, [`{${createdIds.join(',')}}`]);
const createCounts = new Map(createRows.map((r) => [r.entity_id, r]));
const inquiriesOfLoad = await sql.execute<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM inquiries WHERE client_name LIKE 'Fault load %'`);

let applied = 0;
let lost = 0;
let doubled = 0;
const problems: string[] = [];
for (const change of accepted) {
  const found = change.kind === 'create'
    ? (() => {
      const row = createCounts.get(change.entityId as string);
      return row ? { audit: row.audit, timeline: row.audit, events: row.events } : undefined;
    })()
    : counts.get(transitionIdOf(change));
  if (!found) {
    lost++;
    problems.push(`lost: ${change.kind} ${change.key}`);
    continue;
  }
  applied++;
  if (found.audit !== 1 || found.timeline !== 1 || found.events !== 1) {
    doubled++;
    problems.push(`not once: ${change.kind} ${change.key} audit=${found.audit} timeline=${found.timeline} events=${found.events}`);
  }
}
// Nothing beyond the accepted changes: one inquiry per accepted create, no refused change applied.
const extraInquiries = (inquiriesOfLoad[0]?.n ?? 0) - accepted.filter((c) => c.kind === 'create').length;
if (extraInquiries !== 0) {
  doubled += Math.max(0, extraInquiries);
  problems.push(`inquiries of the load: ${inquiriesOfLoad[0]?.n}, accepted creates: ${accepted.filter((c) => c.kind === 'create').length}`);
}
const refusedApplied = refused.filter((c) => c.kind === 'transition' && counts.has(transitionIdOf(c)));
for (const change of refusedApplied) problems.push(`refused but applied: ${change.key} (${change.error})`);

// Every workflow agrees with its row.
const temporalConnection = await Connection.connect({ address: temporal.address });
const temporalClient = new Client({ connection: temporalConnection });
const rows = await sql.execute<Array<{ id: string; status: string; source: string; external_ref: string | null }>>(
  `SELECT id, status, source, external_ref FROM inquiries WHERE id = ANY(?::uuid[])`, [`{${createdIds.join(',')}}`]);
let disagreements = 0;
for (const row of rows) {
  const state = await temporalClient.workflow.getHandle(inquiryWorkflowId({ id: row.id, source: row.source as 'web', externalRef: row.external_ref }))
    .query(lifecycleStateQuery).catch((error: unknown) => ({ status: `query failed: ${String(error)}` }));
  if (state.status !== row.status) {
    disagreements++;
    problems.push(`workflow of ${row.id} says ${state.status}, its row ${row.status}`);
  }
}

// Recovery: how long after each fault the changes in flight at that moment were answered.
const recovery: number[] = [];
const perFault = faults.map((fault) => {
  const inFlight = changes.filter((c) => c.startedAt <= fault.at && (c.endedAt ?? Infinity) > fault.at && c.outcome === 'accepted');
  const times = inFlight.map((c) => (c.endedAt as number) - fault.at);
  recovery.push(...times);
  // Beyond the time the part took to come back (a process start, a server restart).
  const afterBack = inFlight.map((c) => Math.max(0, (c.endedAt as number) - (fault.backAt ?? fault.at)));
  return {
    fault: fault.name, back_ms: round((fault.backAt ?? fault.at) - fault.at), in_flight: times.length,
    p95_ms: round(percentile(times, 95)), max_ms: round(Math.max(0, ...times)), after_back_p95_ms: round(percentile(afterBack, 95)),
  };
});

const results = {
  faults_injected: faults.length,
  changes_accepted: accepted.length,
  changes_applied: applied,
  lost,
  doubled,
  recovery_p95_ms: round(percentile(recovery, 95)),
  machine: machine(`Temporal CLI ${TEMPORAL_CLI_PACKAGE.split('==')[1]} dev server (SQLite WAL), PostgreSQL 18 (embedded), ${REPLICAS} API + ${REPLICAS} worker processes, ${CONCURRENCY} clients`),
};
log(JSON.stringify({ ...results, refused: refused.length, refused_applied: refusedApplied.length, disagreements, perFault }, null, 2));
for (const problem of problems.slice(0, 30)) log(`  ${problem}`);
for (const change of refused.slice(0, 10)) log(`  refused: ${change.kind} after ${change.attempts} attempts: ${change.error}`);

await writeFile(path.join(PROJECT_ROOT, 'bench/results/faults.json'), `${JSON.stringify(results, null, 2)}\n`);
const resultsMd = path.join(PROJECT_ROOT, 'bench/RESULTS.md');
const perFaultText = perFault.map((f) => `${f.fault} ${Math.round(f.p95_ms)} ms (back after ${Math.round(f.back_ms)} ms, then ${Math.round(f.after_back_p95_ms)} ms)`).join('; ');
const row = `| ${new Date().toISOString().slice(0, 10)} | faults | ${results.faults_injected} faults, ${results.changes_accepted} changes accepted, ${results.changes_applied} applied, lost ${lost}, doubled ${doubled}, refused ${refused.length} (applied ${refusedApplied.length}), workflow ≠ row ${disagreements} | in-flight recovery p95 ${results.recovery_p95_ms} ms (aim ≤ 5,000 ms): ${perFaultText} | | | ${results.machine} |\n`;
const current = await readFile(resultsMd, 'utf8');
const marker = '\n## Notes on the lifecycles rows';
await writeFile(resultsMd, current.includes(marker) ? current.replace(marker, `${row.trimEnd()}\n${marker}`) : `${current}${row}`);

await temporalConnection.close();
await orm.close();
await stopPlatform();
process.exit(lost === 0 && doubled === 0 && refusedApplied.length === 0 && disagreements === 0 ? 0 : 1);
