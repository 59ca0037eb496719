/**
 * The lifecycle workflows on the real Temporal dev server and real PostgreSQL: transitions as
 * validated Updates, guards, idempotent transition ids (also across continue-as-new),
 * concurrency, assignment, notes, conversion inquiry → booking, and "what happens next".
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { rescheduleUpdate } from '../workflows/booking/messages.ts';
import { convertToBookingUpdate } from '../workflows/inquiry/messages.ts';
import { addNoteUpdate, assignUpdate, lifecycleStateQuery, transitionUpdate, upcomingTimersQuery } from '../workflows/lifecycle/messages.ts';
import { SA_ASSIGNEE, SA_STATUS } from '../workflows/search-attributes.ts';
import { bookingDraft, demoReferences, startBooking, startInquiry, startTask, transition } from './support/lifecycles.ts';
import { withFreshModel } from './support/models.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { closeOpenWork } from './support/work-items.ts';

let platform: TestPlatform;
let refs: Awaited<ReturnType<typeof demoReferences>>;
/** This file's tasks: one left open (a failed test) is closed in afterAll, not left to breach and escalate in a later file. */
const opened: string[] = [];

beforeAll(async () => {
  platform = await startTestPlatform();
  refs = await demoReferences(platform.orm);
});
afterAll(async () => {
  try {
    if (platform) await closeOpenWork(platform, opened);
  } finally {
    await platform?.stop();
  }
});

const sql: TestPlatform['sql'] = (query, params) => platform.sql(query, params);

async function counts(entityId: string) {
  const [row] = await sql<Record<string, string>>(`SELECT
    (SELECT count(*) FROM audit_log WHERE entity_id = ?) AS audit,
    (SELECT count(*) FROM entity_timeline WHERE entity_id = ?) AS timeline,
    (SELECT count(*) FROM domain_events WHERE entity_id = ?) AS events`, [entityId, entityId, entityId]);
  return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
}

/** The coded failure an Update was rejected with. */
async function rejection(promise: Promise<unknown>): Promise<{ type: string | undefined; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      return { type: error.cause.type ?? undefined, message: error.cause.message, details: (error.cause.details?.[0] ?? {}) as Record<string, unknown> };
    }
    throw error;
  }
  throw new Error('expected the update to be rejected');
}

