/** Booking rows: created by the booking lifecycle's first activity; rescheduled through it. */
import { LockMode } from '@mikro-orm/core';
import { AuditLog, Booking, Client, Inquiry, Location, Model, Service } from '../../db/entities/index.ts';
import type { Actor } from '../../workflows/lifecycle/messages.ts';
import type { NewBooking } from '../../workflows/booking/messages.ts';
import type { ActivityDeps } from '../deps.ts';
import { writeChangeRecord } from './change-record.ts';
import { nonRetryable } from './errors.ts';
import { nextRef } from './refs.ts';

/** What the booking lifecycle needs to know for its guards and timers. */
export type BookingFacts = Pick<NewBooking, 'clientId' | 'modelId' | 'locationId' | 'startAt' | 'endAt' | 'priceTotal'> & {
  readonly depositRequired: string | null;
  readonly inquiryId: string | null;
};

export function createBookingStore({ orm }: ActivityDeps) {
  return {
    async recordBookingCreated(input: { booking: NewBooking; actor: Actor; transitionId: string }): Promise<{ ref: string; status: string; facts: BookingFacts; assigneeId: string | null }> {
      return orm.em.fork().transactional(async (em) => {
        const b = input.booking;
        const facts: BookingFacts = {
          clientId: b.clientId, modelId: b.modelId, locationId: b.locationId, startAt: b.startAt, endAt: b.endAt,
          priceTotal: b.priceTotal, depositRequired: b.depositRequired ?? null, inquiryId: b.inquiryId ?? null,
        };
        const existing = await em.findOne(Booking, { id: b.id });
        if (existing) return { ref: existing.ref, status: existing.status, facts, assigneeId: (existing.assignedTo as { id: string } | null)?.id ?? null };
        const references: Array<[string, unknown, string | undefined]> = [
          ['clientId', Client, b.clientId], ['modelId', Model, b.modelId], ['locationId', Location, b.locationId], ['inquiryId', Inquiry, b.inquiryId],
        ];
        for (const [field, entity, id] of references) {
          if (id && !(await em.findOne(entity as typeof Client, { id }))) throw nonRetryable('VALIDATION', `No such ${field.replace(/Id$/, '')}: ${id}.`, { field });
        }
        const services = b.serviceIds?.length ? await em.find(Service, { id: { $in: [...b.serviceIds] } }) : [];
        if (services.length !== (b.serviceIds?.length ?? 0)) throw nonRetryable('VALIDATION', 'Unknown service id.', { field: 'serviceIds' });
        const ref = await nextRef(em, 'booking');
        const booking = em.create(Booking, {
          id: b.id, ref, inquiry: b.inquiryId ?? null, client: b.clientId, model: b.modelId, location: b.locationId,
          startAt: new Date(b.startAt), endAt: new Date(b.endAt), status: 'draft', priceTotal: b.priceTotal, currency: b.currency ?? 'GBP',
          depositRequired: b.depositRequired ?? null, assignedTo: b.assigneeId ?? null, notesInternal: b.notesInternal ?? null,
        });
        for (const service of services) booking.services.add(service);
        await em.flush();
        const snapshot = { ref, status: 'draft', ...facts };
        await writeChangeRecord(em, {
          entityType: 'booking', entityId: b.id, action: 'CREATE', eventType: 'booking.created', transitionId: input.transitionId,
          actor: input.actor, before: null, after: snapshot, payload: { ...snapshot, bookingId: b.id },
        });
        return { ref, status: 'draft', facts, assigneeId: b.assigneeId ?? null };
      });
    },

    /** Moves a booking's time; the workflow then resets its timers. */
    async rescheduleBooking(input: { bookingId: string; startAt: string; endAt: string; transitionId: string; actor: Actor; reason?: string | undefined }): Promise<void> {
      return orm.em.fork().transactional(async (em) => {
        const booking = await em.findOneOrFail(Booking, { id: input.bookingId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        // Applied by an earlier attempt of this request: nothing to do.
        if (await em.findOne(AuditLog, { entityType: 'booking', entityId: input.bookingId, transitionId: input.transitionId })) return;
        const before = { start_at: booking.startAt.toISOString(), end_at: booking.endAt.toISOString() };
        booking.startAt = new Date(input.startAt);
        booking.endAt = new Date(input.endAt);
        await em.flush();
        await writeChangeRecord(em, {
          entityType: 'booking', entityId: input.bookingId, action: 'UPDATE', eventType: 'booking.rescheduled', transitionId: input.transitionId,
          actor: input.actor, before, after: { start_at: input.startAt, end_at: input.endAt },
          payload: { ref: booking.ref, ...before, new_start_at: input.startAt, new_end_at: input.endAt, reason: input.reason ?? null },
          metadata: input.reason ? { reason: input.reason } : undefined,
        });
      });
    },
  };
}
