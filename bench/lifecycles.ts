/**
 * Lifecycle benchmark (`npm run bench:lifecycles`): one transition's round trip (Update sent →
 * row + audit + timeline + event committed → result returned) beside, in the same run and on the
 * same servers, (a) a no-op Update (the floor Temporal sets) and (b) a plain SQL status UPDATE
 * with an audit INSERT (what a CRUD admin pays); then sustained transitions/s over 60 s with many
 * entities at once, beside sustained no-op Updates/s. Writes bench/results/lifecycles.json and a
 * row in bench/RESULTS.md.
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import * as commands from '../services/lifecycle-commands.ts';
import { openOrm } from '../db/orm.ts';
import { startScratchServers } from '../launcher/scratch-servers.ts';
import { PROJECT_ROOT, TEMPORAL_CLI_PACKAGE } from '../launcher/temporal-binaries.ts';
import { createLogger } from '../platform/logger.ts';
import { startWorkers } from '../worker/run.ts';
import type { WorkflowHandle } from '@temporalio/client';
import { noopUpdate } from './noop-workflow.ts';
import { log, machine, percentile, round } from './support.ts';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
const SUSTAIN_SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 48);
const system = { type: 'system' } as const;
const STEPS: Array<[string, Record<string, unknown>?]> = [['qualified'], ['awaiting_client'], ['awaiting_deposit', { depositAmount: '100.00' }]];


async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Runs `step` from `concurrency` loops for `seconds`; returns completed steps per second. */
async function sustained(seconds: number, concurrency: number, step: (loop: number) => Promise<boolean>): Promise<{ perSecond: number; completed: number; elapsed: number }> {
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let completed = 0;
  await Promise.all(Array.from({ length: concurrency }, async (_, loop) => {
    while (performance.now() < deadline) {
      if (!(await step(loop))) return;
      completed++;
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  return { perSecond: completed / elapsed, completed, elapsed };
}

const servers = await startScratchServers('bench');
const orm = await openOrm(servers.databaseUrl);
const workers = await startWorkers({
  databaseUrl: servers.databaseUrl, temporalAddress: servers.temporalAddress, namespace: 'default', metricsAddress: undefined,
  logger: createLogger({ level: 'warn', service: 'bench' }),
});
const connection = await Connection.connect({ address: servers.temporalAddress });
const client = new Client({ connection });
const noopConnection = await NativeConnection.connect({ address: servers.temporalAddress });
const noopWorker = await Worker.create({
  connection: noopConnection,
  taskQueue: 'bench-noop',
  workflowsPath: path.join(PROJECT_ROOT, 'bench/noop-workflow.ts'),
});
const noopRunning = noopWorker.run();

try {
  const createInquiries = async (count: number) => {
    const handles: WorkflowHandle[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < count) {
        next++;
        const started = await commands.startInquiry(client, { id: randomUUID(), source: 'web', priority: 'normal', clientName: 'Bench' }, { actor: system });
        handles.push(started.handle);
      }
    }));
    return handles;
  };

  // --- latency, one request at a time -----------------------------------------------------
  log(`latency: ${SAMPLES} samples each`);
  const latencyEntities = await createInquiries(Math.ceil(SAMPLES / STEPS.length));
  const transitionMs: number[] = [];
  for (const handle of latencyEntities) {
    for (const [to, data] of STEPS) {
      if (transitionMs.length < SAMPLES) transitionMs.push(await timed(() => commands.transition(handle, to, { actor: system, data })));
    }
  }
  const noops = await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) =>
    client.workflow.start('benchNoop', { workflowId: `bench-noop-${i}-${randomUUID()}`, taskQueue: 'bench-noop' })));
  const noopMs: number[] = [];
  for (let i = 0; i < SAMPLES; i++) noopMs.push(await timed(() => noops[0]!.executeUpdate(noopUpdate, { args: [i] })));

  // What a CRUD admin pays: one transaction with a status UPDATE and an audit INSERT, on rows
  // of its own (a scratch table), so no lifecycle entity is written behind its workflow's back.
  const db = orm.em.getConnection();
  await db.execute('CREATE TABLE bench_crud (id uuid PRIMARY KEY, status text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())');
  const crudIds = Array.from({ length: 50 }, () => randomUUID());
  for (const id of crudIds) await db.execute(`INSERT INTO bench_crud (id, status) VALUES (?, 'new')`, [id]);
  const sqlMs: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const id = crudIds[i % crudIds.length];
    sqlMs.push(await timed(() => db.transactional(async (trx) => {
      await db.execute(`UPDATE bench_crud SET status = ?, updated_at = now() WHERE id = ?`, [i % 2 ? 'qualified' : 'new', id], 'run', trx);
      await db.execute(
        `INSERT INTO audit_log (actor_type, action, entity_type, entity_id, before, after) VALUES ('system', 'STATUS_CHANGE', 'bench', ?, '{"status":"new"}', '{"status":"qualified"}')`,
        [id], 'run', trx);
    })));
  }

  // --- sustained throughput, many entities at once ----------------------------------------
  log(`sustained: ${SUSTAIN_SECONDS} s at concurrency ${CONCURRENCY}; creating entities first`);
  const pool = await createInquiries(Math.max(CONCURRENCY * 4, Number(process.env.BENCH_POOL ?? 2600)));
  let cursor = 0;
  // Each loop takes a fresh entity and walks it through its steps, then the next: CONCURRENCY
  // entities change at once, and every entity in the pool is new to the run.
  const current = new Map<number, { handle: WorkflowHandle; step: number }>();
  const transitions = await sustained(SUSTAIN_SECONDS, CONCURRENCY, async (loop) => {
    let entity = current.get(loop);
    if (!entity || entity.step >= STEPS.length) {
      if (cursor >= pool.length) return false;
      entity = { handle: pool[cursor++] as WorkflowHandle, step: 0 };
      current.set(loop, entity);
    }
    const [to, data] = STEPS[entity.step++] as [string, Record<string, unknown>?];
    await commands.transition(entity.handle, to, { actor: system, data });
    return true;
  });
  const noopSustained = await sustained(SUSTAIN_SECONDS, CONCURRENCY, async (loop) => {
    await noops[loop % noops.length]!.executeUpdate(noopUpdate, { args: [1] });
    return true;
  });
  await Promise.all(noops.map((h) => h.executeUpdate(noopUpdate, { args: [-1] })));

  const [cli] = TEMPORAL_CLI_PACKAGE.split('==').slice(1);
  const machineLine = machine(`Temporal CLI ${cli} dev server (SQLite WAL), PostgreSQL 18 (embedded)`);
  const results = {
    transition_p50_ms: round(percentile(transitionMs, 50)),
    transition_p95_ms: round(percentile(transitionMs, 95)),
    noop_update_p50_ms: round(percentile(noopMs, 50)),
    noop_update_p95_ms: round(percentile(noopMs, 95)),
    sql_transition_p50_ms: round(percentile(sqlMs, 50)),
    sql_transition_p95_ms: round(percentile(sqlMs, 95)),
    transitions_per_s: round(transitions.perSecond),
    noop_updates_per_s: round(noopSustained.perSecond),
    sustained_seconds: round(transitions.elapsed),
    concurrency: CONCURRENCY,
    samples: SAMPLES,
    machine: machineLine,
  };
  console.log(JSON.stringify(results, null, 2));
  await writeFile(path.join(PROJECT_ROOT, 'bench/results/lifecycles.json'), `${JSON.stringify(results, null, 2)}\n`);

  const resultsMd = path.join(PROJECT_ROOT, 'bench/RESULTS.md');
  const existing = await readFile(resultsMd, 'utf8').catch(() => '');
  const row = `| ${new Date().toISOString().slice(0, 10)} | lifecycles | transition p50 ${results.transition_p50_ms} ms / p95 ${results.transition_p95_ms} ms | no-op Update p50 ${results.noop_update_p50_ms} ms / p95 ${results.noop_update_p95_ms} ms | SQL UPDATE+audit p50 ${results.sql_transition_p50_ms} ms | ${results.transitions_per_s} transitions/s vs ${results.noop_updates_per_s} no-op Updates/s (${CONCURRENCY} concurrent, ${results.sustained_seconds} s) | ${machineLine} |`;
  const header = '# Benchmark results\n\nEach row is one run of a benchmark in bench/, with its baseline measured in the same run on the same machine.\n\n| date | benchmark | result | baseline (floor) | CRUD baseline | sustained | machine |\n|---|---|---|---|---|---|---|\n';
  await writeFile(resultsMd, `${existing || header}${row}\n`);
  log('written bench/results/lifecycles.json and a row in bench/RESULTS.md');
} finally {
  noopWorker.shutdown();
  await noopRunning;
  await noopConnection.close();
  await workers.shutdown();
  await connection.close();
  await orm.close();
  await servers.stop();
}
