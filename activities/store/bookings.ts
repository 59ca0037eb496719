/** Booking rows: created by the booking lifecycle's first activity; amended, rescheduled and arrival-confirmed through it. */
import { LockMode } from '@mikro-orm/core';
import { writeChange } from '../../db/change-log.ts';
import { AuditLog, Booking, Client, Inquiry, Location, Model, Service } from '../../db/entities/index.ts';
import type { Actor } from '../../workflows/lifecycle/messages.ts';
import type { BookingTerms, NewBooking } from '../../workflows/booking/messages.ts';
import type { ActivityDeps } from '../deps.ts';
import { asDoubleBooking } from '../../services/booking-holds.ts';
import { coded, nonRetryable } from './errors.ts';
import { DEFAULT_CURRENCY } from '../../domain/formats.ts';
import { nextRef } from './refs.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { KnownPayment } from '../../workflows/booking/messages.ts';
import { execute, known, refreshBookingMoney, type PaymentRow } from '../payments/booking-money.ts';

/** What the booking lifecycle needs to know for its guards and timers. */
export type BookingFacts = Pick<NewBooking, 'clientId' | 'modelId' | 'locationId' | 'startAt' | 'endAt' | 'priceTotal'> & {
  readonly depositRequired: string | null;
  readonly inquiryId: string | null;
  /** Set when the booking took over its inquiry's deposit payments at creation. */
  readonly depositStatus?: string;
  readonly payments?: Readonly<Record<string, KnownPayment>>;
};

/**
 * A booking converted from an inquiry takes over the deposit its client paid (or was asked)
 * while the inquiry waited (workflows/inquiry/deposits.ts): the payments' booking_id is set and
 * the booking's deposit and payment status computed from them, in the creating transaction.
 */
