/**
 * Automation benchmark (`npm run bench:automation`), on its own scratch servers, with 50 active
 * rules (1 acting on payment.refunded; 3 evaluating every inquiry transition and skipping on
 * their condition; 46 whose filters never match, loaded and filtered by the dispatcher on every
 * batch):
 *
 * - transition p50 with the engine off (no dispatcher) and then on, in the same run: the aim is
 *   on ≤ 1.15 × off (dispatch is asynchronous, so a transition must not wait for rules);
 * - event → first action latency, one event at a time: from the event's commit
 *   (domain_events.created_at) to the committed effect of the rule's first action (the audit
 *   entry of its note), p50 / p95 (aim p95 ≤ 500 ms);
 * - sustained events/s: a burst of events written through the change log, matched and executed
 *   (every execution done), divided by the time from the first commit to the last effect.
 *
 * Writes exactly the flat keys to bench/results/automation.json and a row in
 * bench/RESULTS.md.
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { writeEvent } from '../db/change-log.ts';
import { openOrm } from '../db/orm.ts';
import { SYSTEM } from '../domain/access.ts';
import { startScratchServers } from '../launcher/scratch-servers.ts';
import { PROJECT_ROOT, TEMPORAL_CLI_PACKAGE } from '../launcher/temporal-binaries.ts';
import { createLogger } from '../platform/logger.ts';
import { createAutomationService } from '../services/automation.ts';
import * as commands from '../services/lifecycle-commands.ts';
import { startDispatcherLoop } from '../worker/automation-dispatcher.ts';
import { startWorkers } from '../worker/run.ts';
import { log, machine, percentile, round } from './support.ts';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 150);
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 100);
const BURST = Number(process.env.BENCH_BURST ?? 300);
const system = { type: 'system' } as const;
const STEPS: Array<[string, Record<string, unknown>?]> = [['qualified'], ['awaiting_client'], ['awaiting_deposit', { depositAmount: '100.00' }]];
const logger = createLogger({ level: 'warn', service: 'bench' });

const servers = await startScratchServers('bench-automation');
const orm = await openOrm(servers.databaseUrl);
const workers = await startWorkers({ databaseUrl: servers.databaseUrl, temporalAddress: servers.temporalAddress, namespace: 'default', metricsAddress: undefined, logger });
const connection = await Connection.connect({ address: servers.temporalAddress });
const client = new Client({ connection });
const db = () => orm.em.fork().getConnection();
let dispatcher: { stop(): Promise<void> } | undefined;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Transition round trips, one at a time, over fresh inquiries (qualified → awaiting_client → awaiting_deposit). */
async function transitionSamples(count: number): Promise<number[]> {
  const samples: number[] = [];
  while (samples.length < count) {
    const started = await commands.startInquiry(client, { id: randomUUID(), source: 'phone', priority: 'normal', clientName: 'Bench' }, { actor: system });
    for (const [to, data] of STEPS) if (samples.length < count) samples.push(await timed(() => commands.transition(started.handle, to, { actor: system, data })));
  }
  return samples;
}

/** A refund event on a booking, written by the change log as the payments integration does. */
async function refund(bookingId: string): Promise<string> {
  const em = orm.em.fork();
  const paymentId = randomUUID();
  await em.getConnection().execute(`INSERT INTO payments (id, booking_id, provider, provider_payment_id, type, status, amount, currency) VALUES (?, ?, 'stripe', ?, 'refund', 'succeeded', '50.00', 'GBP')`,
    [paymentId, bookingId, `re_${paymentId}`]);
  const { eventId } = await em.transactional((tx) => writeEvent(tx, {
    entityType: 'payment', entityId: paymentId, transitionId: `bench:${paymentId}`, actor: { type: 'system' },
    event: { type: 'payment.refunded', payload: { bookingId, paymentId, amount: '50.00', currency: 'GBP', providerRef: `re_${paymentId}` } },
  }));
  return eventId as string;
}