describe('inquiry lifecycle', () => {
  test('walks new → qualified → awaiting_client → awaiting_deposit, writing row + audit + timeline + event per step', async () => {
    const { created, handle } = await startInquiry(platform.temporal);
    expect(created).toMatchObject({ status: 'new', firstDelivery: true });
    let enteredAwaitingDeposit = '';
    for (const [to, data] of [['qualified'], ['awaiting_client'], ['awaiting_deposit', { depositAmount: '100.00' }]] as const) {
      const result = await transition(handle, to, { data: data as Record<string, unknown> | undefined });
      expect(result).toMatchObject({ to, duplicate: false });
      enteredAwaitingDeposit = result.at;
    }
    const [row] = await sql<{ status: string; deposit_amount: string }>('SELECT status, deposit_amount FROM inquiries WHERE id = ?', [created.entityId]);
    expect(row).toEqual({ status: 'awaiting_deposit', deposit_amount: '100.00' });
    expect(await counts(created.entityId)).toEqual({ audit: 4, timeline: 4, events: 4 });
    const events = await sql<{ event_type: string; payload: Record<string, unknown> }>(
      `SELECT event_type, payload FROM domain_events WHERE entity_id = ? ORDER BY created_at`, [created.entityId]);
    expect(events.map((e) => e.event_type)).toEqual(['inquiry.created', 'inquiry.status_changed', 'inquiry.status_changed', 'inquiry.status_changed']);
    expect(events[3]?.payload).toMatchObject({ old_status: 'awaiting_client', new_status: 'awaiting_deposit', depositAmount: '100.00' });

    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(SA_STATUS)).toBe('awaiting_deposit');
    // What happens next: the deposit reminder, 2 h after entering awaiting_deposit.
    const timers = await handle.query(upcomingTimersQuery);
    expect(timers).toEqual([{ name: 'deposit_reminder', at: new Date(Date.parse(enteredAwaitingDeposit) + 2 * 3600_000).toISOString(), description: expect.any(String) }]);
  });

  test('an invalid transition is rejected before it reaches history, naming from, to and the allowed targets', async () => {
    const { handle, created } = await startInquiry(platform.temporal);
    const historyBefore = (await handle.fetchHistory()).events?.length;
    const error = await rejection(transition(handle, 'converted'));
    expect(error.type).toBe('INVALID_TRANSITION');
    expect(error.details).toEqual({ entityType: 'inquiry', from: 'new', to: 'converted', allowed: ['qualified', 'spam'] });
    expect(error.message).toContain('cannot go from new to converted');
    expect((await handle.fetchHistory()).events?.length).toBe(historyBefore);
    expect(await counts(created.entityId)).toEqual({ audit: 1, timeline: 1, events: 1 });
  });

  test('a guard failure is a VALIDATION error and changes nothing', async () => {
    const { handle, created } = await startInquiry(platform.temporal);
    await transition(handle, 'qualified');
    await transition(handle, 'awaiting_client');
    const error = await rejection(transition(handle, 'awaiting_deposit'));
    expect(error).toMatchObject({ type: 'VALIDATION', details: { field: 'depositAmount' } });
    const badData = await rejection(transition(handle, 'lost', { data: { status: 'converted' } }));
    expect(badData).toMatchObject({ type: 'VALIDATION', details: { field: 'status' } });
    const [row] = await sql<{ status: string }>('SELECT status FROM inquiries WHERE id = ?', [created.entityId]);
    expect(row?.status).toBe('awaiting_client');
  });

  test('a repeated transition id returns the first result and writes nothing', async () => {
    const { handle, created } = await startInquiry(platform.temporal);
    const transitionId = randomUUID();
    const first = await transition(handle, 'qualified', { transitionId });
    // Same Update id: Temporal itself answers with the first outcome.
    expect(await transition(handle, 'qualified', { transitionId })).toEqual(first);
    // Same transition id in a new Update (e.g. a redelivered webhook): the lifecycle answers.
    const again = await handle.executeUpdate(transitionUpdate, { args: [{ to: 'qualified', transitionId, actor: { type: 'system' } }] });
    expect(again).toMatchObject({ from: 'new', to: 'qualified', at: first.at, duplicate: true });
    expect(await counts(created.entityId)).toEqual({ audit: 2, timeline: 2, events: 2 });
  });

  test('concurrent conflicting transitions: exactly one wins, the other is refused', async () => {
    const { handle, created } = await startInquiry(platform.temporal);
    const outcomes = await Promise.allSettled([transition(handle, 'qualified'), transition(handle, 'spam', { reason: 'bot' })]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const [row] = await sql<{ status: string }>('SELECT status FROM inquiries WHERE id = ?', [created.entityId]);
    expect(['qualified', 'spam']).toContain(row?.status);
    expect(await counts(created.entityId)).toEqual({ audit: 2, timeline: 2, events: 2 });
  });

  test('assign, unassign and notes go through the workflow with audit entries', async () => {
    const { handle, created } = await startInquiry(platform.temporal);
    const assign = (assigneeId: string | null) => {
      const transitionId = randomUUID();
      return handle.executeUpdate(assignUpdate, { updateId: transitionId, args: [{ assigneeId, transitionId, actor: { type: 'system' } }] });
    };
    await assign(refs.operator_id);
    expect((await sql<{ assigned_to: string }>('SELECT assigned_to FROM inquiries WHERE id = ?', [created.entityId]))[0]?.assigned_to).toBe(refs.operator_id);
    expect((await handle.describe()).typedSearchAttributes.get(SA_ASSIGNEE)).toBe(refs.operator_id);
    const unknownUser = await rejection(assign(randomUUID()));
    expect(unknownUser).toMatchObject({ type: 'VALIDATION', details: { field: 'assigneeId' } });
    await assign(null);
    const noteId = randomUUID();
    await handle.executeUpdate(addNoteUpdate, { updateId: noteId, args: [{ text: 'Client prefers WhatsApp.', transitionId: noteId, actor: { type: 'system' } }] });
    const actions = await sql<{ action: string }>('SELECT action FROM audit_log WHERE entity_id = ? ORDER BY created_at', [created.entityId]);
    expect(actions.map((a) => a.action)).toEqual(['CREATE', 'ASSIGN', 'ASSIGN', 'NOTE']);
    expect((await sql<{ assigned_to: string | null }>('SELECT assigned_to FROM inquiries WHERE id = ?', [created.entityId]))[0]?.assigned_to).toBeNull();
  });

  test('convertToBooking starts the booking lifecycle, links both, and only then marks the inquiry converted', async () => {
    const { handle, created } = await startInquiry(platform.temporal, { clientName: 'James Carter' });
    await transition(handle, 'qualified');
    await transition(handle, 'awaiting_client');
    await transition(handle, 'awaiting_deposit', { data: { depositAmount: '150.00' } });
    const draft = bookingDraft(refs, 3 * 24 * 3600_000);
    const transitionId = randomUUID();
    const request = { booking: { modelId: draft.modelId, locationId: draft.locationId, startAt: draft.startAt, endAt: draft.endAt, priceTotal: '600.00' }, transitionId, actor: { type: 'system' as const } };
    const result = await handle.executeUpdate(convertToBookingUpdate, { updateId: transitionId, args: [request] });
    expect(result.bookingRef).toMatch(/^B-\d+$/);
    const [inquiry] = await sql<{ status: string; booking_id: string }>('SELECT status, booking_id FROM inquiries WHERE id = ?', [created.entityId]);
    expect(inquiry).toEqual({ status: 'converted', booking_id: result.bookingId });
    const [booking] = await sql<{ status: string; inquiry_id: string; ref: string }>('SELECT status, inquiry_id, ref FROM bookings WHERE id = ?', [result.bookingId]);
    expect(booking).toEqual({ status: 'draft', inquiry_id: created.entityId, ref: result.bookingRef });
    const bookingState = await platform.temporal.workflow.getHandle(result.bookingWorkflowId).query(lifecycleStateQuery);
    expect(bookingState).toMatchObject({ entityType: 'booking', status: 'draft', ref: result.bookingRef });
    // The child lifecycle has the lifecycles' short workflow-task timeout too (fast recovery after a worker dies).
    const described = await platform.temporal.workflow.getHandle(result.bookingWorkflowId).describe();
    expect(Number(described.raw.executionConfig?.defaultWorkflowTaskTimeout?.seconds)).toBe(2);
    // A retry of the same conversion changes nothing.
    const again = await handle.executeUpdate(convertToBookingUpdate, { updateId: `${transitionId}-retry`, args: [request] });
    expect(again).toMatchObject({ bookingId: result.bookingId, duplicate: true });
    expect((await sql<{ n: string }>('SELECT count(*) AS n FROM bookings WHERE inquiry_id = ?', [created.entityId]))[0]?.n).toBe('1');
    // A converted inquiry is final: its only timer is the workflow closing.
    expect((await handle.query(upcomingTimersQuery)).map((t) => t.name)).toEqual(['close']);
  });
});

