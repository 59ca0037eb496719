/**
 * Stripe webhook benchmark (`npm run bench:payments`): a burst of 5,000 signed Stripe webhooks
 * (BENCH_WEBHOOKS sets another size; the row and `machine` say which, with the load average)
 * against the running platform (API and worker as their own processes, on scratch servers),
 * 10% of them duplicates, some out of order, and the counts that prove nothing was lost or
 * doubled. Measures, beside floors taken in the same run on the same servers:
 *
 * - acknowledgement p95: POST sent → 2xx received at the client (floor: the same endpoint
 *   refusing an unsigned request, which does no database work, sent during the burst);
 * - receipt → transition committed p95: webhooks_in.received_at → processed_at, stamped in the
 *   transaction that applied the payment (floor: one signal to a running booking workflow plus
 *   one round trip to PostgreSQL is not measurable apart; the floor given is a bare INSERT …
 *   ON CONFLICT into webhooks_in's shape, the store's first step);
 * - webhooks/s: the 5,000 over the time from the first send to the last settled event.
 *
 * The bookings (deposit_required) are made through their workflows beforehand. Each gets three
 * events: a failure (t1), a success (t2) and an older failure (t0) delivered after the success
 * (out of order); for a third of them the success is sent before the t1 failure too. The intents
 * carry our booking id in their metadata (made "at Stripe" without our row), so the platform
 * records each payment from its first event: one row per intent, by the unique constraint.
 *
 * Writes exactly { webhook_ack_p95_ms, webhook_to_transition_p95_ms, webhooks_per_s, machine }
 * to bench/results/payments.json and a row in bench/RESULTS.md.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import Stripe from 'stripe';
import * as commands from '../services/lifecycle-commands.ts';
import { freePort } from '../launcher/ports.ts';
import { startScratchServers } from '../launcher/scratch-servers.ts';
import { PROJECT_ROOT, TEMPORAL_CLI_PACKAGE } from '../launcher/temporal-binaries.ts';
import { LOCALSTRIPE_PACKAGE } from '../launcher/localstripe.ts';
import { log, machine, percentile, round } from './support.ts';
import { startChild, stopChild } from './child.ts';

const TOTAL = Number(process.env.BENCH_WEBHOOKS ?? 5000);
const DUPLICATE_SHARE = 0.1;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0';
const WEBHOOK_SECRET = 'whsec_bench_payments';
const system = { type: 'system' } as const;


interface Webhook { id: string; body: string; signature: string; bookingId: string }

function signed(type: string, object: Record<string, unknown>, created: number, bookingId: string): Webhook {
  const id = `evt_${randomUUID().replaceAll('-', '')}`;
  const body = JSON.stringify({ id, object: 'event', created, livemode: false, type, data: { object } });
  return { id, body, signature: Stripe.webhooks.generateTestHeaderString({ payload: body, secret: WEBHOOK_SECRET }), bookingId };
}

const servers = await startScratchServers('bench-payments');
const children: ChildProcess[] = [];
const db = new pg.Client({ connectionString: servers.databaseUrl });
const connection = await Connection.connect({ address: servers.temporalAddress });
const client = new Client({ connection });
try {
  await db.connect();
  const port = await freePort();
  const stripeUrl = new URL(servers.stripeUrl);
  const env = {
    PATH: process.env.PATH, NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: servers.databaseUrl, TEMPORAL_ADDRESS: servers.temporalAddress,
    JWT_SECRET, API_HOST: '127.0.0.1', API_PORT: String(port), WORKER_METRICS_ADDRESS: '',
    METRICS_TOKEN: 'bench-metrics-token-bench-metrics-token',
    STRIPE_SECRET_KEY: 'sk_test_localstripe', STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_HOST: stripeUrl.hostname, STRIPE_API_PORT: stripeUrl.port, STRIPE_API_PROTOCOL: 'http',
    WEBHOOKS_SWEEP_EVERY_SECONDS: '3600', PAYMENTS_RECONCILE_EVERY_MINUTES: '600',
    // BENCH_CPU_PROFILE=<dir>: the API and the worker write V8 CPU profiles there when they stop (the profile behind a fix).
    ...(process.env.BENCH_CPU_PROFILE ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}` } : {}),
  };
  children.push(startChild('worker/main.ts', env), startChild('api/main.ts', env));
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; ;) {
    if (await fetch(`${url}/api/v1/health`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error('the API did not become healthy');
    await new Promise((r) => setTimeout(r, 250));
  }

  // Bookings waiting for their deposit, through their workflows.
  const unique = Math.round(TOTAL / (1 + DUPLICATE_SHARE));
  const bookingCount = Math.ceil(unique / 3);
  const [refs] = (await db.query(`SELECT (SELECT id FROM clients ORDER BY created_at LIMIT 1) AS client_id, (SELECT id FROM models ORDER BY created_at LIMIT 1) AS model_id,
    (SELECT id FROM locations ORDER BY slug LIMIT 1) AS location_id`)).rows as Array<{ client_id: string; model_id: string; location_id: string }>;
  log(`creating ${bookingCount} bookings in deposit_required through their workflows`);
  const bookings: string[] = [];
  let next = 0;
  const base = Date.now() + 7 * 86_400_000;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < bookingCount) {
      // Each its own slot: a model cannot be double-booked.
      const start = base + next++ * 3 * 3_600_000;
      const { created, handle } = await commands.startBooking(client, {
        id: randomUUID(), clientId: refs!.client_id, modelId: refs!.model_id, locationId: refs!.location_id,
        startAt: new Date(start).toISOString(), endAt: new Date(start + 7_200_000).toISOString(), priceTotal: '550.00',
      }, { actor: system, holdMinutes: 24 * 60 });
      await commands.transition(handle, 'pending', { actor: system });
      await commands.transition(handle, 'deposit_required', { actor: system, data: { depositRequired: '100.00' } });
      bookings.push(created.entityId);
    }
  })).catch((error: unknown) => {
    // Said before the connection closes (a retry still in flight then fails with "Channel has been shut down" and hides this).
    log(`creating the bookings failed: ${String((error as Error)?.stack ?? error)}`);
    throw error;
  });

  // Three events per booking, then duplicates of 10%; out-of-order deliveries as described above.
  const now = Math.floor(Date.now() / 1000);
  const first: Webhook[] = [];
  const later: Webhook[] = [];
  bookings.forEach((bookingId, i) => {
    const intent = (status: string) => ({ id: `pi_bench_${i}_${bookingId.slice(0, 8)}`, object: 'payment_intent', amount: 10_000, currency: 'gbp', status, metadata: { bookingId },
      last_payment_error: status === 'requires_payment_method' ? { message: 'Your card was declined.' } : null });
    const staleFailure = signed('payment_intent.payment_failed', intent('requires_payment_method'), now - 120, bookingId);
    const failure = signed('payment_intent.payment_failed', intent('requires_payment_method'), now - 60, bookingId);
    const success = signed('payment_intent.succeeded', intent('succeeded'), now - 30, bookingId);
    if (i % 3 === 0) first.push(success, failure);
    else first.push(failure, success);
    later.push(staleFailure);
  });
  const uniques = [...first, ...later].slice(0, unique);
  const duplicates = Array.from({ length: TOTAL - uniques.length }, (_, i) => uniques[(i * 7919) % uniques.length] as Webhook);
  // Duplicates are mixed into the second half of the stream (some arrive while the first copy is still being applied).
  const half = Math.floor(uniques.length / 2);
  const stream = [...uniques.slice(0, half), ...uniques.slice(half).flatMap((w, i) => (duplicates[i] ? [w, duplicates[i]] : [w])), ...duplicates.slice(uniques.length - half)];

  const post = async (body: string, signature?: string) => {
    const started = performance.now();
    const response = await fetch(`${url}/api/v1/payments/webhook/stripe`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) }, body,
    });
    const answer = (await response.json()) as { duplicate?: boolean };
    return { ms: performance.now() - started, status: response.status, duplicate: answer.duplicate === true };
  };

  // Floors, same API and database. The acknowledgement floor is taken DURING the burst (an
  // unsigned request every 20 ms, refused before any database work), so both see the same load.
  const floorAcks: number[] = [];
  await db.query('CREATE TEMP TABLE floor_webhooks (key text PRIMARY KEY, payload jsonb)');
  const floorInserts: number[] = [];
  for (let i = 0; i < 300; i++) {
    const started = performance.now();
    await db.query('INSERT INTO floor_webhooks VALUES ($1, $2) ON CONFLICT DO NOTHING', [`k${i}`, uniques[i]?.body ?? '{}']);
    floorInserts.push(performance.now() - started);
  }

  log(`sending ${stream.length} webhooks (${uniques.length} unique, ${duplicates.length} duplicates), ${CONCURRENCY} at a time`);
  const acks: number[] = [];
  const statuses = new Map<number, number>();
  let duplicateAcks = 0;
  let cursor = 0;
  const burstStarted = Date.now();
  // The machine is shared (other work may run on it): its load is part of the result.
  const loadAtBurst = loadavg()[0] ?? 0;
  let bursting = true;
  const floorLoop = (async () => {
    while (bursting) {
      floorAcks.push((await post('{"id":"evt_floor"}')).ms);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (cursor < stream.length) {
      const webhook = stream[cursor++] as Webhook;
      const answer = await post(webhook.body, webhook.signature);
      acks.push(answer.ms);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (answer.duplicate) duplicateAcks++;
    }
  }));
  bursting = false;
  await floorLoop;
  const burstSeconds = (Date.now() - burstStarted) / 1000;
  log(`burst sent in ${burstSeconds.toFixed(1)} s; waiting for every event to settle`);
  const deadline = Date.now() + 600_000;
  for (;;) {
    const { rows } = await db.query(`SELECT count(*) FILTER (WHERE status = 'received') AS waiting FROM webhooks_in`);
    if (Number(rows[0].waiting) === 0) break;
    if (Date.now() > deadline) throw new Error(`${rows[0].waiting} webhooks still unsettled after 10 minutes`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const loadWhenSettled = loadavg()[0] ?? 0;
  const { rows: [span] } = await db.query(`SELECT extract(epoch FROM max(processed_at) - min(received_at)) AS seconds FROM webhooks_in`);
  const endToEndSeconds = Math.max(Number(span.seconds), (Date.now() - burstStarted) / 1000 - 0.25);
  const { rows: lags } = await db.query(`SELECT extract(epoch FROM processed_at - received_at) * 1000 AS ms FROM webhooks_in WHERE status = 'processed'`);
  const transitions = lags.map((r: { ms: string }) => Number(r.ms));

  // The counts that prove nothing was lost or doubled.
  const { rows: [counts] } = await db.query(`
    SELECT (SELECT count(*) FROM webhooks_in) AS stored,
           (SELECT count(*) FROM webhooks_in WHERE status = 'processed') AS processed,
           (SELECT count(*) FROM webhooks_in WHERE status = 'ignored') AS ignored,
           (SELECT count(*) FROM webhooks_in WHERE status = 'failed') AS failed,
           (SELECT count(*) FROM payments) AS payment_rows,
           (SELECT count(DISTINCT provider_payment_id) FROM payments) AS intents,
           (SELECT count(*) FROM payments WHERE status = 'succeeded') AS succeeded,
           (SELECT count(*) FROM domain_events WHERE event_type = 'payment.succeeded') AS succeeded_events,
           (SELECT count(*) FROM domain_events WHERE event_type = 'payment.failed') AS failed_events,
           (SELECT count(*) FROM bookings WHERE deposit_status = 'paid') AS deposits_paid`);
  const expected = { stored: uniques.length, payment_rows: bookings.length, intents: bookings.length, succeeded: bookings.length, succeeded_events: bookings.length, deposits_paid: bookings.length };
  const problems = Object.entries(expected).filter(([k, v]) => Number(counts[k]) !== v).map(([k, v]) => `${k}: ${counts[k]} ≠ ${v}`);
  if (Number(counts.failed) > 0) problems.push(`failed: ${counts.failed}`);
  if ((statuses.get(200) ?? 0) !== stream.length) problems.push(`acks: ${JSON.stringify(Object.fromEntries(statuses))}`);
  if (duplicateAcks !== duplicates.length) problems.push(`duplicate acks: ${duplicateAcks} ≠ ${duplicates.length}`);
  // Each booking: at most one failure applied (the t1 one, when it came before the success), never the stale t0.
  const maxFailed = bookings.length - Math.ceil(bookings.length / 3);
  if (Number(counts.failed_events) > maxFailed) problems.push(`payment.failed events: ${counts.failed_events} > ${maxFailed}`);

  const results = {
    webhook_ack_p95_ms: round(percentile(acks, 95)),
    webhook_to_transition_p95_ms: round(percentile(transitions, 95)),
    webhooks_per_s: round(stream.length / endToEndSeconds),
    machine: machine(`API and worker as child processes, Temporal CLI ${TEMPORAL_CLI_PACKAGE.split('==')[1]} dev server (SQLite WAL), PostgreSQL 18 (embedded), ${LOCALSTRIPE_PACKAGE}; `
      + `burst of ${TOTAL}; 1-min load average ${loadAtBurst.toFixed(1)} at the burst, ${loadWhenSettled.toFixed(1)} when settled`),
  };
  const floors = { ack_p95_ms: round(percentile(floorAcks, 95)), insert_p95_ms: round(percentile(floorInserts, 95)) };
  console.log(JSON.stringify({ results, floors, counts, expected, sent: stream.length, unique: uniques.length, duplicates: duplicates.length, duplicateAcks,
    ack_p50_ms: round(percentile(acks, 50)), transition_p50_ms: round(percentile(transitions, 50)), burstSeconds: round(burstSeconds), endToEndSeconds: round(endToEndSeconds) }, null, 2));
  if (problems.length) throw new Error(`lost or doubled: ${problems.join('; ')}`);

  await writeFile(path.join(PROJECT_ROOT, 'bench/results/payments.json'), `${JSON.stringify(results, null, 2)}\n`);
  const resultsFile = path.join(PROJECT_ROOT, 'bench/RESULTS.md');
  const table = await readFile(resultsFile, 'utf8');
  const row = `| ${new Date().toISOString().slice(0, 10)} | payments (Stripe webhooks) | ack p50 ${round(percentile(acks, 50))} ms / p95 ${results.webhook_ack_p95_ms} ms; receipt → transition p50 ${round(percentile(transitions, 50))} ms / p95 ${results.webhook_to_transition_p95_ms} ms | unsigned-refusal ack during the burst p95 ${floors.ack_p95_ms} ms; bare INSERT … ON CONFLICT p95 ${floors.insert_p95_ms} ms | — | ${results.webhooks_per_s} webhooks/s end to end (${stream.length} sent, ${duplicates.length} duplicates, ${CONCURRENCY} concurrent; ${counts.stored} stored, ${counts.processed} applied, ${counts.ignored} ignored, 0 failed; ${counts.payment_rows} payment rows for ${bookings.length} intents, ${counts.succeeded_events} payment.succeeded) | ${results.machine} |`;
  const lines = table.split('\n');
  const lastRow = lines.reduce((last, line, i) => (line.startsWith('| 20') && i < lines.findIndex((l) => l.startsWith('## ')) ? i : last), -1);
  lines.splice(lastRow + 1, 0, row);
  await writeFile(resultsFile, lines.join('\n'));
  log('wrote bench/results/payments.json and a row in bench/RESULTS.md');
} finally {
  for (const child of children) await stopChild(child);
  await db.end().catch(() => undefined);
  await connection.close();
  await servers.stop();
}