/** ms from each event's commit to its note's commit, once every one has its note. */
async function effectLatencies(eventIds: string[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await db().execute<Array<{ ms: number }>>(
      `SELECT extract(epoch FROM a.created_at - e.created_at) * 1000 AS ms FROM domain_events e
         JOIN automation_executions x ON x.event_id = e.id
         JOIN audit_log a ON a.transition_id = 'system:automation:' || x.id || ':0'
        WHERE e.id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`, [JSON.stringify(eventIds)]);
    if (rows.length === eventIds.length) return rows.map((r) => Number(r.ms));
    if (Date.now() > deadline) throw new Error(`only ${rows.length} of ${eventIds.length} effects after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

try {
  // --- the rules --------------------------------------------------------------------------
  const automation = createAutomationService({ em: orm.em.fork(), temporal: client, sessions: { revokeUser: () => Promise.resolve(0) } });
  const caller = { principal: SYSTEM };
  await automation.createRule(caller, {
    name: 'Bench: note each refund', status: 'active', trigger: 'payment.refunded', conditions: [],
    actions: [{ type: 'add_note', params: { text: 'refund seen', entity_type: 'booking' } }],
  });
  for (const to of ['qualified', 'awaiting_client', 'awaiting_deposit']) {
    await automation.createRule(caller, {
      name: `Bench: critical inquiry reached ${to}`, status: 'active', trigger: 'inquiry.status_changed', triggerFilters: { new_status: to },
      conditions: [{ field: 'entity.priority', operator: 'equals', value: 'critical' }], actions: [{ type: 'create_task', params: { type: 'follow_up' } }],
    });
  }
  for (let i = 0; i < 46; i++) {
    const inquiryRule = i % 2 === 0;
    await automation.createRule(caller, {
      name: `Bench: idle rule ${i}`, status: 'active',
      trigger: inquiryRule ? 'inquiry.status_changed' : 'payment.refunded',
      triggerFilters: inquiryRule ? { new_status: ['lost', 'spam', 'converted'][i % 3] } : { currency: ['EUR', 'USD'][i % 2] },
      conditions: [], actions: [{ type: 'add_note', params: { text: 'never', entity_type: inquiryRule ? 'inquiry' : 'booking' } }],
    });
  }
  const [{ active }] = (await db().execute(`SELECT count(*)::int AS active FROM automation_rules WHERE status = 'active' AND name LIKE 'Bench:%'`)) as [{ active: number }];
  log(`${active} active bench rules`);

  // --- transitions with the engine off, then on ---------------------------------------------
  log(`transitions, engine off: ${SAMPLES}`);
  await transitionSamples(15); // warm-up
  const off = await transitionSamples(SAMPLES);
  await db().execute('UPDATE domain_events SET published_at = now() WHERE published_at IS NULL');
  dispatcher = await startDispatcherLoop({ orm, temporal: client, databaseUrl: servers.databaseUrl, logger, sweepMs: 1000 });
  log(`transitions, engine on: ${SAMPLES}`);
  await transitionSamples(15);
  const on = await transitionSamples(SAMPLES);
  const executed = (await db().execute(`SELECT count(*)::int AS n FROM automation_executions`)) as [{ n: number }];
  log(`executions started during the engine-on transitions: ${executed[0].n}`);

  // --- event → first action latency ---------------------------------------------------------
  const refs = (await db().execute(`SELECT (SELECT id FROM clients LIMIT 1) AS client_id, (SELECT id FROM models LIMIT 1) AS model_id, (SELECT id FROM locations LIMIT 1) AS location_id`)) as [{ client_id: string; model_id: string; location_id: string }];
  const bookings: string[] = [];
  for (let i = 0; i < 20; i++) {
    const id = randomUUID();
    const start = Date.now() + (100 + i) * 3_600_000;
    await commands.startBooking(client, {
      id, clientId: refs[0].client_id, modelId: refs[0].model_id, locationId: refs[0].location_id,
      startAt: new Date(start).toISOString(), endAt: new Date(start + 7_200_000).toISOString(), priceTotal: '500.00',
    }, { actor: system });
    bookings.push(id);
  }
  log(`event → first action: ${LATENCY_SAMPLES} events, one at a time`);
  const latencies: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) latencies.push(...(await effectLatencies([await refund(bookings[i % bookings.length] as string)], 30_000)));
  // Where an event's time goes: commit → dispatched (published_at) → begun (started_at) → finished.
  const [phases] = (await db().execute(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.published_at - e.created_at) * 1000) AS dispatch_ms,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM x.started_at - e.published_at) * 1000) AS begin_ms,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM x.finished_at - x.started_at) * 1000) AS run_ms
       FROM domain_events e JOIN automation_executions x ON x.event_id = e.id WHERE e.event_type = 'payment.refunded'`)) as [Record<string, number>];
  log(`event phases p50 (ms): ${JSON.stringify(phases)}`);

  // --- sustained: a burst matched and executed -------------------------------------------------
  log(`sustained: a burst of ${BURST} events`);
  const burstIds: string[] = [];
  await Promise.all(Array.from({ length: 8 }, async (_, lane) => {
    for (let i = lane; i < BURST; i += 8) burstIds.push(await refund(bookings[i % bookings.length] as string));
  }));
  await effectLatencies(burstIds, 600_000);
  const [span] = (await db().execute(
    `SELECT extract(epoch FROM max(a.created_at) - min(e.created_at)) AS seconds FROM domain_events e
       JOIN automation_executions x ON x.event_id = e.id JOIN audit_log a ON a.transition_id = 'system:automation:' || x.id || ':0'
      WHERE e.id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`, [JSON.stringify(burstIds)])) as [{ seconds: number }];

  const [cli] = TEMPORAL_CLI_PACKAGE.split('==').slice(1);
  const machineLine = machine(`Temporal CLI ${cli} dev server (SQLite WAL), PostgreSQL 18 (embedded)`);
  const results = {
    events_per_s: round(BURST / Number(span.seconds)),
    event_to_action_p50_ms: round(percentile(latencies, 50)),
    event_to_action_p95_ms: round(percentile(latencies, 95)),
    transition_p50_ms_rules_on: round(percentile(on, 50)),
    transition_p50_ms_rules_off: round(percentile(off, 50)),
    machine: machineLine,
  };
  console.log(JSON.stringify(results, null, 2));
  await writeFile(path.join(PROJECT_ROOT, 'bench/results/automation.json'), `${JSON.stringify(results, null, 2)}\n`);
  const resultsMd = path.join(PROJECT_ROOT, 'bench/RESULTS.md');
  const existing = await readFile(resultsMd, 'utf8');
  const ratio = round(results.transition_p50_ms_rules_on / results.transition_p50_ms_rules_off);
  const row = `| ${new Date().toISOString().slice(0, 10)} | automation (50 active rules) | event → first action p50 ${results.event_to_action_p50_ms} ms / p95 ${results.event_to_action_p95_ms} ms | p50 ${results.transition_p50_ms_rules_off} ms | p50 ${results.transition_p50_ms_rules_on} ms (${ratio}× off) | ${results.events_per_s} events/s matched and executed (burst of ${BURST}) | ${machineLine} |`;
  // Its own table at the end of the file (the header is written by the first run).
  const header = '\n## Automation (`npm run bench:automation`)\n\n| date | benchmark | event → first action | transition, engine off | transition, engine on | sustained | machine |\n|---|---|---|---|---|---|---|';
  const withHeader = existing.includes('## Automation (`npm run bench:automation`)') ? existing.trimEnd() : `${existing.trimEnd()}\n${header}`;
  await writeFile(resultsMd, `${withHeader}\n${row}\n`);
  log('written bench/results/automation.json and a row in bench/RESULTS.md');
} finally {
  await dispatcher?.stop();
  await workers.shutdown();
  await connection.close();
  await orm.close();
  await servers.stop();
}