describe('booking lifecycle', () => {
  test('draft → pending holds the booking (expiry timer), confirmation swaps it for approaching / start / end', async () => {
    const draft = bookingDraft(await withFreshModel(platform.orm, refs), 2 * 24 * 3600_000);
    const { handle, created } = await startBooking(platform.temporal, draft, { holdMinutes: 90 });
    expect(created.status).toBe('draft');
    await transition(handle, 'pending');
    const held = await handle.query(upcomingTimersQuery);
    expect(held.map((t) => t.name)).toEqual(['expiry']);
    const [row] = await sql<{ expires_at: string }>('SELECT expires_at FROM bookings WHERE id = ?', [draft.id]);
    expect(new Date(row!.expires_at).toISOString()).toBe(held[0]!.at);

    expect(await rejection(transition(handle, 'deposit_required'))).toMatchObject({ type: 'VALIDATION', details: { field: 'depositRequired' } });
    await transition(handle, 'deposit_required', { data: { depositRequired: '100.00' } });
    await transition(handle, 'confirmed');
    const timers = await handle.query(upcomingTimersQuery);
    const start = Date.parse(draft.startAt);
    expect(timers.map((t) => [t.name, Date.parse(t.at)])).toEqual([
      ['approaching', start - 30 * 60_000], ['start', start], ['end', Date.parse(draft.endAt)],
    ]);

    const moved = new Date(start + 3600_000).toISOString();
    const movedEnd = new Date(start + 3 * 3600_000).toISOString();
    const id = randomUUID();
    await handle.executeUpdate(rescheduleUpdate, { updateId: id, args: [{ startAt: moved, endAt: movedEnd, transitionId: id, actor: { type: 'system' } }] });
    const reset = await handle.query(upcomingTimersQuery);
    expect(reset.map((t) => t.at)).toEqual([new Date(Date.parse(moved) - 30 * 60_000).toISOString(), moved, movedEnd]);
    const [rescheduled] = await sql<{ start_at: string; status: string }>('SELECT start_at, status FROM bookings WHERE id = ?', [draft.id]);
    expect({ ...rescheduled, start_at: new Date(rescheduled!.start_at).toISOString() }).toEqual({ start_at: moved, status: 'confirmed' });
    const timeline = await sql<{ event_type: string }>('SELECT event_type FROM booking_timeline WHERE booking_id = ? ORDER BY created_at', [draft.id]);
    expect(timeline.map((t) => t.event_type)).toEqual(['booking.created', 'booking.status_changed', 'booking.status_changed', 'booking.status_changed', 'booking.rescheduled']);
  });

  test('a booking referring to a client that does not exist is refused at creation', async () => {
    const draft = bookingDraft({ ...refs, client_id: randomUUID() }, 3600_000);
    const failure = await startBooking(platform.temporal, draft).then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((failure as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'VALIDATION', message: expect.stringMatching(/No such client/) });
    expect(await sql('SELECT 1 FROM bookings WHERE id = ?', [draft.id])).toEqual([]);
  });
});

