/**
 * Durable timers proven in workflow time, on the official time-skipping test server
 * (temporal-test-server from PyPI) with the real worker and real PostgreSQL: the test moves
 * the server's clock forward with env.sleep and checks what the lifecycles wrote.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { MikroORM } from '@mikro-orm/postgresql';
import { openOrm } from '../db/orm.ts';
import { resolveTemporalTestServer } from '../launcher/temporal-binaries.ts';
import { createLogger } from '../platform/logger.ts';
import { startWorkers, type RunningWorkers } from '../worker/run.ts';
import { addSearchAttributesBlindly } from '../worker/search-attributes.ts';
import { rescheduleUpdate } from '../workflows/booking/messages.ts';
import { convertToBookingUpdate } from '../workflows/inquiry/messages.ts';
import { upcomingTimersQuery } from '../workflows/lifecycle/messages.ts';
import { bookingDraft, demoReferences, startBooking, startInquiry, startTask, transition, usePlainStarts } from './support/lifecycles.ts';
import { withFreshModel } from './support/models.ts';
import { sqlOf, testEnv, type TestPlatform } from './support/platform.ts';
import { eventually } from './support/wait.ts';

let env: TestWorkflowEnvironment;
let workers: RunningWorkers;
let orm: MikroORM;
let refs: Awaited<ReturnType<typeof demoReferences>>;

beforeAll(async () => {
  usePlainStarts(true);
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: await resolveTemporalTestServer() } } });
  const namespace = env.namespace ?? 'default';
  await addSearchAttributesBlindly(env.nativeConnection, namespace);
  workers = await startWorkers({
    databaseUrl: testEnv().databaseUrl, temporalAddress: '', connection: env.nativeConnection, client: env.client, namespace,
    metricsAddress: undefined, registerSearchAttributes: false, logger: createLogger({ level: 'silent', service: 'test' }),
  });
  orm = await openOrm(testEnv().databaseUrl);
  refs = await demoReferences(orm);
}, 60_000);

afterAll(async () => {
  usePlainStarts(false);
  await workers?.shutdown();
  await env?.teardown();
  await orm?.close();
});

const sql: TestPlatform['sql'] = (query, params) => sqlOf(orm)(query, params);

const events = async (entityId: string) =>
  (await sql<{ event_type: string }>('SELECT event_type FROM domain_events WHERE entity_id = ? ORDER BY created_at', [entityId])).map((e) => e.event_type);

/** Gives the worker a moment of real time, to show that nothing fires. */
const settle = () => new Promise((r) => setTimeout(r, 1500));

async function awaitingDeposit() {
  const started = await startInquiry(env.client);
  await transition(started.handle, 'qualified');
  await transition(started.handle, 'awaiting_client');
  await transition(started.handle, 'awaiting_deposit', { data: { depositAmount: '120.00' } });
  return started;
}

describe('inquiry deposit reminder', () => {
  test('fires 2 h after awaiting_deposit began, not before', async () => {
    const { created } = await awaitingDeposit();
    await env.sleep('119m');
    await settle();
    expect(await events(created.entityId)).not.toContain('inquiry.deposit_reminder_due');
    await env.sleep('2m');
    const after = await eventually(() => events(created.entityId), (e) => e.includes('inquiry.deposit_reminder_due'));
    expect(after.filter((e) => e === 'inquiry.deposit_reminder_due')).toHaveLength(1);
  });

  test('does not fire when the deposit arrives first (the inquiry is converted)', async () => {
    const { created, handle } = await awaitingDeposit();
    await env.sleep('60m');
    const draft = bookingDraft(await withFreshModel(orm, refs), 5 * 24 * 3600_000, {}, await env.currentTimeMs());
    const transitionId = randomUUID();
    await handle.executeUpdate(convertToBookingUpdate, {
      args: [{ booking: { modelId: draft.modelId, locationId: draft.locationId, startAt: draft.startAt, endAt: draft.endAt, priceTotal: '500.00' }, transitionId, actor: { type: 'system' } }],
    });
    expect((await handle.query(upcomingTimersQuery)).map((t) => t.name)).toEqual(['close']);
    await env.sleep('3h');
    await settle();
    expect(await events(created.entityId)).not.toContain('inquiry.deposit_reminder_due');
  });
});

