/**
 * A crash loses nothing and applies nothing twice: one of two worker processes is killed with
 * SIGKILL in the middle of a stream of concurrent transitions, the other takes over within
 * seconds (every change in flight is answered within RECOVERY_AIM_MS), and afterwards
 * every accepted transition is in the database exactly once (row, audit entry, timeline entry
 * and domain event), and every entity's row agrees with its workflow.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Client, Connection } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import { addNote } from '../services/lifecycle-commands.ts';
import { openOrm } from '../db/orm.ts';
import { startPlatformProcess, type PlatformProcess } from '../launcher/platform-process.ts';
import { lifecycleStateQuery } from '../workflows/lifecycle/messages.ts';
import { startInquiry, transition } from './support/lifecycles.ts';
import { testEnv } from './support/platform.ts';
import { deleteSchedules } from './support/schedules.ts';

let orm: MikroORM;
let connection: Connection;
let client: Client;
const workers: PlatformProcess[] = [];

/** Issue 10: an in-flight change completes within about 2 s of a worker being there (aim: p95 ≤ 5 s). */
const RECOVERY_AIM_MS = 5_000;

const startWorkerProcess = async (): Promise<PlatformProcess> => {
  const worker = await startPlatformProcess('worker', {
    DATABASE_URL: testEnv().databaseUrl, TEMPORAL_ADDRESS: testEnv().temporalAddress,
    // No automation dispatcher: this suite's inquiries are its own to move.
    AUTOMATION_DISPATCHER: 'false',
  });
  workers.push(worker);
  return worker;
};

beforeAll(async () => {
  orm = await openOrm(testEnv().databaseUrl);
  connection = await Connection.connect({ address: testEnv().temporalAddress });
  client = new Client({ connection });
});

afterAll(async () => {
  try {
    await Promise.all(workers.map((w) => w.crash()));
    // The worker processes created the Schedules (webhook sweep, reconciliation, calendar imports,
    // mismatch sweep; the default intervals: every minute): left behind they would fire in the files that run after this one.
    if (client) await deleteSchedules(client);
  } finally {
    await connection?.close();
    await orm?.close();
  }
});

describe('worker crash', () => {
  test('SIGKILL mid-stream: every accepted transition is applied exactly once', async () => {
    // Two workers, as in any scaled-out deployment; one of them is killed.
    const [first] = await Promise.all([startWorkerProcess(), startWorkerProcess()]);
    const inquiries = await Promise.all(Array.from({ length: 12 }, () => startInquiry(client)));
    const path: Array<[string, Record<string, unknown>?]> = [['qualified'], ['awaiting_client'], ['awaiting_deposit', { depositAmount: '90.00' }]];

    // Each inquiry walks its path (plus notes) while all inquiries run at once.
    const accepted: Array<{ entityId: string; transitionId: string; at: number }> = [];
    let killedAt = Infinity;
    // Per entity: when its change in flight at the kill was answered (the first answer after it).
    const recoveredAt = new Map<string, number>();
    const failed: Array<{ entityId: string; transitionId: string; error: unknown }> = [];
    const streams = inquiries.map(async ({ created, handle }) => {
      for (const [to, data] of path) {
        for (const kind of ['transition', 'note'] as const) {
          const transitionId = randomUUID();
          try {
            if (kind === 'transition') await transition(handle, to, { transitionId, data });
            else await addNote(handle, `note before ${to}`, { actor: { type: 'system' }, transitionId });
            const at = performance.now();
            accepted.push({ entityId: created.entityId, transitionId, at });
            if (at > killedAt && !recoveredAt.has(created.entityId)) recoveredAt.set(created.entityId, at);
          } catch (error) {
            failed.push({ entityId: created.entityId, transitionId, error });
            return;
          }
        }
      }
    });

    // Kill a worker while the stream is in full flow; the other takes over.
    await new Promise((r) => setTimeout(r, 150));
    const acceptedBeforeKill = accepted.length;
    killedAt = performance.now();
    await first.crash();
    await Promise.all(streams);
    // A worker polls all along, so each change in flight is answered as soon as the dead
    // worker's sticky queue and unfinished workflow tasks time out (workflows/task-queues.ts;
    // Temporal's defaults, 10 s each, made this 10-19 s).
    const recovery = [...recoveredAt.values()].map((at) => at - killedAt).sort((a, b) => a - b);
    process.stdout.write(`in-flight changes answered after the kill (ms): ${recovery.map(Math.round).join(', ')}\n`);
    expect(recovery).toHaveLength(inquiries.length);
    expect(recovery.at(-1)).toBeLessThan(RECOVERY_AIM_MS);

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
