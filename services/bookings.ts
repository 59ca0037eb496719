/**
 * Booking commands. Creation starts the booking's lifecycle workflow (update-with-start); a
 * change of terms is the workflow's amend Update and a time change its reschedule Update (the
 * workflow's timers follow the times, and it refuses changes to a finished booking); the client's
 * arrival confirmation is a fact of the workflow too (its confirmArrival Update). Notes and the
 * booked services are not workflow facts: they are written here, with their change record.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Booking, Client, Location, Model, Service, User } from '../db/entities/index.ts';
import { assertMayAssign, assertPermission, canSee } from '../domain/access.ts';
import { holdsTime } from '../domain/booking.ts';
import { conflict, invalidInput, notFound } from '../domain/errors.ts';
import { FINAL_BOOKING_STATUSES } from '../domain/lifecycles.ts';
import type { BookingTerms, NewBooking } from '../workflows/booking/messages.ts';
import { createMismatchService } from './availability-mismatches.ts';
import { assertModelFree } from './booking-holds.ts';
import { recordEdit } from './change-records.ts';
import { actorOf, newEntityId, transitionIdOf, type Caller, type ServiceDeps } from './context.ts';
import * as commands from './lifecycle-commands.ts';
import { assigneeIdOf, idOf, isUuid } from './rows.ts';

/** What a new booking needs, whether created directly or converted from an inquiry. */
export interface BookingInput {
  readonly clientId: string;
  readonly modelId: string;
  readonly locationId: string;
  readonly startAt: Date;
  readonly endAt: Date;
  readonly priceTotal: string;
  readonly currency: string;
  readonly depositRequired?: string | null | undefined;
  readonly serviceIds?: readonly string[] | null | undefined;
  readonly assigneeId?: string | null | undefined;
  readonly notesInternal?: string | null | undefined;
  readonly holdMinutes?: number | null | undefined;
}

/** A change to a booking: absent fields stay; an explicit null deposit clears it, a null note clears it. */
export interface BookingUpdate {
  readonly notesInternal?: string | null | undefined;
  readonly startAt?: Date | null | undefined;
  readonly endAt?: Date | null | undefined;
  readonly clientId?: string | null | undefined;
  readonly modelId?: string | null | undefined;
  readonly locationId?: string | null | undefined;
  readonly priceTotal?: string | null | undefined;
  readonly currency?: string | null | undefined;
  readonly depositRequired?: string | null | undefined;
  readonly reason?: string | null | undefined;
}

export interface NewTimes {
  readonly startAt: Date;
  readonly endAt: Date;
  readonly reason?: string | null | undefined;
}

const POPULATE = ['client', 'model', 'location', 'services'] as const;

/** A booking with what its fields show, fresh from the database (workflows write behind our back). */
export async function loadBooking(em: EntityManager, id: string): Promise<Booking | null> {
  return em.findOne(Booking, { id }, { populate: POPULATE, refresh: true });
}

/** A booking that exists, loaded with its fields. */
const reloadBooking = async (em: EntityManager, id: string): Promise<Booking> => (await loadBooking(em, id)) as Booking;

/**
 * Refuses references that do not exist before a workflow starts (a booking whose first write
 * would fail would otherwise start a lifecycle only to end it).
 */
export async function assertBookingReferences(em: EntityManager, input: BookingInput): Promise<void> {
  const checks: Array<[string, Promise<unknown>]> = [
    ['clientId', em.findOne(Client, { id: input.clientId })],
    ['modelId', em.findOne(Model, { id: input.modelId })],
    ['locationId', em.findOne(Location, { id: input.locationId })],
  ];
  if (input.assigneeId) checks.push(['assigneeId', em.findOne(User, { id: input.assigneeId, status: 'active' })]);
  for (const [field, found] of checks) {
    if (!(await found)) throw invalidInput(field, 'no such record');
  }
  const serviceIds = [...new Set(input.serviceIds ?? [])];
  if (serviceIds.length && (await em.count(Service, { id: { $in: serviceIds } })) !== serviceIds.length) throw invalidInput('serviceIds', 'unknown service id');
}

