/**
 * Subscription delivery benchmark (`npm run bench:subscriptions`): N graphql-ws subscribers
 * (default 500; half as the owner, half as the ops manager) on actionCenterUpdates of a real API
 * process, while changes are made through that API's GraphQL mutations (each a workflow Update
 * whose activity commits the row and its NOTIFY). Latency is measured per delivery, from the
 * event's commit (domain_events.created_at, which every update carries as occurredAt; same machine,
 * same clock) to its receipt at the subscriber. The floor, in the same run: a raw pg LISTEN client
 * on virel_changes receiving the same NOTIFY. Merges flat keys into bench/results/graphql.json and
 * appends a section to bench/RESULTS.md.
 *
 * API and worker run as child processes (as in production), so the 500 sockets in this process do
 * not share an event loop with the server they measure.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { DemoCredential } from '../db/seed/demo-data.ts';
import { freePort } from '../launcher/ports.ts';
import { startScratchServers } from '../launcher/scratch-servers.ts';
import { PROJECT_ROOT } from '../launcher/temporal-binaries.ts';
import { log, machine, mergeResults, percentile, round } from './support.ts';
import { startChild, stopChild } from './child.ts';

/** Production keeps /metrics behind a bearer token (platform/config.ts); the bench reads it with this one. */
const METRICS_TOKEN = randomBytes(24).toString('hex');

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 500);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0';



