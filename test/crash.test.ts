/**
 * A crash loses nothing and applies nothing twice: the worker process is killed with SIGKILL
 * in the middle of a stream of concurrent transitions, a new one takes over, and afterwards
 * every accepted transition is in the database exactly once (row, audit entry, timeline entry
 * and domain event), and every entity's row agrees with its workflow.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Client, Connection } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import { addNote } from '../services/lifecycle-commands.ts';
import { openOrm } from '../db/orm.ts';
import { PROJECT_ROOT } from '../launcher/temporal-binaries.ts';
import { lifecycleStateQuery } from '../workflows/lifecycle/messages.ts';
import { startInquiry, transition } from './support/lifecycles.ts';
import { testEnv } from './support/platform.ts';

let orm: MikroORM;
let connection: Connection;
let client: Client;
const workers: ChildProcess[] = [];

async function startWorkerProcess(): Promise<ChildProcess> {
  const env = testEnv();
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'worker/main.ts')], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, DATABASE_URL: env.databaseUrl, TEMPORAL_ADDRESS: env.temporalAddress, WORKER_METRICS_ADDRESS: '', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workers.push(child);
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"worker running"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}:\n${output}`)));
  });
  return child;
}

beforeAll(async () => {
  orm = await openOrm(testEnv().databaseUrl);
  connection = await Connection.connect({ address: testEnv().temporalAddress });
  client = new Client({ connection });
});

afterAll(async () => {
  for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
  await connection?.close();
  await orm?.close();
});

describe('worker crash', () => {
  test('SIGKILL mid-stream: every accepted transition is applied exactly once', async () => {
    const first = await startWorkerProcess();
    const inquiries = await Promise.all(Array.from({ length: 12 }, () => startInquiry(client)));
    const path: Array<[string, Record<string, unknown>?]> = [['qualified'], ['awaiting_client'], ['awaiting_deposit', { depositAmount: '90.00' }]];

    // Each inquiry walks its path (plus notes) while all inquiries run at once.
    const accepted: Array<{ entityId: string; transitionId: string }> = [];
    const failed: Array<{ entityId: string; transitionId: string; error: unknown }> = [];
    const streams = inquiries.map(async ({ created, handle }) => {
      for (const [to, data] of path) {
        for (const kind of ['transition', 'note'] as const) {
          const transitionId = randomUUID();
          try {
            if (kind === 'transition') await transition(handle, to, { transitionId, data });
            else await addNote(handle, `note before ${to}`, { actor: { type: 'system' }, transitionId });
            accepted.push({ entityId: created.entityId, transitionId });
          } catch (error) {
            failed.push({ entityId: created.entityId, transitionId, error });
            return;
          }
        }
      }
    });

    // Kill the worker while the stream is in full flow, then bring up a new one.
    await new Promise((r) => setTimeout(r, 150));
    const acceptedBeforeKill = accepted.length;
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    await startWorkerProcess();
    await Promise.all(streams);

    expect(acceptedBeforeKill).toBeLessThan(inquiries.length * path.length * 2);
    expect(failed.map((f) => `${String(f.error)}: ${String((f.error as { cause?: unknown }).cause)}`)).toEqual([]);
    expect(accepted).toHaveLength(inquiries.length * path.length * 2);

    const ids = inquiries.map((i) => i.created.entityId);
    const rows = await orm.em.getConnection().execute<Array<{ transition_id: string; audit: string; timeline: string; events: string }>>(`
      SELECT a.transition_id,
             count(DISTINCT a.id) AS audit,
             (SELECT count(*) FROM entity_timeline t WHERE t.entity_id = a.entity_id AND t.transition_id = a.transition_id) AS timeline,
             (SELECT count(*) FROM domain_events e WHERE e.entity_id = a.entity_id AND e.transition_id = a.transition_id) AS events
        FROM audit_log a WHERE a.entity_id = ANY(?::uuid[]) AND a.action <> 'CREATE'
       GROUP BY a.entity_id, a.transition_id`, [`{${ids.join(',')}}`]);
    const byTransition = new Map(rows.map((r) => [r.transition_id, r]));
    for (const { transitionId } of accepted) {
      expect(byTransition.get(transitionId)).toEqual({ transition_id: transitionId, audit: '1', timeline: '1', events: '1' });
    }
    // Nothing else was written either.
    expect(rows).toHaveLength(accepted.length);

    // Each row agrees with its workflow.
    for (const { created, handle } of inquiries) {
      const state = await handle.query(lifecycleStateQuery);
      const [row] = await orm.em.getConnection().execute<Array<{ status: string }>>('SELECT status FROM inquiries WHERE id = ?', [created.entityId]);
      expect(row?.status).toBe('awaiting_deposit');
      expect(state.status).toBe('awaiting_deposit');
    }
  }, 120_000);
});
