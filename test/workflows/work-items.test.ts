/**
 * Task and exception lifecycles, fast (harness.ts): transitions, the SLA warning then breach
 * with escalation, continue-as-new carrying state and applied transition ids, and the close
 * timer 24 h after a final status.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { LifecycleStatus } from '../../domain/lifecycles.ts';
import { CLOSE_AFTER_FINAL_MS } from '../../workflows/lifecycle/core.ts';
import { addNoteUpdate, assignUpdate, upcomingTimersQuery } from '../../workflows/lifecycle/messages.ts';
import { completeTaskUpdate } from '../../workflows/work-item/messages.ts';
import { FAKE_OPS_MANAGER, FAKE_SLA, MINUTE, refusal, settle, snapshot, startWorkflowHarness, system, transition, until, type WorkflowHarness } from './harness.ts';

let h: WorkflowHarness;
beforeAll(async () => {
  h = await startWorkflowHarness();
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

describe('task and exception transitions', () => {
  test('a task moves open → in_progress → done; a skipped step and a final status are INVALID_TRANSITION', async () => {
    const { handle, created } = await h.startTask();
    expect((await refusal(transition(handle, 'done'))).details).toEqual({ entityType: 'task', from: 'open', to: 'done', allowed: ['in_progress', 'cancelled'] });
    await transition(handle, 'in_progress');
    await transition(handle, 'done');
    expect((await refusal(transition(handle, 'in_progress'))).details).toMatchObject({ from: 'done', to: 'in_progress', allowed: [] });
    expect(h.store.callsOf('applyTransition', created.entityId).map((c) => `${String(c.input.from)}→${String(c.input.to)}`)).toEqual(['open→in_progress', 'in_progress→done']);
  });

  test('an exception moves open → investigating → resolved; a status outside its lifecycle is VALIDATION, not INVALID_TRANSITION', async () => {
    const { handle, created } = await h.startException();
    expect(await refusal(transition(handle, 'archived' as LifecycleStatus))).toMatchObject({ type: 'VALIDATION', details: { field: 'to', allowed: ['investigating', 'resolved', 'dismissed'] } });
    expect(await refusal(transition(handle, 'confirmed'))).toMatchObject({ type: 'VALIDATION', details: { field: 'to' } });
    await transition(handle, 'investigating');
    await transition(handle, 'resolved');
    expect(h.store.statusOf(created.entityId)).toBe('resolved');
  });
});

describe('completeTask (one Update)', () => {
  test('an open task is started and done under one lock; a retry changes nothing; a done task refuses', async () => {
    const { handle, created } = await h.startTask();
    const request = { transitionId: `complete-${randomUUID()}`, actor: system, reason: 'called back' };
    const result = await handle.executeUpdate(completeTaskUpdate, { args: [request] });
    expect(result).toMatchObject({ from: 'in_progress', to: 'done', duplicate: false });
    expect(h.store.callsOf('applyTransition', created.entityId).map((c) => `${String(c.input.from)}→${String(c.input.to)}:${String(c.input.transitionId)}`))
      .toEqual([`open→in_progress:${request.transitionId}:start`, `in_progress→done:${request.transitionId}`]);
    expect(await handle.executeUpdate(completeTaskUpdate, { args: [request], updateId: `again-${randomUUID()}` })).toMatchObject({ to: 'done', duplicate: true });
    expect(h.store.callsOf('applyTransition', created.entityId)).toHaveLength(2);
    expect(await refusal(handle.executeUpdate(completeTaskUpdate, { args: [{ ...request, transitionId: randomUUID() }] })))
      .toMatchObject({ type: 'INVALID_TRANSITION', details: { from: 'done', to: 'done' } });
  });
});

describe('task SLA', () => {
  test('warns at the policy fraction, then at the deadline is marked breached (markSlaBreached), escalated and opens an exception', async () => {
    const { handle, created } = await h.startTask({ priority: 'high', assigneeId: 'operator-1' });
    const createdAt = Date.parse(String(h.store.callsOf('recordTaskCreated', created.entityId)[0]?.input.at));
    const warningAt = createdAt + FAKE_SLA.deadlineMinutes * FAKE_SLA.warningFraction * MINUTE;
    const deadline = createdAt + FAKE_SLA.deadlineMinutes * MINUTE;
    expect((await handle.query(upcomingTimersQuery)).map((t) => [t.name, Date.parse(t.at)])).toEqual([['sla_warning', warningAt], ['sla_breach', deadline]]);
    await h.env.sleep('11m');
    await settle();
    expect(h.store.events(created.entityId)).toEqual([]);
    await h.env.sleep('2m');
    await until(() => h.store.events(created.entityId).includes('task.sla_warning'), 'the SLA warning');
    expect(h.store.callsOf('markSlaBreached', created.entityId)).toEqual([]);
    await h.env.sleep('3m');
    await until(() => h.store.callsOf('markSlaBreached', created.entityId).length === 1, 'the SLA breach');
    const [warning] = h.store.callsOf('recordEvent', created.entityId);
    const [breach] = h.store.callsOf('markSlaBreached', created.entityId);
    expect(warning?.serverMs).toBeGreaterThanOrEqual(warningAt);
    expect(warning?.serverMs).toBeLessThan(warningAt + MINUTE);
    expect(breach?.input).toMatchObject({ kind: 'task', id: created.entityId, escalation: FAKE_SLA.escalation });
    expect(Date.parse(String(breach?.input.at))).toBeGreaterThanOrEqual(deadline);
    expect(Date.parse(String(breach?.input.at))).toBeLessThan(deadline + MINUTE);
    // The escalation's exception: its own lifecycle, about this task.
    await until(() => h.store.calls.some((c) => c.name === 'recordExceptionCreated' && (c.input.exception as { entityId: string }).entityId === created.entityId), 'the escalation exception');
    const exception = h.store.calls.find((c) => c.name === 'recordExceptionCreated' && (c.input.exception as { entityId: string }).entityId === created.entityId);
    // Owned by the operator who owned the task when it breached (the task went to an ops manager).
    expect(exception?.input.exception).toMatchObject({ type: 'sla_breach', severity: 'high', entityType: 'task', assigneeId: 'operator-1' });
    const state = await snapshot(handle);
    expect(state).toMatchObject({ status: 'open', assigneeId: FAKE_OPS_MANAGER, facts: { slaBreached: true, level: 'critical' } });
    // Breached: no SLA timer is left, and a later sleep breaches nothing twice.
    expect(state.upcomingTimers).toEqual([]);
    await h.env.sleep('1h');
    await settle();
    expect(h.store.callsOf('markSlaBreached', created.entityId)).toHaveLength(1);
  });

  test('the exception of an unassigned task\'s breach goes to the ops manager it was escalated to', async () => {
    const { created } = await h.startTask({ priority: 'high' });
    await h.env.sleep(`${FAKE_SLA.deadlineMinutes + 1}m`);
    const opened = () => h.store.calls.find((c) => c.name === 'recordExceptionCreated' && (c.input.exception as { entityId: string }).entityId === created.entityId);
    await until(() => !!opened(), 'the escalation exception');
    expect(opened()?.input.exception).toMatchObject({ type: 'sla_breach', assigneeId: FAKE_OPS_MANAGER });
  });

  test('a task finished before its deadline is never warned or breached', async () => {
    const { handle, created } = await h.startTask();
    await transition(handle, 'in_progress');
    await transition(handle, 'done');
    expect((await handle.query(upcomingTimersQuery)).map((t) => t.name)).toEqual(['close']);
    await h.env.sleep('30m');
    await settle();
    expect(h.store.events(created.entityId)).toEqual([]);
    expect(h.store.callsOf('markSlaBreached', created.entityId)).toEqual([]);
  });
});

describe('long lives', () => {
  test('after maxChangesPerRun changes the run continues-as-new, keeping state, timers and applied transition ids', async () => {
    const { handle, created } = await h.startTask({}, { maxChangesPerRun: 3 });
    const firstRun = handle.firstExecutionRunId;
    const inProgressId = randomUUID();
    await handle.executeUpdate(assignUpdate, { args: [{ assigneeId: 'operator-2', transitionId: randomUUID(), actor: system }] });
    await handle.executeUpdate(addNoteUpdate, { args: [{ text: 'Called the client', transitionId: randomUUID(), actor: system }] });
    const first = await transition(handle, 'in_progress', { transitionId: inProgressId });
    await until(async () => (await handle.describe()).runId !== firstRun, 'continue-as-new');
    const before = h.store.calls.filter((c) => c.entityId === created.entityId).length;

    const state = await snapshot(handle);
    expect(state).toMatchObject({ status: 'in_progress', assigneeId: 'operator-2', ref: created.ref, runTransitions: 0 });
    expect(state.upcomingTimers.map((t) => t.name)).toEqual(['sla_warning', 'sla_breach']);
    // Temporal forgets Update ids across runs; the workflow does not forget transition ids.
    expect(await transition(handle, 'in_progress', { transitionId: inProgressId, updateId: randomUUID() })).toEqual({ ...first, duplicate: true });
    expect(h.store.calls.filter((c) => c.entityId === created.entityId)).toHaveLength(before);
    // The row is not created again by the new run, and the lifecycle goes on.
    expect(h.store.callsOf('recordTaskCreated', created.entityId)).toHaveLength(1);
    await transition(handle, 'done');
    expect(h.store.statusOf(created.entityId)).toBe('done');
  });

  test('24 h after a final status the workflow completes, not before', async () => {
    const { handle } = await h.startTask();
    await transition(handle, 'cancelled');
    const [close] = await handle.query(upcomingTimersQuery);
    expect(close?.name).toBe('close');
    const closesAt = Date.parse(String(close?.at));
    expect(closesAt - (await h.now())).toBeGreaterThan(CLOSE_AFTER_FINAL_MS - MINUTE);
    expect(closesAt - (await h.now())).toBeLessThanOrEqual(CLOSE_AFTER_FINAL_MS);
    await h.env.sleep(CLOSE_AFTER_FINAL_MS - 2 * MINUTE);
    await settle();
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await h.env.sleep(3 * MINUTE);
    await until(async () => (await handle.describe()).status.name === 'COMPLETED', 'the workflow to complete');
    const closed = (await handle.describe()).closeTime?.getTime() ?? 0;
    expect(closed).toBeGreaterThanOrEqual(closesAt);
    expect(closed).toBeLessThan(closesAt + MINUTE);
  });
});