export function newBookingOf(id: string, input: BookingInput, inquiryId?: string): NewBooking {
  return {
    id, inquiryId, clientId: input.clientId, modelId: input.modelId, locationId: input.locationId,
    startAt: input.startAt.toISOString(), endAt: input.endAt.toISOString(), priceTotal: input.priceTotal, currency: input.currency,
    depositRequired: input.depositRequired ?? undefined, serviceIds: input.serviceIds ? [...new Set(input.serviceIds)] : undefined,
    assigneeId: input.assigneeId ?? undefined, notesInternal: input.notesInternal ?? undefined,
  };
}

/** The terms an update asks to change (absent and unchanged ones left out); the workflow amends them. */
function termsOf(change: BookingUpdate, row: Booking): BookingTerms {
  const terms: { -readonly [K in keyof BookingTerms]: BookingTerms[K] } = {};
  if (change.clientId && change.clientId !== idOf(row.client)) terms.clientId = change.clientId;
  if (change.modelId && change.modelId !== idOf(row.model)) terms.modelId = change.modelId;
  if (change.locationId && change.locationId !== idOf(row.location)) terms.locationId = change.locationId;
  if (change.priceTotal && Number(change.priceTotal) !== Number(row.priceTotal)) terms.priceTotal = change.priceTotal;
  if (change.currency && change.currency !== row.currency) terms.currency = change.currency;
  // An explicit null clears the deposit; an absent field leaves it.
  if (change.depositRequired !== undefined && (change.depositRequired ?? null) !== (row.depositRequired ?? null)) terms.depositRequired = change.depositRequired ?? null;
  return terms;
}

