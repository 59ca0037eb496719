/**
 * The inquiry lifecycle, fast (harness.ts): transitions and guards, the deposit reminder 2 h
 * into awaiting_deposit (and not when the inquiry moves on first), and conversion to a booking
 * through the booking's own lifecycle, once.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DEPOSIT_REMINDER_MS } from '../../workflows/inquiry/workflow.ts';
import { convertToBookingUpdate } from '../../workflows/inquiry/messages.ts';
import { upcomingTimersQuery } from '../../workflows/lifecycle/messages.ts';
import { HOUR, MINUTE, refusal, settle, snapshot, startWorkflowHarness, system, transition, until, type Started, type WorkflowHarness } from './harness.ts';

let h: WorkflowHarness;
beforeAll(async () => {
  h = await startWorkflowHarness();
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

async function awaitingDeposit(): Promise<Started & { since: number }> {
  const started = await h.startInquiry();
  await transition(started.handle, 'qualified');
  await transition(started.handle, 'awaiting_client');
  const moved = await transition(started.handle, 'awaiting_deposit', { data: { depositAmount: '120.00' } });
  return { ...started, since: Date.parse(moved.at) };
}

describe('inquiry transitions', () => {
  test('legal steps apply; an illegal one is INVALID_TRANSITION with from, to and allowed; guards name the missing field', async () => {
    const { handle, created } = await h.startInquiry();
    expect(created).toMatchObject({ status: 'new', firstDelivery: true });
    expect(await refusal(transition(handle, 'converted'))).toMatchObject({
      type: 'INVALID_TRANSITION', details: { entityType: 'inquiry', from: 'new', to: 'converted', allowed: ['qualified', 'spam'] },
    });
    await transition(handle, 'qualified');
    await transition(handle, 'awaiting_client');
    expect(await refusal(transition(handle, 'awaiting_deposit'))).toMatchObject({ type: 'VALIDATION', details: { field: 'depositAmount' } });
    await transition(handle, 'awaiting_deposit', { data: { depositAmount: '120.00' } });
    // converted only through convertToBooking, once its booking exists.
    expect(await refusal(transition(handle, 'converted'))).toMatchObject({ type: 'VALIDATION', details: { field: 'bookingId' } });
    expect(h.store.callsOf('applyTransition', created.entityId).map((c) => c.input.to)).toEqual(['qualified', 'awaiting_client', 'awaiting_deposit']);
    expect((await snapshot(handle)).facts).toMatchObject({ depositAmount: '120.00' });
  });

  test('lost and spam need a reason (closedReason, or the change\'s reason), recorded as closedReason', async () => {
    const spam = await h.startInquiry();
    expect(await refusal(transition(spam.handle, 'spam'))).toMatchObject({ type: 'VALIDATION', details: { entityType: 'inquiry', to: 'spam', field: 'closedReason' } });
    expect(await refusal(transition(spam.handle, 'spam', { reason: '   ' }))).toMatchObject({ type: 'VALIDATION', details: { field: 'closedReason' } });
    expect(h.store.callsOf('applyTransition', spam.created.entityId)).toEqual([]);
    await transition(spam.handle, 'spam', { reason: 'bulk promotional message' });
    expect(h.store.callsOf('applyTransition', spam.created.entityId)[0]?.input).toMatchObject({ to: 'spam', data: { closedReason: 'bulk promotional message' } });

    const lost = await h.startInquiry();
    await transition(lost.handle, 'qualified');
    expect(await refusal(transition(lost.handle, 'lost'))).toMatchObject({ type: 'VALIDATION', details: { to: 'lost', field: 'closedReason' } });
    await transition(lost.handle, 'lost', { reason: 'ignored', data: { closedReason: 'chose another agency' } });
    expect(h.store.callsOf('applyTransition', lost.created.entityId).at(-1)?.input).toMatchObject({ to: 'lost', data: { closedReason: 'chose another agency' } });
    expect((await snapshot(lost.handle)).status).toBe('lost');
  });
});

describe('deposit reminder', () => {
  test('fires 2 h after awaiting_deposit began, not before, once', async () => {
    const { created, since } = await awaitingDeposit();
    await h.env.sleep('119m');
    await settle();
    expect(h.store.events(created.entityId)).toEqual([]);
    await h.env.sleep('2m');
    await until(() => h.store.events(created.entityId).length > 0, 'the deposit reminder');
    const [reminder] = h.store.callsOf('recordEvent', created.entityId);
    expect(reminder?.input).toMatchObject({ eventType: 'inquiry.deposit_reminder_due', payload: { deposit_amount: '120.00', ref: created.ref } });
    expect(reminder?.serverMs).toBeGreaterThanOrEqual(since + DEPOSIT_REMINDER_MS);
    expect(reminder?.serverMs).toBeLessThan(since + DEPOSIT_REMINDER_MS + MINUTE);
    await h.env.sleep('3h');
    await settle();
    expect(h.store.events(created.entityId)).toEqual(['inquiry.deposit_reminder_due']);
  });

  test('does not fire when the inquiry moves on first', async () => {
    const { created, handle } = await awaitingDeposit();
    await h.env.sleep('1h');
    await transition(handle, 'lost', { data: { closedReason: 'went elsewhere' } });
    expect((await handle.query(upcomingTimersQuery)).map((t) => t.name)).toEqual(['close']);
    await h.env.sleep('3h');
    await settle();
    expect(h.store.events(created.entityId)).toEqual([]);
  });
});

describe('conversion', () => {
  test('starts the booking lifecycle, converts once the booking exists; a retry converts nothing twice', async () => {
    const { created, handle } = await awaitingDeposit();
    const startAt = (await h.now()) + 48 * HOUR;
    const request = {
      booking: { modelId: 'model-1', locationId: 'location-1', startAt: new Date(startAt).toISOString(), endAt: new Date(startAt + 2 * HOUR).toISOString(), priceTotal: '500.00' },
      transitionId: randomUUID(), actor: system,
    };
    const result = await handle.executeUpdate(convertToBookingUpdate, { args: [request] });
    expect(result).toMatchObject({ inquiryId: created.entityId, duplicate: false, bookingWorkflowId: `booking:${result.bookingId}` });
    const [booking] = h.store.callsOf('recordBookingCreated', result.bookingId);
    // The deposit the inquiry asked for becomes the booking's.
    expect(booking?.input.booking).toMatchObject({ inquiryId: created.entityId, clientId: 'client-1', priceTotal: '500.00', depositRequired: '120.00' });
    expect(h.store.callsOf('applyTransition', created.entityId).at(-1)?.input).toMatchObject({ from: 'awaiting_deposit', to: 'converted', data: { bookingId: result.bookingId } });
    // The reminder is moot; only the close timer is left.
    expect((await handle.query(upcomingTimersQuery)).map((t) => t.name)).toEqual(['close']);
    const again = await handle.executeUpdate(convertToBookingUpdate, { args: [request], updateId: randomUUID() });
    expect(again).toMatchObject({ bookingId: result.bookingId, bookingRef: result.bookingRef, duplicate: true });
    expect(h.store.calls.filter((c) => c.name === 'recordBookingCreated' && (c.input.booking as { inquiryId?: string }).inquiryId === created.entityId)).toHaveLength(1);
    expect(h.store.callsOf('applyTransition', created.entityId).filter((c) => c.input.to === 'converted')).toHaveLength(1);
    expect(h.store.statusOf(created.entityId)).toBe('converted');
  });
});
