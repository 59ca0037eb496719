/**
 * Bookings and the inquiry operations around them, through the real API, worker and database:
 * creation and conversion start workflows, a time change is the workflow's reschedule Update,
 * edits outside the lifecycle are audited, finance fields and contacts follow the viewer's
 * permissions, and operators see only what is theirs or unassigned.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { assign } from '../services/lifecycle-commands.ts';
import { bookingWorkflowId } from '../workflows/booking/messages.ts';
import { lifecycleStateQuery } from '../workflows/lifecycle/messages.ts';
import { bookingInput, freshBooking, inquiryAwaitingDeposit, pendingBooking } from './operations/bookings.ts';
import { freshInquiry } from './support/role-matrix.ts';
import { freshModel } from './support/models.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

const auditActions = async (id: string) => (await platform.sql<{ action: string }>('SELECT action FROM audit_log WHERE entity_id = ? ORDER BY created_at, id', [id])).map((r) => r.action);

const BOOKING_FIELDS = 'id ref status inquiryId clientId clientName modelId modelName locationId locationTitle startAt endAt priceTotal currency depositRequired paymentStatus assigneeId notesInternal services { id slug } workflowId';
type BookingView = Record<string, unknown> & { id: string; ref: string; status: string; startAt: string; endAt: string; priceTotal: string | null; services: Array<{ slug: string }> };
const GET = `query ($id: ID!) { booking(id: $id) { ${BOOKING_FIELDS} timeline(first: 20) { edges { node { eventType payload } } } } }`;
type Get = { booking: (BookingView & { timeline: { edges: Array<{ node: { eventType: string; payload: string | null } }> } }) | null };

async function assignBooking(id: string, email: string) {
  await assign(platform.temporal.workflow.getHandle(bookingWorkflowId(id)), await platform.userId(email), { actor: { type: 'system' } });
}

describe('createBooking', () => {
  test('starts the booking workflow, which writes the row (draft), its audit entry and timeline', async () => {
    const [service] = await platform.sql<{ id: string }>(`SELECT id FROM services WHERE slug = 'dinner-companion'`);
    const input = { ...(await bookingInput(platform)), serviceIds: [service!.id], depositRequired: '100.00', notesInternal: 'VIP: quiet table' };
    const created = await platform.gql<{ createBooking: { booking: BookingView } }>(`mutation ($input: CreateBookingInput!) { createBooking(input: $input) { booking { ${BOOKING_FIELDS} } } }`, { input });
    expect(created.errors).toBeUndefined();
    const booking = created.data!.createBooking.booking;
    expect(booking).toMatchObject({
      status: 'draft', clientName: 'James Carter', modelName: 'Sophia', priceTotal: '550.00', depositRequired: '100.00', currency: 'GBP',
      notesInternal: 'VIP: quiet table', services: [{ slug: 'dinner-companion' }], workflowId: `booking:${booking.id}`, startAt: input.startAt,
    });
    expect(booking.ref).toMatch(/^B-\d+$/);
    const [row] = await platform.sql<{ status: string; price_total: string }>('SELECT status, price_total FROM bookings WHERE id = ?', [booking.id]);
    expect(row).toEqual({ status: 'draft', price_total: '550.00' });
    expect(await auditActions(booking.id)).toEqual(['CREATE']);
    const description = await platform.temporal.workflow.getHandle(bookingWorkflowId(booking.id)).describe();
    expect(description.status.name).toBe('RUNNING');
    const state = await platform.temporal.workflow.getHandle(bookingWorkflowId(booking.id)).query(lifecycleStateQuery);
    expect(state).toMatchObject({ status: 'draft', ref: booking.ref });
    const get = await platform.gql<Get>(GET, { id: booking.id });
    expect(get.data?.booking?.timeline.edges.map((e) => e.node.eventType)).toEqual(['booking.created']);
  });

  test('bad input is VALIDATION naming the field and creates nothing', async () => {
    // On a model of its own: "nothing" is counted about it (and the made-up model), not the whole table.
    const input = { ...(await bookingInput(platform)), modelId: (await freshModel(platform)).id };
    const missingModel = randomUUID();
    const count = async () => (await platform.sql<{ n: string }>('SELECT count(*) AS n FROM bookings WHERE model_id IN (?, ?)', [input.modelId, missingModel]))[0]!.n;
    const CREATE = 'mutation ($input: CreateBookingInput!) { createBooking(input: $input) { booking { id } } }';
    const backwards = await platform.gql(CREATE, { input: { ...input, endAt: input.startAt, startAt: input.endAt } });
    expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'endAt' });
    const noModel = await platform.gql(CREATE, { input: { ...input, modelId: missingModel } });
    expect(noModel.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'modelId' });
    const price = await platform.gql(CREATE, { input: { ...input, priceTotal: '-5' } });
    expect(price.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'priceTotal' });
    expect(await count()).toBe('0');
    // The same input, valid, is counted.
    expect((await platform.gql(CREATE, { input })).errors).toBeUndefined();
    expect(await count()).toBe('1');
  });
});

describe('bookings list', () => {
  test('filters by status, model, client, location, assignee, start range and ref; pages with cursors', async () => {
    const start = Date.now() + 400 * 24 * 3600_000 + Math.floor(Math.random() * 1e9);
    const at = (offsetHours: number) => new Date(start + offsetHours * 3600_000).toISOString();
    // A model of its own, filtered on throughout: other files book the demo model far ahead too
    // (test/support/stripe.ts uniqueSlot), and their bookings stay.
    const modelId = (await freshModel(platform)).id;
    const ids: string[] = [];
    for (const offset of [0, 5, 10]) ids.push(await freshBooking(platform, { modelId, startAt: at(offset), endAt: at(offset + 2) }));
    await assignBooking(ids[2]!, 'lukas@virel.local');
    const refs = await platform.sql<{ id: string; ref: string }>('SELECT id, ref FROM bookings WHERE id IN (?, ?, ?)', ids);
    const LIST = `query ($first: Int, $after: String, $from: DateTime, $to: DateTime, $status: [BookingStatus!], $assignee: String, $q: String, $modelId: ID) {
      bookings(first: $first, after: $after, startFrom: $from, startTo: $to, status: $status, assignee: $assignee, q: $q, modelId: $modelId) {
        edges { cursor node { id } } pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } }`;
    type PageInfo = { hasPreviousPage: boolean; hasNextPage: boolean; startCursor: string | null; endCursor: string };
    type List = { bookings: { edges: Array<{ cursor: string; node: { id: string } }>; pageInfo: PageInfo } };
    const list = async (vars: Record<string, unknown>, headers?: Record<string, string>) =>
      (await platform.gql<List>(LIST, { from: at(-1), to: at(20), modelId, ...vars }, headers)).data!.bookings;

    expect((await list({})).edges.map((e) => e.node.id)).toEqual([...ids].reverse());
    const page1 = await list({ first: 2 });
    expect(page1.pageInfo).toEqual({ hasPreviousPage: false, hasNextPage: true, startCursor: page1.edges[0]!.cursor, endCursor: page1.edges[1]!.cursor });
    const page2 = await list({ first: 2, after: page1.pageInfo.endCursor });
    expect([...page1.edges, ...page2.edges].map((e) => e.node.id)).toEqual([...ids].reverse());
    // Relay PageInfo: a page after a cursor has items before it; its start and end are its own edges.
    expect(page2.pageInfo).toEqual({ hasPreviousPage: true, hasNextPage: false, startCursor: page2.edges[0]!.cursor, endCursor: page2.edges[0]!.cursor });
    expect((await list({ first: 2, q: 'no booking matches this' })).pageInfo).toEqual({ hasPreviousPage: false, hasNextPage: false, startCursor: null, endCursor: null });
    expect((await list({ from: at(4), to: at(6) })).edges.map((e) => e.node.id)).toEqual([ids[1]]);
    expect((await list({ assignee: 'unassigned' })).edges.map((e) => e.node.id)).toEqual([ids[1], ids[0]]);
    expect((await list({ assignee: 'me' }, await platform.as('OPERATOR:lukas'))).edges.map((e) => e.node.id)).toEqual([ids[2]]);
    expect((await list({ status: ['confirmed'] })).edges).toEqual([]);
    const ref = refs.find((r) => r.id === ids[0])!.ref;
    expect((await list({ q: `#${ref}` })).edges.map((e) => e.node.id)).toEqual([ids[0]]);
    expect((await list({ modelId: randomUUID() })).edges).toEqual([]);
    const bad = await platform.gql(LIST, { from: at(5), to: at(1) });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'startTo' });
  });

  test('operators see only their own or unassigned bookings, by list and by id; finance fields hidden without payments.read', async () => {
    const mine = await freshBooking(platform);
    const sashas = await freshBooking(platform);
    await assignBooking(mine, 'lukas@virel.local');
    await assignBooking(sashas, 'sasha@virel.local');
    const lukas = await platform.as('OPERATOR:lukas');
    const list = await platform.gql<{ bookings: { edges: Array<{ node: { id: string; priceTotal: string | null; depositStatus: string | null } }> } }>(
      '{ bookings(first: 100) { edges { node { id priceTotal depositStatus } } } }', undefined, lukas);
    const ids = list.data!.bookings.edges.map((e) => e.node.id);
    expect(ids).toContain(mine);
    expect(ids).not.toContain(sashas);
    expect(list.data!.bookings.edges.every((e) => e.node.priceTotal === null && e.node.depositStatus === null)).toBe(true);
    expect((await platform.gql<Get>(GET, { id: sashas }, lukas)).data?.booking).toBeNull();
    const denied = await platform.gql('mutation ($id: ID!) { updateBooking(id: $id, input: { notesInternal: "x" }) { booking { id } } }', { id: sashas }, lukas);
    expect(denied.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const finance = await platform.gql<Get>(GET, { id: sashas }, await platform.as('FINANCE'));
    expect(finance.data?.booking?.priceTotal).toBe('550.00');
    // The timeline's payloads lose their amounts for the operator, too.
    const timeline = await platform.gql<Get>(GET, { id: mine }, lukas);
    expect(timeline.data?.booking?.timeline.edges.some((e) => (e.node.payload ?? '').includes('"550.00"'))).toBe(false);
    expect((await platform.gql<Get>(GET, { id: mine })).data?.booking?.timeline.edges.some((e) => (e.node.payload ?? '').includes('"550.00"'))).toBe(true);
  });
});

describe('reschedule, edits and services', () => {
  test('rescheduleBooking is the workflow Update: row, workflow facts, audit and timeline move together', async () => {
    const id = await freshBooking(platform);
    const startAt = '2031-05-01T18:00:00.000Z';
    const endAt = '2031-05-01T21:00:00.000Z';
    const moved = await platform.gql<{ rescheduleBooking: { booking: BookingView } }>(
      `mutation ($id: ID!) { rescheduleBooking(id: $id, startAt: "${startAt}", endAt: "${endAt}", reason: "client asked") { booking { startAt endAt } } }`, { id });
    expect(moved.errors).toBeUndefined();
    expect(moved.data!.rescheduleBooking.booking).toEqual({ startAt, endAt });
    const state = await platform.temporal.workflow.getHandle(bookingWorkflowId(id)).query(lifecycleStateQuery);
    expect(state.facts).toMatchObject({ startAt, endAt });
    const [audit] = await platform.sql<{ action: string; after: { start_at: string }; metadata: { reason: string }; transition_id: string }>(
      `SELECT action, after, metadata, transition_id FROM audit_log WHERE entity_id = ? AND action = 'UPDATE'`, [id]);
    expect(audit).toMatchObject({ action: 'UPDATE', after: { start_at: startAt }, metadata: { reason: 'client asked' } });
    expect(audit!.transition_id).toBeTruthy();
    const get = await platform.gql<Get>(GET, { id });
    expect(get.data?.booking?.timeline.edges[0]?.node.eventType).toBe('booking.rescheduled');
  });

  test('updateBooking writes notes itself (audited) and sends a time change to the workflow; a finished booking cannot move', async () => {
    const id = await freshBooking(platform);
    const UPDATE = 'mutation ($id: ID!, $input: UpdateBookingInput!) { updateBooking(id: $id, input: $input) { booking { notesInternal startAt endAt } } }';
    const updated = await platform.gql<{ updateBooking: { booking: BookingView } }>(UPDATE, { id, input: { notesInternal: 'Arrives by car', startAt: '2031-06-01T18:00:00Z', endAt: '2031-06-01T20:00:00Z' } });
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateBooking.booking).toEqual({ notesInternal: 'Arrives by car', startAt: '2031-06-01T18:00:00.000Z', endAt: '2031-06-01T20:00:00.000Z' });
    expect(await auditActions(id)).toEqual(['CREATE', 'UPDATE', 'UPDATE']);
    // The notes edit is an event too (timelines, and a domain event for subscribers), beside the workflow's reschedule.
    const events = await platform.sql<{ event_type: string }>('SELECT event_type FROM domain_events WHERE entity_id = ? ORDER BY created_at, id', [id]);
    expect(events.map((e) => e.event_type).sort()).toEqual(['booking.created', 'booking.rescheduled', 'booking.updated']);
    const seedTimeline = await platform.sql<{ event_type: string }>(`SELECT event_type FROM booking_timeline WHERE booking_id = ? AND event_type = 'booking.updated'`, [id]);
    expect(seedTimeline).toHaveLength(1);
    const state = await platform.temporal.workflow.getHandle(bookingWorkflowId(id)).query(lifecycleStateQuery);
    expect(state.facts).toMatchObject({ startAt: '2031-06-01T18:00:00.000Z' });

    await platform.gql('mutation ($id: ID!) { changeStatus(input: { entity: { type: booking, id: $id }, to: "cancelled" }) { to } }', { id });
    const refused = await platform.gql(UPDATE, { id, input: { notesInternal: 'not saved', startAt: '2031-07-01T18:00:00Z', endAt: '2031-07-01T20:00:00Z' } });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'startAt' });
    const [row] = await platform.sql<{ notes_internal: string; start_at: Date }>('SELECT notes_internal, start_at FROM bookings WHERE id = ?', [id]);
    expect(row!.notes_internal).toBe('Arrives by car');
    expect(new Date(row!.start_at).toISOString()).toBe('2031-06-01T18:00:00.000Z');
    const backwards = await platform.gql(UPDATE, { id, input: { startAt: '2031-07-01T18:00:00Z', endAt: '2031-07-01T10:00:00Z' } });
    expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'endAt' });
  });

  test('services are added and removed with audit entries; unknown bookings are NOT_FOUND', async () => {
    const id = await freshBooking(platform);
    const [service] = await platform.sql<{ id: string }>(`SELECT id FROM services WHERE slug = 'social-event'`);
    const ADD = 'mutation ($b: ID!, $s: ID!) { addBookingService(bookingId: $b, serviceId: $s) { booking { services { slug } } } }';
    const REMOVE = 'mutation ($b: ID!, $s: ID!) { removeBookingService(bookingId: $b, serviceId: $s) { booking { services { slug } } } }';
    expect((await platform.gql<{ addBookingService: { booking: BookingView } }>(ADD, { b: id, s: service!.id })).data?.addBookingService.booking.services).toEqual([{ slug: 'social-event' }]);
    expect((await platform.gql<{ addBookingService: { booking: BookingView } }>(ADD, { b: id, s: service!.id })).data?.addBookingService.booking.services).toEqual([{ slug: 'social-event' }]);
    expect((await platform.gql<{ removeBookingService: { booking: BookingView } }>(REMOVE, { b: id, s: service!.id })).data?.removeBookingService.booking.services).toEqual([]);
    expect(await auditActions(id)).toEqual(['CREATE', 'UPDATE', 'UPDATE']);
    expect((await platform.gql(ADD, { b: randomUUID(), s: service!.id })).errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    expect((await platform.gql(ADD, { b: id, s: randomUUID() })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'serviceId' });
    expect((await platform.gql('mutation { rescheduleBooking(id: "nope", startAt: "2031-01-01T10:00:00Z", endAt: "2031-01-01T11:00:00Z") { booking { id } } }')).errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('amending terms', () => {
  const UPDATE = `mutation ($id: ID!, $input: UpdateBookingInput!) { updateBooking(id: $id, input: $input) { booking { ${BOOKING_FIELDS} } } }`;
  type Updated = { updateBooking: { booking: BookingView } };

  test('model, location and price change through the workflow (amend Update): row, audit, timeline and workflow facts agree', async () => {
    const id = await freshBooking(platform);
    const [other] = await platform.sql<{ model_id: string; location_id: string }>(
      `SELECT (SELECT id FROM models WHERE id <> (SELECT model_id FROM bookings WHERE id = ?) ORDER BY slug LIMIT 1) AS model_id,
              (SELECT id FROM locations WHERE id <> (SELECT location_id FROM bookings WHERE id = ?) ORDER BY title LIMIT 1) AS location_id`, [id, id]);
    const changed = await platform.gql<Updated>(UPDATE, { id, input: { modelId: other!.model_id, locationId: other!.location_id, priceTotal: '620.00', depositRequired: '150.00', reason: 'client asked' } });
    expect(changed.errors).toBeUndefined();
    expect(changed.data!.updateBooking.booking).toMatchObject({ modelId: other!.model_id, locationId: other!.location_id, priceTotal: '620.00', depositRequired: '150.00' });
    const [audit] = await platform.sql<{ action: string; after: Record<string, unknown>; transition_id: string }>(
      `SELECT action, after, transition_id FROM audit_log WHERE entity_id = ? AND action = 'UPDATE' ORDER BY created_at DESC LIMIT 1`, [id]);
    expect(audit?.after).toMatchObject({ model_id: other!.model_id, price_total: '620.00', deposit_required: '150.00' });
    const state = await platform.temporal.workflow.getHandle(bookingWorkflowId(id)).query(lifecycleStateQuery);
    expect(state.facts).toMatchObject({ modelId: other!.model_id, locationId: other!.location_id, priceTotal: '620.00', depositRequired: '150.00' });
    const timeline = await platform.gql<Get>(GET, { id });
    expect(timeline.data?.booking?.timeline.edges.map((e) => e.node.eventType)).toContain('booking.amended');
    // Clearing the deposit is explicit.
    const cleared = await platform.gql<Updated>(UPDATE, { id, input: { depositRequired: null } });
    expect(cleared.data?.updateBooking.booking.depositRequired).toBeNull();
  });

  test('an unknown model, a bad amount or a finished booking is refused and changes nothing', async () => {
    const id = await freshBooking(platform);
    const before = await auditActions(id);
    const unknown = await platform.gql(UPDATE, { id, input: { modelId: randomUUID() } });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'modelId' });
    const amount = await platform.gql(UPDATE, { id, input: { priceTotal: '12,50' } });
    expect(amount.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'priceTotal' });
    expect(await auditActions(id)).toEqual(before);
    const cancelled = await platform.gql(`mutation ($id: ID!) { changeStatus(input: { entity: { type: booking, id: $id }, to: "cancelled", reason: "test" }) { to } }`, { id });
    expect(cancelled.errors).toBeUndefined();
    const late = await platform.gql(UPDATE, { id, input: { priceTotal: '700.00' } });
    expect(late.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'status' });
    const [row] = await platform.sql<{ price_total: string }>('SELECT price_total FROM bookings WHERE id = ?', [id]);
    expect(row?.price_total).toBe('550.00');
  });
});

describe('confirming the client\'s arrival', () => {
  const CONFIRM = 'mutation ($id: ID!, $note: String) { confirmClientArrival(id: $id, note: $note) { booking { id clientConfirmedArrival } } }';
  type Confirmed = { confirmClientArrival: { booking: { id: string; clientConfirmedArrival: boolean } } };
  const arrivalOf = async (id: string) => (await platform.sql<{ client_confirmed_arrival: boolean }>('SELECT client_confirmed_arrival FROM bookings WHERE id = ?', [id]))[0]?.client_confirmed_arrival;
  const confirmations = (id: string) => platform.sql<{ actor_user_id: string | null; metadata: Record<string, unknown> | null; after: Record<string, unknown> }>(
    `SELECT actor_user_id, metadata, after FROM audit_log WHERE entity_id = ? AND after->>'client_confirmed_arrival' IS NOT NULL`, [id]);

  test('an operator confirms on an unassigned booking through its workflow: row, facts, audit, timeline and event; a repeat changes nothing', async () => {
    const id = await pendingBooking(platform);
    const lukas = await platform.as('OPERATOR:lukas');
    const key = { ...lukas, 'idempotency-key': `arrival-${randomUUID()}` };
    const confirmed = await platform.gql<Confirmed>(CONFIRM, { id, note: 'client called back' }, key);
    expect(confirmed.errors).toBeUndefined();
    expect(confirmed.data!.confirmClientArrival.booking).toEqual({ id, clientConfirmedArrival: true });
    expect(await arrivalOf(id)).toBe(true);
    // The lifecycle owns the fact: its booking.approaching event will say so.
    const state = await platform.temporal.workflow.getHandle(bookingWorkflowId(id)).query(lifecycleStateQuery);
    expect(state.facts).toMatchObject({ clientConfirmedArrival: true });
    expect(await confirmations(id)).toEqual([{ actor_user_id: await platform.userId('lukas@virel.local'), metadata: { note: 'client called back' }, after: { client_confirmed_arrival: true } }]);
    const timeline = await platform.gql<Get>(GET, { id });
    const line = timeline.data?.booking?.timeline.edges.find((e) => e.node.eventType === 'booking.arrival_confirmed');
    expect(JSON.parse(line!.node.payload!)).toMatchObject({ note: 'client called back' });
    const events = await platform.sql<{ payload: Record<string, unknown> }>(`SELECT payload FROM domain_events WHERE entity_id = ? AND event_type = 'booking.arrival_confirmed'`, [id]);
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({ note: 'client called back', start_at: expect.any(String), ref: expect.stringMatching(/^B-\d+$/) });

    // The same Idempotency-Key returns the stored answer; a new request finds it confirmed already. Nothing recorded twice.
    expect((await platform.gql<Confirmed>(CONFIRM, { id, note: 'client called back' }, key)).data).toEqual(confirmed.data);
    expect((await platform.gql<Confirmed>(CONFIRM, { id }, await platform.as('OPS_MANAGER'))).data!.confirmClientArrival.booking.clientConfirmedArrival).toBe(true);
    expect(await confirmations(id)).toHaveLength(1);
    expect(await platform.sql(`SELECT 1 FROM domain_events WHERE entity_id = ? AND event_type = 'booking.arrival_confirmed'`, [id])).toHaveLength(1);
  });

  test('another operator\'s booking is NOT_FOUND; a draft or a cancelled booking, or a note too long, is VALIDATION; nothing changes', async () => {
    const theirs = await pendingBooking(platform);
    await assignBooking(theirs, 'sasha@virel.local');
    const other = await platform.gql(CONFIRM, { id: theirs }, await platform.as('OPERATOR:lukas'));
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    // Sasha, the assignee, may; the manager may on anyone's.
    expect((await platform.gql(CONFIRM, { id: theirs }, await platform.as('OPERATOR:sasha'))).errors).toBeUndefined();

    const draft = await freshBooking(platform);
    const early = await platform.gql(CONFIRM, { id: draft });
    expect(early.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'status' });
    const cancelled = await pendingBooking(platform);
    expect((await platform.gql(`mutation ($id: ID!) { changeStatus(input: { entity: { type: booking, id: $id }, to: "cancelled", reason: "test" }) { to } }`, { id: cancelled })).errors).toBeUndefined();
    expect((await platform.gql(CONFIRM, { id: cancelled })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'status' });
    const pending = await pendingBooking(platform);
    expect((await platform.gql(CONFIRM, { id: pending, note: 'x'.repeat(501) })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'note' });
    for (const id of [draft, cancelled, pending]) {
      expect(await arrivalOf(id)).toBe(false);
      expect(await confirmations(id)).toEqual([]);
    }
  });
});

describe('inquiries: edit, match, convert', () => {
  const INQUIRY = 'query ($id: ID!) { inquiry(id: $id) { status subject clientEmail bookingId requestedLocationId requestedServiceIds matches { modelName score reason } } }';
  type InquiryView = { inquiry: { status: string; subject: string; clientEmail: string; bookingId: string | null; matches: Array<{ modelName: string; score: number; reason: string }> } };

  test('updateInquiry edits non-status fields with an audit entry; bad input and closed inquiries change nothing', async () => {
    const id = await freshInquiry(platform);
    const UPDATE = 'mutation ($id: ID!, $input: UpdateInquiryInput!) { updateInquiry(id: $id, input: $input) { inquiry { subject clientEmail priority } } }';
    const ok = await platform.gql<{ updateInquiry: { inquiry: { subject: string; clientEmail: string; priority: string } } }>(UPDATE, { id, input: { subject: 'Dinner, Friday 8pm', clientEmail: 'james.carter@example.com', priority: 'high' } });
    expect(ok.data?.updateInquiry.inquiry).toEqual({ subject: 'Dinner, Friday 8pm', clientEmail: 'james.carter@example.com', priority: 'high' });
    const [audit] = await platform.sql<{ after: Record<string, unknown> }>(`SELECT after FROM audit_log WHERE entity_id = ? AND action = 'UPDATE'`, [id]);
    expect(audit!.after).toMatchObject({ subject: 'Dinner, Friday 8pm', priority: 'high', client_email: 'james.carter@example.com' });
    // The operator sees the new email masked.
    expect((await platform.gql<InquiryView>(INQUIRY, { id }, await platform.as('OPERATOR'))).data?.inquiry.clientEmail).toBe('ja***@example.com');

    const bad = await platform.gql(UPDATE, { id, input: { clientEmail: 'not-an-email', subject: 'ignored' } });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'clientEmail' });
    await platform.gql('mutation ($id: ID!) { changeStatus(input: { entity: { type: inquiry, id: $id }, to: "spam", closedReason: "promotional" }) { to } }', { id });
    const closed = await platform.gql(UPDATE, { id, input: { subject: 'too late' } });
    expect(closed.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
    expect((await platform.gql<InquiryView>(INQUIRY, { id })).data?.inquiry.subject).toBe('Dinner, Friday 8pm');
  });

  test('matchInquiry scores active models by location, real availability, services, rating and history, with a reason per factor', async () => {
    const from = new Date(Date.UTC(2033, 0, 1) + Math.floor(Math.random() * 300) * 24 * 3600_000 + 18 * 3600_000);
    const to = new Date(from.getTime() + 2 * 3600_000);
    const models = await platform.sql<{ id: string; name: string }>('SELECT id, name FROM models');
    const modelId = (name: string) => models.find((m) => m.name === name)!.id;
    const [mayfair] = await platform.sql<{ id: string }>(`SELECT id FROM locations WHERE slug = 'mayfair'`);
    // Every demo model offers dinner-companion; none offers travel-companion.
    const services = await platform.sql<{ id: string }>(`SELECT id FROM services WHERE slug IN ('dinner-companion', 'travel-companion')`);
    // Sophia (Mayfair) is available then; Olivia has a tentative slot; Isabella is booked.
    await platform.sql(`INSERT INTO availability_slots (model_id, start_at, end_at, status) VALUES (?, ?, ?, 'available'), (?, ?, ?, 'tentative')`,
      [modelId('Sophia'), new Date(from.getTime() - 3600_000), new Date(to.getTime() + 3600_000), modelId('Olivia'), from, to]);
    const booked = await freshBooking(platform, { modelId: modelId('Isabella'), startAt: from.toISOString(), endAt: to.toISOString() });
    await platform.gql('mutation ($id: ID!) { changeStatus(input: { entity: { type: booking, id: $id }, to: "pending" }) { to } }', { id: booked });

    const id = await freshInquiry(platform);
    const nothing = await platform.gql('mutation ($id: ID!) { matchInquiry(id: $id) { matches { score } } }', { id });
    expect(nothing.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION' });
    await platform.gql('mutation ($id: ID!, $input: UpdateInquiryInput!) { updateInquiry(id: $id, input: $input) { inquiry { id } } }',
      { id, input: { requestedLocationId: mayfair!.id, requestedTimeFrom: from.toISOString(), requestedTimeTo: to.toISOString(), requestedServiceIds: services.map((x) => x.id) } });
    type Match = { modelName: string; score: number; reason: string; factors: Array<{ factor: string; points: number; text: string }> };
    const matched = await platform.gql<{ matchInquiry: { matches: Match[] } }>(
      'mutation ($id: ID!) { matchInquiry(id: $id) { matches { modelName score reason factors { factor points text } } } }', { id });
    expect(matched.errors).toBeUndefined();
    const matches = matched.data!.matchInquiry.matches;
    const byName = (name: string) => matches.find((m) => m.modelName === name);
    // Sophia: based in Mayfair, an available slot over the whole window, half the services; best.
    expect(matches[0]!.modelName).toBe('Sophia');
    const window = `${from.toISOString().slice(11, 16)}–${to.toISOString().slice(11, 16)}`;
    expect(matches[0]!.factors.map((f) => f.text)).toEqual(expect.arrayContaining(['+30 based in Mayfair', `+30 free ${window}`, '+12.5 offers 1 of 2 requested services']));
    // Olivia: tentative during the window; Isabella is booked then, so not a candidate.
    expect(byName('Olivia')!.factors.find((f) => f.factor === 'availability')!.text).toMatch(/^−20 tentative at \d\d:\d\d \(tentative slot/);
    expect(byName('Isabella')).toBeUndefined();
    expect(byName('Olivia')!.score).toBeLessThan(matches[0]!.score);
    expect(matches.map((m) => m.score)).toEqual([...matches.map((m) => m.score)].sort((a, b) => b - a));
    expect(JSON.parse(matches[0]!.reason)).toMatchObject({ possible: 100, factors: expect.arrayContaining([expect.objectContaining({ factor: 'location', points: 30 })]) });
    // A second run replaces the first; the inquiry lists the latest, exactly as the run answered
    // (the same stored rows: ids, best score first, equal scores by model id).
    type Stored = { id: string; modelId: string; modelName: string; score: number; createdAt: string };
    const FIELDS = 'id modelId modelName score createdAt';
    const second = (await platform.gql<{ matchInquiry: { matches: Stored[] } }>(`mutation ($id: ID!) { matchInquiry(id: $id) { matches { ${FIELDS} } } }`, { id })).data!.matchInquiry.matches;
    const listed = (await platform.gql<{ inquiry: { matches: Stored[] } }>(`query ($id: ID!) { inquiry(id: $id) { matches { ${FIELDS} } } }`, { id })).data!.inquiry.matches;
    expect(listed).toEqual(second);
    expect(second.map((m) => m.id)).not.toContain(undefined);
    expect(second).toEqual([...second].sort((a, b) => b.score - a.score || (a.modelId < b.modelId ? -1 : 1)));
    expect(second.map((m) => [m.modelName, m.score])).toEqual(matches.map((m) => [m.modelName, m.score]));
    const view = (await platform.gql<InquiryView & { inquiry: { requestedServiceIds: string[] } }>(INQUIRY, { id })).data!.inquiry;
    expect(view.matches.map((m) => m.modelName).slice(0, 1)).toEqual(['Sophia']);
    // Each run wrote its timeline entry and event with its rows.
    expect((await platform.sql<{ n: number }>(`SELECT count(*)::int AS n FROM domain_events WHERE entity_id = ? AND event_type = 'inquiry.matched'`, [id]))[0]!.n).toBe(2);
    expect(new Set(view.requestedServiceIds)).toEqual(new Set(services.map((x) => x.id)));
    expect((await platform.sql<{ n: string }>('SELECT count(*) AS n FROM inquiry_matches WHERE inquiry_id = ?', [id]))[0]!.n).toBe(String(matches.length));
    expect(await auditActions(id)).toEqual(['CREATE', 'UPDATE', 'MATCH', 'MATCH']);

    // Runs at the same moment replace one another: one stored set, never two merged.
    const runs = await Promise.all(Array.from({ length: 20 }, () => platform.gql<{ matchInquiry: { matches: Stored[] } }>(`mutation ($id: ID!) { matchInquiry(id: $id) { matches { ${FIELDS} } } }`, { id })));
    expect(runs.map((r) => r.errors)).toEqual(runs.map(() => undefined));
    const stored = await platform.sql<{ model_id: string }>('SELECT model_id FROM inquiry_matches WHERE inquiry_id = ?', [id]);
    expect(stored).toHaveLength(matches.length);
    expect(new Set(stored.map((r) => r.model_id)).size).toBe(matches.length);
  });

  test('a conversion without a price is priced from the call rates of the location and duration; none covering it is VALIDATION', async () => {
    const [location] = await platform.sql<{ id: string }>(`INSERT INTO locations (title, slug) VALUES ('Rated district', ?) RETURNING id`, [`rated-${randomUUID()}`]);
    await platform.sql(`INSERT INTO call_rates (location_id, currency, duration_minutes, price) VALUES (?, 'GBP', 120, 640.00), (?, 'GBP', 240, 1100.00)`, [location!.id, location!.id]);
    const CONVERT = 'mutation ($id: ID!, $input: ConvertInquiryInput!) { convertInquiryToBooking(id: $id, input: $input) { booking { id priceTotal currency } } }';
    const { priceTotal: _price, ...unpriced } = await bookingInput(platform, 120);
    const id = await inquiryAwaitingDeposit(platform);
    // 5 hours: no rate of the district or a general one covers it.
    const long = await platform.gql(CONVERT, { id, input: { ...unpriced, locationId: location!.id, endAt: new Date(Date.parse(unpriced.startAt) + 5 * 3600_000).toISOString() } });
    expect(long.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'priceTotal' });
    expect((await platform.sql<{ status: string }>('SELECT status FROM inquiries WHERE id = ?', [id]))[0]!.status).toBe('awaiting_deposit');
    // 90 minutes: the district's 120-minute rate covers it.
    const rated = await platform.gql<{ convertInquiryToBooking: { booking: { priceTotal: string; currency: string } } }>(CONVERT, {
      id, input: { ...unpriced, locationId: location!.id, endAt: new Date(Date.parse(unpriced.startAt) + 90 * 60_000).toISOString() },
    });
    expect(rated.errors).toBeUndefined();
    expect(rated.data!.convertInquiryToBooking.booking).toEqual({ id: expect.any(String), priceTotal: '640.00', currency: 'GBP' });
  });

  test('convertInquiryToBooking goes through the inquiry workflow: booking created, inquiry converted; a repeat is refused', async () => {
    const id = await inquiryAwaitingDeposit(platform);
    const input = await bookingInput(platform, 96);
    const CONVERT = 'mutation ($id: ID!, $input: ConvertInquiryInput!) { convertInquiryToBooking(id: $id, input: $input) { duplicate inquiry { status bookingId } booking { id status inquiryId workflowId } } }';
    type Convert = { convertInquiryToBooking: { duplicate: boolean; inquiry: { status: string; bookingId: string }; booking: { id: string; status: string; inquiryId: string; workflowId: string } } };
    const badModel = await platform.gql(CONVERT, { id, input: { ...input, modelId: randomUUID() } });
    expect(badModel.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'modelId' });
    expect((await platform.gql<InquiryView>(INQUIRY, { id })).data?.inquiry.status).toBe('awaiting_deposit');
    // Without a clientId the booking is for the inquiry's own client.
    const { clientId: _client, ...withoutClient } = input;
    const converted = await platform.gql<Convert>(CONVERT, { id, input: withoutClient });
    expect(converted.errors).toBeUndefined();
    const { booking, inquiry } = converted.data!.convertInquiryToBooking;
    expect(inquiry).toEqual({ status: 'converted', bookingId: booking.id });
    expect(booking).toMatchObject({ status: 'draft', inquiryId: id, workflowId: `booking:${booking.id}` });
    const [link] = await platform.sql<{ same: boolean }>('SELECT b.client_id = i.client_id AS same FROM bookings b JOIN inquiries i ON i.booking_id = b.id WHERE b.id = ?', [booking.id]);
    expect(link?.same).toBe(true);
    expect((await platform.temporal.workflow.getHandle(booking.workflowId).describe()).status.name).toBe('RUNNING');
    const [transition] = await platform.sql<{ before: { status: string }; after: { status: string } }>(`SELECT before, after FROM audit_log WHERE entity_id = ? AND action = 'STATUS_CHANGE' ORDER BY created_at DESC LIMIT 1`, [id]);
    expect(transition).toMatchObject({ before: { status: 'awaiting_deposit' }, after: { status: 'converted' } });
    const again = await platform.gql(CONVERT, { id, input });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_TRANSITION', from: 'converted' });
    expect((await platform.sql<{ n: string }>('SELECT count(*) AS n FROM bookings WHERE inquiry_id = ?', [id]))[0]!.n).toBe('1');
  });

  test('an inquiry that is not awaiting its deposit is not converted, and no booking appears', async () => {
    const id = await freshInquiry(platform);
    const converted = await platform.gql('mutation ($id: ID!, $input: ConvertInquiryInput!) { convertInquiryToBooking(id: $id, input: $input) { booking { id } } }', { id, input: await bookingInput(platform) });
    expect(converted.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_TRANSITION', from: 'new', to: 'converted' });
    expect((await platform.sql<{ n: string }>('SELECT count(*) AS n FROM bookings WHERE inquiry_id = ?', [id]))[0]!.n).toBe('0');
  });
});