const servers = await startScratchServers('bench-subscriptions');
const children: ChildProcess[] = [];
const clients: Client[] = [];
const floor = new pg.Client({ connectionString: servers.databaseUrl });
try {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH, NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: servers.databaseUrl, TEMPORAL_ADDRESS: servers.temporalAddress,
    JWT_SECRET, API_HOST: '127.0.0.1', API_PORT: String(port), WORKER_METRICS_ADDRESS: '',
    METRICS_TOKEN,
  };
  children.push(startChild('worker/main.ts', env), startChild('api/main.ts', env));
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; ;) {
    if (await fetch(`${url}/api/v1/health`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error('the API did not become healthy');
    await new Promise((r) => setTimeout(r, 250));
  }

  const gql = async <T>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data as T;
  };
  const credentials = JSON.parse(await readFile(path.join(servers.dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredential[];
  const tokenOf = async (role: string) => {
    const who = credentials.find((c) => c.role === role)!;
    const data = await gql<{ login: { accessToken: string } }>('mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }', { e: who.email, p: who.password });
    return data.login.accessToken;
  };
  const owner = await tokenOf('OWNER');
  const opsManager = await tokenOf('OPS_MANAGER');

  // Floor: the same NOTIFY, straight from PostgreSQL.
  const floorLatencies: number[] = [];
  await floor.connect();
  await floor.query('LISTEN virel_changes');
  const eventTimes = new Map<string, number>();
  const floorPending = new Map<string, number>();
  floor.on('notification', (message) => {
    const receivedAt = Date.now();
    const { eventId } = JSON.parse(message.payload ?? '{}') as { eventId: string };
    floorPending.set(eventId, receivedAt);
  });

  // Subscribers.
  const latencies: number[] = [];
  const perEvent = new Map<string, number>();
  let connected = 0;
  log(`connecting ${SUBSCRIBERS} subscribers`);
  await Promise.all(Array.from({ length: SUBSCRIBERS }, (_, i) => new Promise<void>((resolve, reject) => {
    const client = createClient({
      url: `${url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${i % 2 === 0 ? owner : opsManager}` },
      on: { connected: () => { connected++; resolve(); }, closed: (e) => reject(new Error(`closed ${(e as { code: number }).code}`)) },
      onNonLazyError: () => undefined,
    });
    clients.push(client);
    client.subscribe<{ actionCenterUpdates: { eventId: string; occurredAt: string } }>({ query: 'subscription { actionCenterUpdates { eventId occurredAt } }' }, {
      next: ({ data }) => {
        if (!data) return;
        const receivedAt = Date.now();
        const committed = Date.parse(data.actionCenterUpdates.occurredAt);
        eventTimes.set(data.actionCenterUpdates.eventId, committed);
        latencies.push(receivedAt - committed);
        perEvent.set(data.actionCenterUpdates.eventId, (perEvent.get(data.actionCenterUpdates.eventId) ?? 0) + 1);
      },
      error: (e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
      complete: () => undefined,
    });
  })));
  // Subscriptions registered server-side (graphql-ws has no subscribe acknowledgement).
  for (const deadline = Date.now() + 30_000; ;) {
    const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    if (Number(/^virel_realtime_subscribers(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0) >= SUBSCRIBERS) break;
    if (Date.now() > deadline) throw new Error('subscriptions did not register');
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`${connected} connected; firing ${CHANGES} changes (${CONCURRENCY} at a time)`);

  // Changes: createInquiry (inquiry.created) then a status change (inquiry.status_changed), through the API.
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < CHANGES) {
      const n = next;
      next += 2;
      const created = await gql<{ createInquiry: { inquiry: { id: string } } }>(
        'mutation ($i: CreateInquiryInput!) { createInquiry(input: $i) { inquiry { id } } }', { i: { source: 'web', externalRef: `bench-${n}-${Date.now()}`, clientName: 'Bench' } }, owner);
      await gql('mutation ($i: ChangeStatusInput!) { changeStatus(input: $i) { to } }', { i: { entity: { type: 'inquiry', id: created.createInquiry.inquiry.id }, to: 'qualified' } }, owner);
    }
  }));
  const firing = (performance.now() - started) / 1000;
  // Let the last deliveries land.
  for (const deadline = Date.now() + 30_000; ;) {
    const complete = [...perEvent.values()].filter((c) => c === SUBSCRIBERS).length;
    if (complete >= CHANGES || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const [eventId, receivedAt] of floorPending) {
    const committed = eventTimes.get(eventId);
    if (committed !== undefined) floorLatencies.push(receivedAt - committed);
  }

  const expected = CHANGES * SUBSCRIBERS;
  const machineLine = machine('API and worker as child processes, Temporal CLI dev server, PostgreSQL 18 (embedded)');
  const results = {
    subscribers: SUBSCRIBERS,
    subscription_changes: CHANGES,
    subscription_deliveries: latencies.length,
    subscription_deliveries_expected: expected,
    subscription_delivery_p50_ms: round(percentile(latencies, 50)),
    subscription_delivery_p95_ms: round(percentile(latencies, 95)),
    subscription_delivery_p99_ms: round(percentile(latencies, 99)),
    subscription_delivery_max_ms: round(Math.max(...latencies)),
    subscription_floor_p50_ms: round(percentile(floorLatencies, 50)),
    subscription_floor_p95_ms: round(percentile(floorLatencies, 95)),
    subscription_changes_per_s: round(CHANGES / firing),
    machine: machineLine,
  };
  console.log(JSON.stringify(results, null, 2));

  // Read-modify-write: other benches write other keys into the same file.
  await mergeResults(path.join(PROJECT_ROOT, 'bench/results/graphql.json'), results);

  const resultsMd = path.join(PROJECT_ROOT, 'bench/RESULTS.md');
  const md = await readFile(resultsMd, 'utf8');
  const section = `
## Subscription delivery (${new Date().toISOString().slice(0, 10)}, \`npm run bench:subscriptions\`)

${SUBSCRIBERS} graphql-ws subscribers on \`actionCenterUpdates\` (half owner, half ops manager) of one API process; ${CHANGES} changes
(createInquiry, then changeStatus → qualified) made through that API's GraphQL, ${CONCURRENCY} at a time (${results.subscription_changes_per_s} changes/s);
${results.subscription_deliveries} of ${expected} deliveries received. Latency from the event's commit (domain_events.created_at) to receipt:

| | p50 | p95 | p99 | max |
|---|---|---|---|---|
| subscription delivery (NOTIFY → API hub → load once → policy per subscriber → graphql-ws → client) | ${results.subscription_delivery_p50_ms} ms | ${results.subscription_delivery_p95_ms} ms | ${results.subscription_delivery_p99_ms} ms | ${results.subscription_delivery_max_ms} ms |
| floor: raw pg LISTEN client, same NOTIFY | ${results.subscription_floor_p50_ms} ms | ${results.subscription_floor_p95_ms} ms | | |

Aim: delivery p95 ≤ 250 ms. Machine: ${machineLine}; all of it shares the same cores, and all ${SUBSCRIBERS} sockets are read by this one benchmark process (its own event loop adds to every receipt time).
The reference time is the transaction's start (now()), so both rows include the commit itself.
`;
  await writeFile(resultsMd, `${md.trimEnd()}\n${section}`);
  log('merged bench/results/graphql.json and appended a section to bench/RESULTS.md');
} finally {
  await Promise.allSettled(clients.map((c) => Promise.resolve(c.dispose())));
  await floor.end().catch(() => undefined);
  for (const child of children.reverse()) await stopChild(child);
  await servers.stop();
}
process.exit(0);