describe('task lifecycle', () => {
  test('gets its SLA from sla_policies; reassignment restarts the clock; completion ends the timers', async () => {
    const { handle, created } = await startTask(platform.temporal, { entityId: randomUUID(), type: 'confirm_booking', priority: 'high' });
    opened.push(created.entityId);
    const [raw] = await sql<Record<string, string>>('SELECT created_at, sla_deadline_at, sla_warning_at FROM tasks WHERE id = ?', [created.entityId]);
    const task = { created_at: new Date(raw!.created_at!), sla_deadline_at: new Date(raw!.sla_deadline_at!), sla_warning_at: new Date(raw!.sla_warning_at!) };
    expect(task.sla_deadline_at.getTime() - task.created_at.getTime()).toBe(15 * 60_000);
    expect(task.sla_warning_at.getTime() - task.created_at.getTime()).toBe(12 * 60_000);
    const timers = await handle.query(upcomingTimersQuery);
    expect(timers.map((t) => [t.name, t.at])).toEqual([['sla_warning', task.sla_warning_at.toISOString()], ['sla_breach', task.sla_deadline_at.toISOString()]]);

    await new Promise((r) => setTimeout(r, 20));
    const id = randomUUID();
    await handle.executeUpdate(assignUpdate, { updateId: id, args: [{ assigneeId: refs.operator_id, transitionId: id, actor: { type: 'system' } }] });
    const [reassigned] = await sql<{ sla_deadline_at: string }>('SELECT sla_deadline_at FROM tasks WHERE id = ?', [created.entityId]);
    const newDeadline = new Date(reassigned!.sla_deadline_at);
    expect(newDeadline.getTime()).toBeGreaterThan(task.sla_deadline_at.getTime());
    expect((await handle.query(upcomingTimersQuery)).find((t) => t.name === 'sla_breach')?.at).toBe(newDeadline.toISOString());

    await transition(handle, 'in_progress');
    await transition(handle, 'done');
    const [done] = await sql<{ status: string; completed_at: string | null }>('SELECT status, completed_at FROM tasks WHERE id = ?', [created.entityId]);
    expect(done?.status).toBe('done');
    expect(done?.completed_at).not.toBeNull();
    expect((await handle.query(upcomingTimersQuery)).map((t) => t.name)).toEqual(['close']);
  });
});

describe('continue-as-new', () => {
  test('carries status, pending timers and applied transition ids into the next run', async () => {
    const { handle, created } = await startInquiry(platform.temporal, {}, { maxChangesPerRun: 3 });
    const firstRun = (await handle.describe()).runId;
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    await transition(handle, 'qualified', { transitionId: ids[0] });
    await transition(handle, 'awaiting_client', { transitionId: ids[1] });
    await transition(handle, 'awaiting_deposit', { transitionId: ids[2], data: { depositAmount: '80.00' } });
    const timersBefore = await handle.query(upcomingTimersQuery);
    // The third change ends the run; the next run continues with the same state.
    let runId = firstRun;
    for (let i = 0; i < 50 && runId === firstRun; i++) {
      await new Promise((r) => setTimeout(r, 100));
      runId = (await handle.describe()).runId;
    }
    expect(runId).not.toBe(firstRun);
    expect(await handle.query(lifecycleStateQuery)).toMatchObject({ status: 'awaiting_deposit', runTransitions: 0 });
    expect(await handle.query(upcomingTimersQuery)).toEqual(timersBefore);
    // A transition id from the previous run is still recognised: nothing is applied twice.
    const replayed = await transition(handle, 'qualified', { transitionId: ids[0] });
    expect(replayed).toMatchObject({ to: 'qualified', duplicate: true });
    expect(await counts(created.entityId)).toEqual({ audit: 4, timeline: 4, events: 4 });
  });
});