async function adoptInquiryPayments(em: EntityManager, bookingId: string, inquiryId: string): Promise<Pick<BookingFacts, 'depositStatus' | 'payments'>> {
  const adopted = await execute<PaymentRow>(em, `UPDATE payments SET booking_id = ?, updated_at = now() WHERE inquiry_id = ? AND booking_id IS NULL RETURNING *`, [bookingId, inquiryId]);
  if (adopted.length === 0) return {};
  const deposits = adopted.filter((p) => p.type === 'deposit' && p.status !== 'cancelled');
  const deciding = deposits.find((p) => p.status === 'succeeded') ?? deposits[0];
  const money = await refreshBookingMoney(em, bookingId, deciding ? { status: deciding.status } : undefined);
  return {
    depositStatus: String(money.after.deposit_status ?? 'none'),
    payments: Object.fromEntries(adopted.map((p) => [p.id, known(p)])),
  };
}

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
          startAt: new Date(b.startAt), endAt: new Date(b.endAt), status: 'draft', priceTotal: b.priceTotal, currency: b.currency ?? DEFAULT_CURRENCY,
          depositRequired: b.depositRequired ?? null, assignedTo: b.assigneeId ?? null, notesInternal: b.notesInternal ?? null,
        });
        for (const service of services) booking.services.add(service);
        await em.flush();
        const fromInquiry = b.inquiryId ? await adoptInquiryPayments(em, b.id, b.inquiryId) : {};
        const snapshot = { ref, status: 'draft', ...facts };
        await writeChange(em, {
          entityType: 'booking', entityId: b.id, transitionId: input.transitionId, actor: input.actor,
          audit: {
            action: 'CREATE', before: null,
            after: fromInquiry.payments ? { ...snapshot, deposit_status: fromInquiry.depositStatus, payments_from_inquiry: Object.keys(fromInquiry.payments) } : snapshot,
          },
          event: { type: 'booking.created', payload: { ...snapshot, bookingId: b.id } },
        });
        return { ref, status: 'draft', facts: { ...facts, ...fromInquiry }, assigneeId: b.assigneeId ?? null };
      });
    },

    /** Changes a booking's terms (client, model, location, price); the workflow adopts them. */
    async amendBooking(input: { bookingId: string; terms: BookingTerms; transitionId: string; actor: Actor; reason?: string | undefined }): Promise<void> {
      const claim = { modelId: input.terms.modelId, locationId: input.terms.locationId };
      return coded(() => asDoubleBooking(orm.em.fork(), input.bookingId, claim, () => orm.em.fork().transactional(async (em) => {
        const booking = await em.findOneOrFail(Booking, { id: input.bookingId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        // Applied by an earlier attempt of this request: nothing to do.
        if (await em.findOne(AuditLog, { entityType: 'booking', entityId: input.bookingId, transitionId: input.transitionId })) return;
        const t = input.terms;
        const references: Array<[string, unknown, string | undefined]> = [['clientId', Client, t.clientId], ['modelId', Model, t.modelId], ['locationId', Location, t.locationId]];
        for (const [field, entity, id] of references) {
          if (id && !(await em.findOne(entity as typeof Client, { id }))) throw nonRetryable('VALIDATION', `No such ${field.replace(/Id$/, '')}: ${id}.`, { field });
        }
        const idOf = (ref: unknown) => (ref as { id: string }).id;
        const before = {
          client_id: idOf(booking.client), model_id: idOf(booking.model), location_id: idOf(booking.location),
          price_total: booking.priceTotal, currency: booking.currency, deposit_required: booking.depositRequired ?? null,
        };
        if (t.clientId) booking.client = em.getReference(Client, t.clientId);
        if (t.modelId) booking.model = em.getReference(Model, t.modelId);
        if (t.locationId) booking.location = em.getReference(Location, t.locationId);
        if (t.priceTotal !== undefined) booking.priceTotal = t.priceTotal;
        if (t.currency !== undefined) booking.currency = t.currency;
        if (t.depositRequired !== undefined) booking.depositRequired = t.depositRequired;
        await em.flush();
        const after = {
          client_id: t.clientId ?? before.client_id, model_id: t.modelId ?? before.model_id, location_id: t.locationId ?? before.location_id,
          price_total: t.priceTotal ?? before.price_total, currency: t.currency ?? before.currency,
          deposit_required: t.depositRequired === undefined ? before.deposit_required : t.depositRequired,
        };
        await writeChange(em, {
          entityType: 'booking', entityId: input.bookingId, transitionId: input.transitionId, actor: input.actor,
          audit: { action: 'UPDATE', before, after, metadata: input.reason ? { reason: input.reason } : undefined },
          event: { type: 'booking.amended', payload: { ref: booking.ref, before, after, reason: input.reason ?? null } },
        });
      })));
    },

    /** Records the client's arrival confirmation; the workflow adopts it as a fact. */
    async confirmArrival(input: { bookingId: string; transitionId: string; actor: Actor; note?: string | undefined }): Promise<void> {
      await orm.em.fork().transactional(async (em) => {
        const booking = await em.findOneOrFail(Booking, { id: input.bookingId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        // Applied by an earlier attempt of this request: nothing to do.
        if (await em.findOne(AuditLog, { entityType: 'booking', entityId: input.bookingId, transitionId: input.transitionId })) return;
        booking.clientConfirmedArrival = true;
        await em.flush();
        const note = input.note ?? null;
        await writeChange(em, {
          entityType: 'booking', entityId: input.bookingId, transitionId: input.transitionId, actor: input.actor,
          audit: { action: 'UPDATE', before: { client_confirmed_arrival: false }, after: { client_confirmed_arrival: true }, metadata: note ? { note } : undefined },
          event: { type: 'booking.arrival_confirmed', payload: { ref: booking.ref, start_at: booking.startAt.toISOString(), note } },
        });
      });
    },

    /** Moves a booking's time; the workflow then resets its timers. */
    async rescheduleBooking(input: { bookingId: string; startAt: string; endAt: string; transitionId: string; actor: Actor; reason?: string | undefined }): Promise<void> {
      const claim = { startAt: input.startAt, endAt: input.endAt };
      return coded(() => asDoubleBooking(orm.em.fork(), input.bookingId, claim, () => orm.em.fork().transactional(async (em) => {
        const booking = await em.findOneOrFail(Booking, { id: input.bookingId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        // Applied by an earlier attempt of this request: nothing to do.
        if (await em.findOne(AuditLog, { entityType: 'booking', entityId: input.bookingId, transitionId: input.transitionId })) return;
        const before = { start_at: booking.startAt.toISOString(), end_at: booking.endAt.toISOString() };
        booking.startAt = new Date(input.startAt);
        booking.endAt = new Date(input.endAt);
        await em.flush();
        await writeChange(em, {
          entityType: 'booking', entityId: input.bookingId, transitionId: input.transitionId, actor: input.actor,
          audit: { action: 'UPDATE', before, after: { start_at: input.startAt, end_at: input.endAt }, metadata: input.reason ? { reason: input.reason } : undefined },
          event: {
            type: 'booking.rescheduled',
            payload: { ref: booking.ref, ...before, new_start_at: input.startAt, new_end_at: input.endAt, reason: input.reason ?? null },
          },
        });
      })));
    },
  };
}
