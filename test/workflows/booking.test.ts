/**
 * The booking lifecycle's logic, fast: the real workflow on the time-skipping test server with
 * an in-memory store (harness.ts). Transitions and guards, the hold expiry, approaching / start /
 * end at their skipped times, rescheduling, and concurrent transitions on one booking.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { WorkflowUpdateStage } from '@temporalio/client';
import { confirmArrivalUpdate, rescheduleUpdate } from '../../workflows/booking/messages.ts';
import { addNoteUpdate, transitionUpdate, upcomingTimersQuery } from '../../workflows/lifecycle/messages.ts';
import { HOUR, MINUTE, refusal, settle, snapshot, startWorkflowHarness, system, transition, until, type WorkflowHarness } from './harness.ts';

let h: WorkflowHarness;
beforeAll(async () => {
  h = await startWorkflowHarness();
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

describe('booking transitions', () => {
  test('a legal path is applied once per step, each by one store call carrying from and to', async () => {
    const { handle, booking, created } = await h.startBooking();
    expect(created).toMatchObject({ entityId: booking.id, status: 'draft', firstDelivery: true });
    expect(await transition(handle, 'pending')).toMatchObject({ from: 'draft', to: 'pending', duplicate: false });
    expect(await transition(handle, 'deposit_required', { data: { depositRequired: '100.00' } })).toMatchObject({ from: 'pending', to: 'deposit_required' });
    expect(await transition(handle, 'confirmed')).toMatchObject({ from: 'deposit_required', to: 'confirmed' });
    expect(h.store.callsOf('applyTransition', booking.id).map((c) => [c.input.from, c.input.to])).toEqual([
      ['draft', 'pending'], ['pending', 'deposit_required'], ['deposit_required', 'confirmed'],
    ]);
    expect(h.store.statusOf(booking.id)).toBe('confirmed');
    expect((await snapshot(handle)).status).toBe('confirmed');
  });

  test('an illegal transition is INVALID_TRANSITION with from, to and allowed, and reaches no store', async () => {
    const { handle, booking } = await h.startBooking();
    const refused = await refusal(transition(handle, 'completed'));
    expect(refused).toMatchObject({
      type: 'INVALID_TRANSITION',
      details: { entityType: 'booking', from: 'draft', to: 'completed', allowed: ['pending', 'cancelled'] },
    });
    expect(refused.message).toMatch(/cannot go from draft to completed/);
    await transition(handle, 'cancelled');
    // Final: nothing is allowed any more.
    expect((await refusal(transition(handle, 'pending'))).details).toMatchObject({ from: 'cancelled', to: 'pending', allowed: [] });
    expect(h.store.callsOf('applyTransition', booking.id).map((c) => c.input.to)).toEqual(['cancelled']);
  });

  test('guards: draft → pending needs client, model, location, a start before the end and a price; deposit_required needs an amount', async () => {
    const { handle, booking } = await h.startBooking({ priceTotal: '0' });
    expect(await refusal(transition(handle, 'pending'))).toMatchObject({ type: 'VALIDATION', details: { field: 'priceTotal', to: 'pending' } });
    const start = (await h.now()) + 24 * HOUR;
    const inverted = await h.startBooking({ startAt: new Date(start).toISOString(), endAt: new Date(start - HOUR).toISOString() });
    expect(await refusal(transition(inverted.handle, 'pending'))).toMatchObject({ type: 'VALIDATION', details: { field: 'endAt' } });
    const ok = await h.startBooking();
    await transition(ok.handle, 'pending');
    expect(await refusal(transition(ok.handle, 'deposit_required'))).toMatchObject({ type: 'VALIDATION', details: { field: 'depositRequired' } });
    expect(await refusal(transition(ok.handle, 'deposit_required', { data: { depositRequired: '-5' } }))).toMatchObject({ type: 'VALIDATION', details: { field: 'depositRequired' } });
    expect(await refusal(transition(ok.handle, 'confirmed', { data: { somethingElse: 1 } }))).toMatchObject({ type: 'VALIDATION', details: { field: 'somethingElse' } });
    expect(h.store.callsOf('applyTransition', booking.id)).toEqual([]);
    expect(h.store.callsOf('applyTransition', inverted.booking.id)).toEqual([]);
    expect(h.store.callsOf('applyTransition', ok.booking.id).map((c) => c.input.to)).toEqual(['pending']);
  });

  test('a repeated transition id is answered with the first result, without a second store call', async () => {
    const { handle, booking } = await h.startBooking();
    const transitionId = randomUUID();
    const first = await transition(handle, 'pending', { transitionId });
    // Another Update id, so Temporal's own de-duplication is not what answers it: the workflow does.
    const again = await transition(handle, 'pending', { transitionId, updateId: randomUUID() });
    expect(again).toEqual({ ...first, duplicate: true });
    expect(h.store.callsOf('applyTransition', booking.id)).toHaveLength(1);
    // The same id for another change is a CONFLICT.
    expect(await refusal(transition(handle, 'cancelled', { transitionId, updateId: randomUUID() }))).toMatchObject({ type: 'CONFLICT', details: { field: 'transitionId' } });
    expect(h.store.callsOf('applyTransition', booking.id)).toHaveLength(1);
  });
});

describe('booking timers', () => {
  test('a held booking expires at its hold time: the expiry timer applies pending → expired as the system', async () => {
    const { handle, booking } = await h.startBooking({}, { holdMinutes: 90 });
    const pending = await transition(handle, 'pending');
    expect((await handle.query(upcomingTimersQuery)).map((t) => [t.name, t.at])).toEqual([
      ['expiry', new Date(Date.parse(pending.at) + 90 * MINUTE).toISOString()],
    ]);
    await h.env.sleep('89m');
    await settle();
    expect(h.store.statusOf(booking.id)).toBe('pending');
    await h.env.sleep('2m');
    await until(() => h.store.statusOf(booking.id) === 'expired', 'the booking to expire');
    const [expiry] = h.store.callsOf('applyTransition', booking.id).filter((c) => c.input.to === 'expired');
    expect(expiry?.input).toMatchObject({ from: 'pending', to: 'expired', actor: { type: 'system' }, reason: 'hold time elapsed without confirmation' });
    // At the hold's end in workflow time (the task handling the timer starts a moment after it is due).
    const expiredAt = Date.parse(String(expiry?.input.at)) - Date.parse(pending.at);
    expect(expiredAt).toBeGreaterThanOrEqual(90 * MINUTE);
    expect(expiredAt).toBeLessThan(91 * MINUTE);
    expect((await snapshot(handle)).status).toBe('expired');
  });

  test('confirmation cancels the expiry; approaching fires 30 min before the start, then start and end, each at its time', async () => {
    const startIn = 3 * HOUR;
    const startAt = (await h.now()) + startIn;
    const { handle, booking } = await h.startBooking({ startAt: new Date(startAt).toISOString(), endAt: new Date(startAt + 2 * HOUR).toISOString() }, { holdMinutes: 60 });
    await transition(handle, 'pending');
    await transition(handle, 'confirmed');
    expect((await handle.query(upcomingTimersQuery)).map((t) => t.name)).toEqual(['approaching', 'start', 'end']);
    await h.env.sleep('149m');
    await settle();
    expect(h.store.events(booking.id)).toEqual([]);
    await h.env.sleep('2m');
    await until(() => h.store.events(booking.id).length === 1, 'booking.approaching');
    await h.env.sleep('30m');
    await until(() => h.store.events(booking.id).length === 2, 'booking.start_reached');
    await h.env.sleep('2h');
    await until(() => h.store.events(booking.id).length === 3, 'booking.end_reached');
    const calls = h.store.callsOf('recordEvent', booking.id);
    expect(calls.map((c) => c.input.eventType)).toEqual(['booking.approaching', 'booking.start_reached', 'booking.end_reached']);
    // Each ran when its timer was due in the server's (skipped) time; the activity is scheduled
    // by the task that handles the timer, so it begins at (or just after) the due time.
    const due = [startAt - 30 * MINUTE, startAt, startAt + 2 * HOUR];
    calls.forEach((c, i) => {
      expect(c.serverMs).toBeGreaterThanOrEqual(due[i] as number);
      expect(c.serverMs).toBeLessThan((due[i] as number) + MINUTE);
    });
    expect(calls[0]?.input.payload).toMatchObject({ minutes_until_start: 30, start_at: booking.startAt });
    // The one-hour hold never expired it.
    expect(h.store.statusOf(booking.id)).toBe('confirmed');
  });

  test('rescheduling moves the approaching / start / end timers', async () => {
    const startAt = (await h.now()) + 2 * HOUR;
    const { handle, booking } = await h.startBooking({ startAt: new Date(startAt).toISOString(), endAt: new Date(startAt + HOUR).toISOString() });
    await transition(handle, 'pending');
    await transition(handle, 'confirmed');
    const later = startAt + 2 * HOUR;
    await handle.executeUpdate(rescheduleUpdate, {
      args: [{ startAt: new Date(later).toISOString(), endAt: new Date(later + HOUR).toISOString(), transitionId: randomUUID(), actor: system }],
    });
    expect(h.store.callsOf('rescheduleBooking', booking.id)).toHaveLength(1);
    expect((await handle.query(upcomingTimersQuery)).map((t) => [t.name, t.at])).toEqual([
      ['approaching', new Date(later - 30 * MINUTE).toISOString()],
      ['start', new Date(later).toISOString()],
      ['end', new Date(later + HOUR).toISOString()],
    ]);
    // Past the original approaching time (start − 30 min): nothing, the booking moved.
    await h.env.sleep('105m');
    await settle();
    expect(h.store.events(booking.id)).toEqual([]);
    await h.env.sleep('2h');
    await until(() => h.store.events(booking.id).includes('booking.approaching'), 'the moved approaching event');
    const [approaching] = h.store.callsOf('recordEvent', booking.id);
    expect(approaching?.input.payload).toMatchObject({ start_at: new Date(later).toISOString() });
    expect(approaching?.serverMs).toBeGreaterThanOrEqual(later - 30 * MINUTE);
  });
});

describe('the client\'s arrival confirmation', () => {
  test('refused on a draft; once confirmed, a fact the approaching event carries; a second confirmation reaches no store', async () => {
    const startAt = (await h.now()) + 2 * HOUR;
    const { handle, booking } = await h.startBooking({ startAt: new Date(startAt).toISOString(), endAt: new Date(startAt + HOUR).toISOString() });
    const early = await refusal(handle.executeUpdate(confirmArrivalUpdate, { args: [{ transitionId: randomUUID(), actor: system }] }));
    expect(early).toMatchObject({ type: 'VALIDATION' });
    await transition(handle, 'pending');
    await transition(handle, 'confirmed');
    const first = await handle.executeUpdate(confirmArrivalUpdate, { args: [{ transitionId: randomUUID(), actor: system, note: 'called' }] });
    const again = await handle.executeUpdate(confirmArrivalUpdate, { args: [{ transitionId: randomUUID(), actor: system }] });
    expect([first.duplicate, again.duplicate]).toEqual([false, true]);
    expect(h.store.callsOf('confirmArrival', booking.id).map((c) => c.input)).toEqual([expect.objectContaining({ bookingId: booking.id, note: 'called' })]);
    await h.env.sleep('91m');
    await until(() => h.store.events(booking.id).includes('booking.approaching'), 'booking.approaching');
    expect(h.store.callsOf('recordEvent', booking.id)[0]?.input.payload).toMatchObject({ client_confirmed_arrival: true });
  });
});

describe('booking concurrency', () => {
  /*
   * EXPECTED TO FAIL until LifecycleMachine.exclusive serialises its waiters: today it waits on
   * `condition(() => !busy)`, which wakes every waiter at once when the lock is released, so the
   * three transitions all check against `pending` and all reach the store together.
   *
   * A note holds the lock first (its store call is held), so that all three transitions are
   * accepted and waiting at the same moment; then the note is released. The targets are chosen
   * so that any one of them makes the other two illegal (two operators cancel, the system
   * expires): whatever order a correct lock picks, exactly one wins.
   */
  test('concurrent transitions on one booking: one store call at a time, exactly one wins, the losers are INVALID_TRANSITION from the winner', async () => {
    const { handle, booking } = await h.startBooking({}, {}, { workflowTaskTimeout: '2s' });
    await transition(handle, 'pending');
    h.store.slow('applyTransition', booking.id, 200);
    const releaseNote = h.store.hold('addNote', booking.id);
    const note = handle.executeUpdate(addNoteUpdate, { args: [{ text: 'Client called', transitionId: randomUUID(), actor: system }] });
    await until(() => h.store.callsOf('addNote', booking.id).length === 1, 'the note to hold the lock');
    const requests = [
      { to: 'cancelled', transitionId: randomUUID(), actor: { type: 'user', userId: 'operator-a' } },
      { to: 'expired', transitionId: randomUUID(), actor: system },
      { to: 'cancelled', transitionId: randomUUID(), actor: { type: 'user', userId: 'operator-b' } },
    ] as const;
    // All three accepted (validated against pending) while the note holds the lock.
    const updates = await Promise.all(requests.map((args) =>
      handle.startUpdate(transitionUpdate, { args: [args], waitForStage: WorkflowUpdateStage.ACCEPTED })));
    releaseNote();
    await note;
    const outcomes = await Promise.allSettled(updates.map((u) => u.result()));

    // Named, so that a failure says what went wrong: how many transitions reached the store at once.
    expect({ concurrentApplyTransitionCalls: h.store.maxOverlap('applyTransition', booking.id) }).toEqual({ concurrentApplyTransitionCalls: 1 });
    const winners = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(winners).toHaveLength(1);
    const winner = winners[0];
    const losers = await Promise.all(outcomes.filter((o) => o.status === 'rejected').map((o) => refusal(Promise.reject((o as PromiseRejectedResult).reason))));
    expect(losers).toHaveLength(2);
    for (const loser of losers) {
      expect(loser).toMatchObject({ type: 'INVALID_TRANSITION', details: { from: winner?.to, allowed: [] } });
    }
    expect(h.store.callsOf('applyTransition', booking.id).filter((c) => !c.failed).map((c) => c.input.to)).toEqual(['pending', winner?.to]);
    expect(h.store.statusOf(booking.id)).toBe(winner?.to);
    expect((await snapshot(handle)).status).toBe(winner?.to);
  });
});