describe('task SLA', () => {
  test('warns at the policy fraction, then at the deadline marks it breached and escalates', async () => {
    const subject = randomUUID();
    const { created, handle } = await startTask(env.client, { entityId: subject, type: 'confirm_booking', priority: 'high', assigneeId: refs.operator_id });
    // confirm_booking: 15 min, warning at 80 %.
    await env.sleep('11m');
    await settle();
    expect(await events(created.entityId)).toEqual(['task.created']);
    await env.sleep('2m');
    expect(await eventually(() => events(created.entityId), (e) => e.includes('task.sla_warning'))).toEqual(['task.created', 'task.sla_warning']);
    await env.sleep('3m');
    await eventually(() => events(created.entityId), (e) => e.includes('task.sla_breached'));
    const [task] = await sql<{ sla_breached: boolean; priority: string; assigned_to: string; sla_breached_at: string | null }>(
      'SELECT sla_breached, priority, assigned_to, sla_breached_at FROM tasks WHERE id = ?', [created.entityId]);
    expect(task).toMatchObject({ sla_breached: true, priority: 'critical', assigned_to: refs.ops_id });
    expect(task?.sla_breached_at).not.toBeNull();
    const [audit] = await sql<{ actor_type: string; before: Record<string, unknown>; after: Record<string, unknown> }>(
      `SELECT actor_type, before, after FROM audit_log WHERE entity_id = ? AND action = 'UPDATE'`, [created.entityId]);
    expect(audit).toEqual({
      actor_type: 'system',
      before: { sla_breached: false, level: 'high', assigned_to: refs.operator_id },
      after: { sla_breached: true, level: 'critical', assigned_to: refs.ops_id },
    });
    // The policy opens an exception about the breached task, with its own lifecycle.
    const exceptions = await eventually(
      () => sql<{ type: string; severity: string; status: string; assigned_to: string | null }>(
        'SELECT type, severity, status, assigned_to FROM exceptions WHERE entity_type = ? AND entity_id = ?', ['task', created.entityId]),
      (rows) => rows.length > 0,
    );
    // Owned by the operator whose task breached (the task itself went to the ops manager).
    expect(exceptions).toEqual([{ type: 'sla_breach', severity: 'high', status: 'open', assigned_to: refs.operator_id }]);
    expect(await handle.query(upcomingTimersQuery)).toEqual([]);
  });

  test('a task finished before its deadline is never breached', async () => {
    const { created, handle } = await startTask(env.client, { entityId: randomUUID(), type: 'confirm_booking', priority: 'normal' });
    await transition(handle, 'in_progress');
    await transition(handle, 'done');
    await env.sleep('30m');
    await settle();
    expect(await events(created.entityId)).toEqual(['task.created', 'task.status_changed', 'task.status_changed']);
  });
});

describe('booking timers', () => {
  test('a held booking expires at its hold time', async () => {
    const draft = bookingDraft(await withFreshModel(orm, refs), 7 * 24 * 3600_000, {}, await env.currentTimeMs());
    const { handle } = await startBooking(env.client, draft, { holdMinutes: 90 });
    await transition(handle, 'pending');
    await env.sleep('89m');
    await settle();
    expect((await sql<{ status: string }>('SELECT status FROM bookings WHERE id = ?', [draft.id]))[0]?.status).toBe('pending');
    await env.sleep('2m');
    const [row] = await eventually(() => sql<{ status: string }>('SELECT status FROM bookings WHERE id = ?', [draft.id]), (r) => r[0]?.status === 'expired');
    expect(row?.status).toBe('expired');
    const [audit] = await sql<{ actor_type: string; metadata: Record<string, unknown> }>(
      `SELECT actor_type, metadata FROM audit_log WHERE entity_id = ? AND after->>'status' = 'expired'`, [draft.id]);
    expect(audit).toEqual({ actor_type: 'system', metadata: { reason: 'hold time elapsed without confirmation' } });
  });

  test('confirmation cancels the expiry; approaching fires 30 min before start, then start and end', async () => {
    const draft = bookingDraft(await withFreshModel(orm, refs), 3 * 3600_000, {}, await env.currentTimeMs());
    const { handle } = await startBooking(env.client, draft, { holdMinutes: 60 });
    await transition(handle, 'pending');
    await transition(handle, 'confirmed');
    await env.sleep('149m');
    await settle();
    expect(await events(draft.id)).not.toContain('booking.approaching');
    await env.sleep('2m');
    await eventually(() => events(draft.id), (e) => e.includes('booking.approaching'));
    await env.sleep('30m');
    await eventually(() => events(draft.id), (e) => e.includes('booking.start_reached'));
    await env.sleep('2h');
    const all = await eventually(() => events(draft.id), (e) => e.includes('booking.end_reached'));
    expect(all.filter((e) => e.startsWith('booking.') && !e.endsWith('status_changed'))).toEqual(['booking.created', 'booking.approaching', 'booking.start_reached', 'booking.end_reached']);
    expect((await sql<{ status: string }>('SELECT status FROM bookings WHERE id = ?', [draft.id]))[0]?.status).toBe('confirmed');
  });

  test('moving the booking moves its timers', async () => {
    const draft = bookingDraft(await withFreshModel(orm, refs), 2 * 3600_000, {}, await env.currentTimeMs());
    const { handle } = await startBooking(env.client, draft);
    await transition(handle, 'pending');
    await transition(handle, 'confirmed');
    const later = Date.parse(draft.startAt) + 2 * 3600_000;
    const id = randomUUID();
    await handle.executeUpdate(rescheduleUpdate, {
      args: [{ startAt: new Date(later).toISOString(), endAt: new Date(later + 3600_000).toISOString(), transitionId: id, actor: { type: 'system' } }],
    });
    // Past the original "approaching" time: nothing, since the booking moved.
    await env.sleep('105m');
    await settle();
    expect(await events(draft.id)).not.toContain('booking.approaching');
    await env.sleep('2h');
    await eventually(() => events(draft.id), (e) => e.includes('booking.approaching'));
    const [event] = await sql<{ payload: Record<string, unknown> }>(`SELECT payload FROM domain_events WHERE entity_id = ? AND event_type = 'booking.approaching'`, [draft.id]);
    expect(event?.payload.start_at).toBe(new Date(later).toISOString());
  });
});
