/** Booking and inquiry (edit, match, convert) operations for the role × operation matrix. */
import { demoReferences } from '../support/lifecycles.ts';
import { freshModel } from '../support/models.ts';
import type { TestPlatform } from '../support/platform.ts';
import { countOf, freshInquiry, type MatrixOperation } from '../support/role-matrix.ts';

const HOUR = 3600_000;

/** A booking input on the demo client, model and location, starting `startInHours` from now. */
export interface BookingInput {
  clientId: string;
  modelId: string;
  locationId: string;
  startAt: string;
  endAt: string;
  priceTotal: string;
}

export async function bookingInput(platform: TestPlatform, startInHours = 48): Promise<BookingInput> {
  const refs = await demoReferences(platform.orm);
  const start = Date.now() + startInHours * HOUR;
  return {
    clientId: refs.client_id, modelId: refs.model_id, locationId: refs.location_id,
    startAt: new Date(start).toISOString(), endAt: new Date(start + 2 * HOUR).toISOString(), priceTotal: '550.00',
  };
}

/** A fresh unassigned booking (draft), created through createBooking as the owner. */
export async function freshBooking(platform: TestPlatform, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await platform.gql<{ createBooking: { booking: { id: string } } }>(
    'mutation ($input: CreateBookingInput!) { createBooking(input: $input) { booking { id } } }',
    { input: { ...(await bookingInput(platform)), ...extra } },
  );
  const id = created.data?.createBooking.booking.id;
  if (!id) throw new Error(`could not create a booking: ${JSON.stringify(created.errors)}`);
  return id;
}

/** A fresh unassigned booking sent to the client (pending), of a model of its own (pending holds the model's time). */
export async function pendingBooking(platform: TestPlatform): Promise<string> {
  const id = await freshBooking(platform, { modelId: (await freshModel(platform)).id });
  const moved = await platform.gql('mutation ($id: ID!) { changeStatus(input: { entity: { type: booking, id: $id }, to: "pending" }) { to } }', { id });
  if (moved.errors) throw new Error(`could not move the booking: ${JSON.stringify(moved.errors)}`);
  return id;
}

/** A fresh unassigned inquiry moved to awaiting_deposit, ready to convert. */
export async function inquiryAwaitingDeposit(platform: TestPlatform): Promise<string> {
  const id = await freshInquiry(platform);
  for (const [to, extra] of [['qualified', ''], ['awaiting_client', ''], ['awaiting_deposit', ', depositAmount: "100.00"']]) {
    const moved = await platform.gql(`mutation ($id: ID!) { changeStatus(input: { entity: { type: inquiry, id: $id }, to: "${to}"${extra} }) { to } }`, { id });
    if (moved.errors) throw new Error(`could not move the inquiry: ${JSON.stringify(moved.errors)}`);
  }
  return id;
}

const changesOf = (platform: TestPlatform, vars: Record<string, unknown>) =>
  countOf(platform, 'SELECT count(*) AS n FROM audit_log WHERE entity_id = ?', [vars.id ?? vars.bookingId]);
const booking = async (platform: TestPlatform) => ({ id: await freshBooking(platform) });
const serviceOf = async (platform: TestPlatform) => {
  const [row] = await platform.orm.em.getConnection().execute<Array<{ id: string }>>(`SELECT id FROM services WHERE slug = 'travel-companion'`);
  return row!.id;
};

export const BOOKING_OPERATIONS: MatrixOperation[] = [
  { field: 'Query.bookings', permission: 'bookings.read', document: '{ bookings(first: 1) { edges { cursor node { id } } } }' },
  { field: 'Query.booking', permission: 'bookings.read', setup: booking, document: 'query ($id: ID!) { booking(id: $id) { id timeline(first: 1) { edges { cursor } } } }' },
  {
    field: 'Mutation.createBooking', permission: 'bookings.write',
    setup: async (platform) => ({ input: await bookingInput(platform) }),
    document: 'mutation ($input: CreateBookingInput!) { createBooking(input: $input) { booking { id } } }',
    state: (platform) => countOf(platform, 'SELECT count(*) AS n FROM bookings'),
  },
  {
    field: 'Mutation.updateBooking', permission: 'bookings.write', setup: booking, state: changesOf,
    document: 'mutation ($id: ID!) { updateBooking(id: $id, input: { notesInternal: "matrix note" }) { booking { id } } }',
  },
  {
    field: 'Mutation.rescheduleBooking', permission: 'bookings.write', setup: booking, state: changesOf,
    document: 'mutation ($id: ID!) { rescheduleBooking(id: $id, startAt: "2031-01-01T18:00:00Z", endAt: "2031-01-01T20:00:00Z") { booking { id } } }',
  },
  {
    field: 'Mutation.confirmClientArrival', permission: 'bookings.write', state: changesOf,
    setup: async (platform) => ({ id: await pendingBooking(platform) }),
    document: 'mutation ($id: ID!) { confirmClientArrival(id: $id, note: "matrix call") { booking { id clientConfirmedArrival } } }',
  },
  {
    field: 'Mutation.addBookingService', permission: 'bookings.write', state: changesOf,
    setup: async (platform) => ({ bookingId: await freshBooking(platform), serviceId: await serviceOf(platform) }),
    document: 'mutation ($bookingId: ID!, $serviceId: ID!) { addBookingService(bookingId: $bookingId, serviceId: $serviceId) { booking { id } } }',
  },
  {
    field: 'Mutation.removeBookingService', permission: 'bookings.write', state: changesOf,
    setup: async (platform) => {
      const serviceId = await serviceOf(platform);
      return { bookingId: await freshBooking(platform, { serviceIds: [serviceId] }), serviceId };
    },
    document: 'mutation ($bookingId: ID!, $serviceId: ID!) { removeBookingService(bookingId: $bookingId, serviceId: $serviceId) { booking { id } } }',
  },
  {
    field: 'Mutation.updateInquiry', permission: 'inquiries.write', state: changesOf,
    setup: async (platform) => ({ id: await freshInquiry(platform) }),
    document: 'mutation ($id: ID!) { updateInquiry(id: $id, input: { subject: "matrix edit" }) { inquiry { id } } }',
  },
  {
    field: 'Mutation.matchInquiry', permission: 'inquiries.write', state: changesOf,
    setup: async (platform) => {
      const id = await freshInquiry(platform);
      const [location] = await platform.orm.em.getConnection().execute<Array<{ id: string }>>(`SELECT id FROM locations WHERE slug = 'mayfair'`);
      await platform.gql('mutation ($id: ID!, $loc: ID!) { updateInquiry(id: $id, input: { requestedLocationId: $loc }) { inquiry { id } } }', { id, loc: location!.id });
      return { id };
    },
    document: 'mutation ($id: ID!) { matchInquiry(id: $id) { matches { modelId score } } }',
  },
  {
    field: 'Mutation.convertInquiryToBooking', permission: 'inquiries.write', state: changesOf,
    setup: async (platform) => ({ id: await inquiryAwaitingDeposit(platform), input: await bookingInput(platform, 72) }),
    document: 'mutation ($id: ID!, $input: ConvertInquiryInput!) { convertInquiryToBooking(id: $id, input: $input) { booking { id } } }',
  },
];
