/**
 * No double booking (issue 14, item 1), on the real API, worker, Temporal and PostgreSQL: a
 * booking that would hold a model's time another booking holds is refused with CONFLICT naming
 * that booking (by the service before anything reaches the workflow's history, or by the
 * database's exclusion constraint when requests race), buffers and travel time count as held
 * time, and 50 concurrent attempts on one model leave exactly one holder.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { transition } from '../services/lifecycle-commands.ts';
import { bookingWorkflowId } from '../workflows/booking/messages.ts';
import { demoReferences } from './support/lifecycles.ts';
import { freshModel } from './support/models.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

let platform: TestPlatform;
let refs: Awaited<ReturnType<typeof demoReferences>>;
beforeAll(async () => {
  platform = await startTestPlatform();
  refs = await demoReferences(platform.orm);
});
afterAll(async () => {
  await platform?.stop();
});

const HOUR = 3600_000;
const CREATE = 'mutation ($input: CreateBookingInput!) { createBooking(input: $input) { booking { id ref } } }';
const CHANGE = 'mutation ($id: ID!, $to: String!) { changeStatus(input: { entity: { type: booking, id: $id }, to: $to }) { from to } }';

/** A draft booking of `modelId` from `start` for `hours`. */
async function draft(modelId: string, start: Date, hours = 2, locationId = refs.location_id): Promise<{ id: string; ref: string }> {
  const created = await platform.gql<{ createBooking: { booking: { id: string; ref: string } } }>(CREATE, {
    input: { clientId: refs.client_id, modelId, locationId, startAt: start.toISOString(), endAt: new Date(start.getTime() + hours * HOUR).toISOString(), priceTotal: '500.00' },
  });
  if (!created.data) throw new Error(JSON.stringify(created.errors));
  return created.data.createBooking.booking;
}

const toPending = (id: string) => platform.gql<{ changeStatus: { to: string } }>(CHANGE, { id, to: 'pending' });

/** Accepted `transition` updates in the booking workflow's history. */
async function acceptedTransitions(bookingId: string): Promise<number> {
  const history = await platform.temporal.workflow.getHandle(bookingWorkflowId(bookingId)).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'transition').length;
}

/** Pairs of holding bookings of the model whose held times overlap: must always be 0. */
async function doubleBookings(modelId: string): Promise<number> {
  const [row] = await platform.sql<{ n: number }>(`
    SELECT count(*)::int AS n FROM bookings a JOIN bookings b ON a.model_id = b.model_id AND a.id < b.id
     WHERE a.model_id = ? AND a.status IN ('pending', 'deposit_required', 'confirmed', 'in_progress') AND b.status IN ('pending', 'deposit_required', 'confirmed', 'in_progress')
       AND tstzrange(a.start_at, a.held_until) && tstzrange(b.start_at, b.held_until)`, [modelId]);
  return row!.n;
}

const start = (daysAhead: number, hour: number) => new Date(Date.UTC(2031, 0, 1 + daysAhead, hour));