export function createBookingService(deps: ServiceDeps) {
  const { em, temporal } = deps;
  const mismatches = createMismatchService(deps);

  /** A booking the caller may act on, with its fields, or NOT_FOUND (outside the policy reads as absent). */
  async function bookingInPolicy(caller: Caller, id: string): Promise<Booking> {
    assertPermission(caller.principal, 'bookings.write');
    const row = isUuid(id) ? await loadBooking(em, id) : null;
    if (!row || !canSee(caller.principal, assigneeIdOf(row))) throw notFound('booking', id);
    return row;
  }

  const handleOf = (row: Booking) => temporal.workflow.getHandle(commands.workflowIdOfRow('booking', row));

  function rescheduleThroughWorkflow(caller: Caller, row: Booking, times: NewTimes) {
    return commands.reschedule(handleOf(row), { startAt: times.startAt.toISOString(), endAt: times.endAt.toISOString() }, {
      actor: actorOf(caller), transitionId: transitionIdOf(caller), reason: times.reason ?? undefined,
    });
  }

  async function changeServices(caller: Caller, bookingId: string, serviceId: string, add: boolean): Promise<Booking> {
    const row = await bookingInPolicy(caller, bookingId);
    if (!isUuid(serviceId) || !(await em.findOne(Service, { id: serviceId }))) throw invalidInput('serviceId', 'no such service');
    if ((FINAL_BOOKING_STATUSES as readonly string[]).includes(row.status)) throw conflict(`Booking ${row.ref} is ${row.status}: its services no longer change.`, { status: row.status });
    const before = row.services.getItems().map((s) => s.id);
    if (before.includes(serviceId) !== add) {
      await em.transactional(async (tx) => {
        const sql = add
          ? 'INSERT INTO booking_services (booking_id, service_id) VALUES (?, ?) ON CONFLICT DO NOTHING'
          : 'DELETE FROM booking_services WHERE booking_id = ? AND service_id = ?';
        await tx.getConnection().execute(sql, [row.id, serviceId], 'run', tx.getTransactionContext());
        const after = add ? [...before, serviceId] : before.filter((s) => s !== serviceId);
        await recordEdit(tx, caller, {
          action: 'UPDATE', entityType: 'booking', entityId: row.id, before: { service_ids: before }, after: { service_ids: after },
          metadata: { change: add ? 'service_added' : 'service_removed', service_id: serviceId }, timelineEvent: add ? 'booking.service_added' : 'booking.service_removed',
        });
      });
    }
    return reloadBooking(em, row.id);
  }

  return {
    async create(caller: Caller, input: BookingInput): Promise<Booking> {
      assertPermission(caller.principal, 'bookings.write');
      await assertBookingReferences(em, input);
      assertMayAssign(caller.principal, input.assigneeId);
      const booking = newBookingOf(newEntityId(caller, 'booking'), input);
      const { created } = await commands.startBooking(temporal, booking, {
        actor: actorOf(caller), requestId: caller.requestId, holdMinutes: input.holdMinutes ?? undefined,
      }, {
        staticSummary: `Booking ${booking.startAt} – ${booking.endAt}`,
        staticDetails: `**Booking** ${booking.id}\n\nClient ${booking.clientId}, model ${booking.modelId}, location ${booking.locationId}`,
      });
      return reloadBooking(em, created.entityId);
    },

    /** Terms through the workflow's amend, times through its reschedule, then the notes. */
    async update(caller: Caller, id: string, change: BookingUpdate): Promise<Booking> {
      const row = await bookingInPolicy(caller, id);
      const startAt = change.startAt ?? row.startAt;
      const endAt = change.endAt ?? row.endAt;
      const moves = startAt.getTime() !== row.startAt.getTime() || endAt.getTime() !== row.endAt.getTime();
      if (moves && !(startAt < endAt)) throw invalidInput('endAt', 'must be after startAt');
      const notes = change.notesInternal === undefined ? undefined : (change.notesInternal ?? null);
      const terms = termsOf(change, row);
      if (holdsTime(row.status) && (moves || terms.modelId || terms.locationId)) {
        await assertModelFree(em, row.id, { modelId: terms.modelId, locationId: terms.locationId, startAt, endAt });
      }
      // The workflow owns the times and the terms: it refuses a change to a finished booking before anything changes.
      if (Object.keys(terms).length) {
        await commands.amend(handleOf(row), terms, { actor: actorOf(caller), transitionId: transitionIdOf(caller, ':amend'), reason: change.reason ?? undefined });
      }
      if (moves) await rescheduleThroughWorkflow(caller, row, { startAt, endAt, reason: change.reason });
      if (moves || terms.modelId || terms.locationId) await mismatches.reconcileBooking(row.id);
      const notesBefore = row.notesInternal ?? null;
      if (notes !== undefined && notes !== notesBefore) {
        await em.transactional(async (tx) => {
          // Only the notes (and updated_at) are written: the workflow's columns are left as the workflow wrote them.
          tx.assign(await tx.findOneOrFail(Booking, { id: row.id }), { notesInternal: notes });
          await tx.flush();
          await recordEdit(tx, caller, {
            action: 'UPDATE', entityType: 'booking', entityId: row.id, before: { notes_internal: notesBefore },
            after: { notes_internal: notes }, metadata: change.reason ? { reason: change.reason } : undefined, timelineEvent: 'booking.updated',
          });
        });
      }
      return reloadBooking(em, row.id);
    },

    async reschedule(caller: Caller, id: string, times: NewTimes): Promise<Booking> {
      const row = await bookingInPolicy(caller, id);
      if (holdsTime(row.status)) await assertModelFree(em, row.id, { startAt: times.startAt, endAt: times.endAt });
      await rescheduleThroughWorkflow(caller, row, times);
      await mismatches.reconcileBooking(row.id);
      return reloadBooking(em, row.id);
    },

    /**
     * "The client confirmed they will arrive" (seed rule 3 then raises no no-show risk): by whoever
     * may act on the booking (an operator on their own or an unassigned one, managers on any),
     * through the booking's workflow, which refuses it unless the booking is pending,
     * deposit_required or confirmed. Confirming again changes nothing.
     */
    async confirmArrival(caller: Caller, id: string, input: { note?: string | null | undefined } = {}): Promise<Booking> {
      const row = await bookingInPolicy(caller, id);
      await commands.confirmArrival(handleOf(row), { actor: actorOf(caller), transitionId: transitionIdOf(caller, ':arrival'), note: input.note ?? undefined });
      return reloadBooking(em, row.id);
    },

    addService: (caller: Caller, bookingId: string, serviceId: string) => changeServices(caller, bookingId, serviceId, true),
    removeService: (caller: Caller, bookingId: string, serviceId: string) => changeServices(caller, bookingId, serviceId, false),
  };
}

export type BookingService = ReturnType<typeof createBookingService>;