describe('a second booking of the same model at the same time', () => {
  test('is refused with CONFLICT naming the booking that holds the time, before anything reaches its history', async () => {
    const model = await freshModel(platform);
    const first = await draft(model.id, start(0, 18));
    expect((await toPending(first.id)).errors).toBeUndefined();
    const second = await draft(model.id, start(0, 19));
    const refused = await toPending(second.id);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'double_booking', conflictingBookingId: first.id, conflictingBookingRef: first.ref });
    expect(refused.errors?.[0]?.message).toContain(first.ref);
    expect(await platform.sql('SELECT status FROM bookings WHERE id = ?', [second.id])).toEqual([{ status: 'draft' }]);
    expect(await acceptedTransitions(second.id)).toBe(0);
    // Another model at that time, and this model once the first lets go, are free.
    const other = await freshModel(platform);
    expect((await toPending((await draft(other.id, start(0, 19))).id)).errors).toBeUndefined();
    expect((await platform.gql(CHANGE, { id: first.id, to: 'cancelled' })).errors).toBeUndefined();
    expect((await toPending(second.id)).errors).toBeUndefined();
  });

  test('the model buffer and the location travel time are held too; a draft holds nothing', async () => {
    const model = await freshModel(platform, { bufferMinutes: 30 });
    const [location] = await platform.sql<{ id: string }>(`INSERT INTO locations (title, slug, travel_minutes) VALUES ('Far away', ?, 15) RETURNING id`, [`far-${randomUUID()}`]);
    const first = await draft(model.id, start(1, 18), 2, location!.id);
    expect((await toPending(first.id)).errors).toBeUndefined();
    const [held] = await platform.sql<{ held_until: string }>('SELECT held_until FROM bookings WHERE id = ?', [first.id]);
    expect(new Date(held!.held_until)).toEqual(new Date(start(1, 20).getTime() + 45 * 60_000));
    const tooSoon = await draft(model.id, new Date(start(1, 20).getTime() + 40 * 60_000), 1);
    expect((await toPending(tooSoon.id)).errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', conflictingBookingRef: first.ref });
    const justAfter = await draft(model.id, new Date(start(1, 20).getTime() + 45 * 60_000), 1);
    expect((await toPending(justAfter.id)).errors).toBeUndefined();
    // Two drafts may overlap anything.
    await draft(model.id, start(1, 18));
  });

  test('moving a held booking onto another is refused and leaves it where it was', async () => {
    const model = await freshModel(platform);
    const first = await draft(model.id, start(2, 10));
    const second = await draft(model.id, start(2, 14));
    for (const b of [first, second]) expect((await toPending(b.id)).errors).toBeUndefined();
    const moved = await platform.gql('mutation ($id: ID!, $s: DateTime!, $e: DateTime!) { rescheduleBooking(id: $id, startAt: $s, endAt: $e) { booking { id } } }', {
      id: second.id, s: start(2, 11).toISOString(), e: start(2, 13).toISOString(),
    });
    expect(moved.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', conflictingBookingRef: first.ref });
    const [row] = await platform.sql<{ start_at: string }>('SELECT start_at FROM bookings WHERE id = ?', [second.id]);
    expect(new Date(row!.start_at)).toEqual(start(2, 14));
  });
});

describe('concurrent attempts', () => {
  const ATTEMPTS = 50;
  // 50 drafts and 50 transitions at once: a minute or more on a loaded 2-core machine.

  async function drafts(modelId: string, day: number) {
    const made: Array<{ id: string; ref: string }> = [];
    // All overlapping one another: each starts a minute after the one before and lasts 2 hours.
    for (let i = 0; i < ATTEMPTS; i += 10) {
      made.push(...(await Promise.all(Array.from({ length: 10 }, (_, k) => draft(modelId, new Date(start(day, 9).getTime() + (i + k) * 60_000))))));
    }
    return made;
  }

  const holding = async (modelId: string) =>
    (await platform.sql<{ n: number }>(`SELECT count(*)::int AS n FROM bookings WHERE model_id = ? AND status IN ('pending', 'deposit_required', 'confirmed', 'in_progress')`, [modelId]))[0]!.n;

  test(`${ATTEMPTS} parallel changeStatus → pending through the API: exactly one holds the model, the rest get CONFLICT`, async () => {
    const model = await freshModel(platform);
    const made = await drafts(model.id, 3);
    const results = await Promise.all(made.map((b) => toPending(b.id)));
    const won = results.filter((r) => !r.errors);
    const conflicts = results.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT');
    expect(won).toHaveLength(1);
    expect(conflicts).toHaveLength(ATTEMPTS - 1);
    const winner = made[results.findIndex((r) => !r.errors)]!;
    for (const c of conflicts) expect(c.errors?.[0]?.extensions?.conflictingBookingRef).toBe(winner.ref);
    expect(await holding(model.id)).toBe(1);
    expect(await doubleBookings(model.id)).toBe(0);
  }, 180_000);

  test(`${ATTEMPTS} parallel transitions sent straight to the workflows (no service check): the database refuses all but one`, async () => {
    const model = await freshModel(platform);
    const made = await drafts(model.id, 4);
    const results = await Promise.allSettled(made.map((b) =>
      transition(platform.temporal.workflow.getHandle(bookingWorkflowId(b.id)), 'pending', { actor: { type: 'system' } })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(ATTEMPTS - 1);
    for (const r of refused) expect((r.reason as { cause?: { type?: string } }).cause?.type).toBe('CONFLICT');
    expect(await holding(model.id)).toBe(1);
    expect(await doubleBookings(model.id)).toBe(0);
    // The refused ones stay drafts, in the workflow as in the row.
    expect((await platform.sql<{ n: number }>(`SELECT count(*)::int AS n FROM bookings WHERE model_id = ? AND status = 'draft'`, [model.id]))[0]!.n).toBe(ATTEMPTS - 1);
  }, 180_000);
});
