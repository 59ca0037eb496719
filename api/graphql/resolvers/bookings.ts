/**
 * Bookings: queries read PostgreSQL; creation starts the booking's lifecycle workflow
 * (update-with-start); a time change is the workflow's reschedule Update, because the workflow's
 * timers (expiry, approaching, start, end) follow the times. Notes and the booked services are
 * not workflow facts: they are written here, with an audit entry.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { Booking, Client, EntityTimeline, Location, Model, Service, User, type Inquiry } from '../../../db/entities/index.ts';
import type { BookingTerms, NewBooking } from '../../../workflows/booking/messages.ts';
import { assertMayAssign, canSee, requirePermission } from '../../auth/authorize.ts';
import { newEntityId } from '../idempotency.ts';
import type { Viewer } from '../../auth/sessions.ts';
import { amend, reschedule, startBooking, workflowIdOfRow } from '../../../services/lifecycle-commands.ts';
import { afterCursor, pageSize, toConnection } from '../connection.ts';
import type { ApiContext } from '../context.ts';
import type { Resolvers } from '../generated/types.ts';
import { FINAL_BOOKING_STATUSES } from '../../../domain/lifecycles.ts';
import { amount, parseInput } from '../validation.ts';
import {
  assigneeCondition, assigneeIdOf, conflict, isUuid, jsonText, likePattern, notFound, policyConditions,
  rangeCondition, recordAuditEntry, redactFor, transitionIdOf, userActor, invalidInput,
} from './operations-support.ts';


/** What a new booking needs, whether created directly or converted from an inquiry. */
export const bookingDetails = z
  .object({
    clientId: z.uuid().optional().nullable(),
    modelId: z.uuid(),
    locationId: z.uuid(),
    startAt: z.date(),
    endAt: z.date(),
    priceTotal: amount,
    currency: z.string().trim().regex(/^[A-Z]{3}$/, 'a three-letter ISO code, e.g. GBP').default('GBP'),
    depositRequired: amount.optional().nullable(),
    serviceIds: z.array(z.uuid()).max(20).optional().nullable(),
    assigneeId: z.uuid().optional().nullable(),
    notesInternal: z.string().trim().max(5000).optional().nullable(),
    holdMinutes: z.number().int().min(1).max(10_080).optional().nullable(),
  })
  .refine((v) => v.startAt < v.endAt, { message: 'endAt must be after startAt', path: ['endAt'] });
export type BookingDetails = z.infer<typeof bookingDetails>;

/**
 * Refuses references that do not exist before a workflow starts (a booking whose first write
 * would fail would otherwise start a lifecycle only to end it).
 */
export async function assertBookingReferences(em: EntityManager, input: BookingDetails & { clientId: string }): Promise<void> {
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

export function newBookingOf(id: string, input: BookingDetails & { clientId: string }, inquiryId?: string): NewBooking {
  return {
    id, inquiryId, clientId: input.clientId, modelId: input.modelId, locationId: input.locationId,
    startAt: input.startAt.toISOString(), endAt: input.endAt.toISOString(), priceTotal: input.priceTotal, currency: input.currency,
    depositRequired: input.depositRequired ?? undefined, serviceIds: input.serviceIds ? [...new Set(input.serviceIds)] : undefined,
    assigneeId: input.assigneeId ?? undefined, notesInternal: input.notesInternal ?? undefined,
  };
}

const POPULATE = ['client', 'model', 'location', 'services'] as const;

/** A booking with what its fields show, fresh from the database (workflows write behind our back). */
export async function loadBooking(em: EntityManager, id: string): Promise<Booking | null> {
  return em.findOne(Booking, { id }, { populate: POPULATE, refresh: true });
}

/** A booking the viewer may act on, or NOT_FOUND (outside the policy reads as absent). */
async function bookingInPolicy(ctx: ApiContext, viewer: Viewer, id: string): Promise<Booking> {
  const row = isUuid(id) ? await loadBooking(ctx.em, id) : null;
  if (!row || !canSee(viewer, assigneeIdOf(row))) throw notFound('booking', id);
  return row;
}

const finance = (ctx: ApiContext, value: string | null | undefined): string | null =>
  ctx.viewer?.permissions.includes('payments.read') ? (value ?? null) : null;

const updateBookingInput = z
  .object({
    notesInternal: z.string().trim().max(5000).optional().nullable(),
    startAt: z.date().optional().nullable(),
    endAt: z.date().optional().nullable(),
    clientId: z.uuid().optional().nullable(),
    modelId: z.uuid().optional().nullable(),
    locationId: z.uuid().optional().nullable(),
    priceTotal: amount.optional().nullable(),
    currency: z.string().trim().regex(/^[A-Z]{3}$/, 'must be a three-letter code such as GBP').optional().nullable(),
    depositRequired: amount.optional().nullable(),
    reason: z.string().trim().max(500).optional().nullable(),
  });

/** The terms an update asks to change (absent and unchanged ones left out); the workflow amends them. */
function termsOf(input: z.infer<typeof updateBookingInput>, row: Booking, raw: Record<string, unknown>): BookingTerms {
  const idOf = (ref: unknown) => (ref as { id: string } | null)?.id ?? null;
  const terms: { -readonly [K in keyof BookingTerms]: BookingTerms[K] } = {};
  if (input.clientId && input.clientId !== idOf(row.client)) terms.clientId = input.clientId;
  if (input.modelId && input.modelId !== idOf(row.model)) terms.modelId = input.modelId;
  if (input.locationId && input.locationId !== idOf(row.location)) terms.locationId = input.locationId;
  if (input.priceTotal && Number(input.priceTotal) !== Number(row.priceTotal)) terms.priceTotal = input.priceTotal;
  if (input.currency && input.currency !== row.currency) terms.currency = input.currency;
  // An explicit null clears the deposit; an absent field leaves it.
  if ('depositRequired' in raw && (input.depositRequired ?? null) !== (row.depositRequired ?? null)) terms.depositRequired = input.depositRequired ?? null;
  return terms;
}

const timesInput = z
  .object({ startAt: z.date(), endAt: z.date(), reason: z.string().trim().max(500).optional().nullable() })
  .refine((v) => v.startAt < v.endAt, { message: 'endAt must be after startAt', path: ['endAt'] });

async function rescheduleThroughWorkflow(ctx: ApiContext, viewer: Viewer, row: Booking, times: z.infer<typeof timesInput>): Promise<void> {
  const handle = ctx.temporal.workflow.getHandle(workflowIdOfRow('booking', row));
  await reschedule(handle, { startAt: times.startAt.toISOString(), endAt: times.endAt.toISOString() }, {
    actor: userActor(viewer), transitionId: transitionIdOf(ctx), reason: times.reason ?? undefined,
  });
}

async function changeServices(ctx: ApiContext, bookingId: string, serviceId: string, add: boolean) {
  const viewer = requirePermission(ctx.viewer, 'bookings.write');
  const row = await bookingInPolicy(ctx, viewer, bookingId);
  if (!isUuid(serviceId) || !(await ctx.em.findOne(Service, { id: serviceId }))) throw invalidInput('serviceId', 'no such service');
  if ((FINAL_BOOKING_STATUSES as readonly string[]).includes(row.status)) throw conflict(`Booking ${row.ref} is ${row.status}: its services no longer change.`, { status: row.status });
  const before = row.services.getItems().map((s) => s.id);
  const present = before.includes(serviceId);
  if (present !== add) {
    await ctx.em.transactional(async (em) => {
      const sql = add
        ? 'INSERT INTO booking_services (booking_id, service_id) VALUES (?, ?) ON CONFLICT DO NOTHING'
        : 'DELETE FROM booking_services WHERE booking_id = ? AND service_id = ?';
      await em.getConnection().execute(sql, [bookingId, serviceId], 'run', em.getTransactionContext());
      const after = add ? [...before, serviceId] : before.filter((s) => s !== serviceId);
      await recordAuditEntry(em, {
        actor: viewer, action: 'UPDATE', entityType: 'booking', entityId: bookingId, before: { service_ids: before }, after: { service_ids: after },
        metadata: { change: add ? 'service_added' : 'service_removed', service_id: serviceId }, timelineEvent: add ? 'booking.service_added' : 'booking.service_removed',
      });
    });
  }
  return { booking: (await loadBooking(ctx.em, bookingId)) as Booking };
}

export const bookingResolvers: Resolvers = {
  Query: {
    async booking(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'bookings.read');
      if (!isUuid(args.id)) return null;
      const row = await loadBooking(ctx.em, args.id);
      return row && canSee(viewer, assigneeIdOf(row)) ? row : null;
    },
    async bookings(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'bookings.read');
      const size = pageSize(args.first);
      const conditions: Record<string, unknown>[] = [...policyConditions(viewer)];
      const push = (c: Record<string, unknown> | undefined) => c && conditions.push(c);
      if (args.status?.length) push({ status: { $in: args.status } });
      for (const [field, column] of [['modelId', 'model'], ['clientId', 'client'], ['locationId', 'location']] as const) {
        const value = args[field];
        if (value === null || value === undefined) continue;
        if (!isUuid(value)) throw invalidInput(field, 'must be an id');
        push({ [column]: value });
      }
      push(assigneeCondition(viewer, args.assignee));
      push(rangeCondition('startAt', args.startFrom, args.startTo, ['startFrom', 'startTo']));
      if (args.q?.trim()) {
        const like = likePattern(args.q);
        push({ $or: [{ ref: { $ilike: like } }, { client: { fullName: { $ilike: like } } }, { model: { name: { $ilike: like } } }] });
      }
      push(afterCursor(args.after));
      const rows = await ctx.em.find(Booking, { $and: conditions }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1, populate: POPULATE });
      return toConnection(rows, size);
    },
  },
  Mutation: {
    async createBooking(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'bookings.write');
      const parsed = parseInput(bookingDetails, args.input);
      const input = { ...parsed, clientId: parsed.clientId as string };
      await assertBookingReferences(ctx.em, input);
      assertMayAssign(viewer, input.assigneeId);
      const booking = newBookingOf(newEntityId(ctx, 'booking'), input);
      const { created } = await startBooking(ctx.temporal, booking, { actor: userActor(viewer), requestId: ctx.requestId, holdMinutes: input.holdMinutes ?? undefined }, {
        staticSummary: `Booking ${booking.startAt} – ${booking.endAt}`,
        staticDetails: `**Booking** ${booking.id}\n\nClient ${booking.clientId}, model ${booking.modelId}, location ${booking.locationId}`,
      });
      ctx.log.info({ bookingId: created.entityId, ref: created.ref }, 'booking created');
      return { booking: (await loadBooking(ctx.em, created.entityId)) as Booking };
    },
    async updateBooking(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'bookings.write');
      const input = parseInput(updateBookingInput, args.input);
      const row = await bookingInPolicy(ctx, viewer, args.id);
      const startAt = input.startAt ?? row.startAt;
      const endAt = input.endAt ?? row.endAt;
      const moves = startAt.getTime() !== row.startAt.getTime() || endAt.getTime() !== row.endAt.getTime();
      if (moves && !(startAt < endAt)) throw invalidInput('endAt', 'must be after startAt');
      const notes = input.notesInternal === undefined ? undefined : (input.notesInternal ?? null);
      const terms = termsOf(input, row, args.input as Record<string, unknown>);
      // The workflow owns the times and the terms: it refuses a change to a finished booking before anything changes.
      if (Object.keys(terms).length) {
        const handle = ctx.temporal.workflow.getHandle(workflowIdOfRow('booking', row));
        await amend(handle, terms, { actor: userActor(viewer), transitionId: transitionIdOf(ctx, ':amend'), reason: input.reason ?? undefined });
      }
      if (moves) await rescheduleThroughWorkflow(ctx, viewer, row, { startAt, endAt, reason: input.reason });
      if (notes !== undefined && notes !== (row.notesInternal ?? null)) {
        await ctx.em.transactional(async (em) => {
          await em.getConnection().execute('UPDATE bookings SET notes_internal = ?, updated_at = now() WHERE id = ?', [notes, row.id], 'run', em.getTransactionContext());
          await recordAuditEntry(em, {
            actor: viewer, action: 'UPDATE', entityType: 'booking', entityId: row.id, before: { notes_internal: row.notesInternal ?? null },
            after: { notes_internal: notes }, metadata: input.reason ? { reason: input.reason } : undefined, timelineEvent: 'booking.updated',
          });
        });
      }
      return { booking: (await loadBooking(ctx.em, row.id)) as Booking };
    },
    async rescheduleBooking(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'bookings.write');
      const parsed = parseInput(timesInput, args);
      const row = await bookingInPolicy(ctx, viewer, args.id);
      await rescheduleThroughWorkflow(ctx, viewer, row, parsed);
      return { booking: (await loadBooking(ctx.em, row.id)) as Booking };
    },
    addBookingService: (_, args, ctx) => changeServices(ctx, args.bookingId, args.serviceId, true),
    removeBookingService: (_, args, ctx) => changeServices(ctx, args.bookingId, args.serviceId, false),
  },
  Booking: {
    inquiryId: (row) => (row.inquiry as Inquiry | null)?.id ?? null,
    clientId: (row) => row.client.id,
    clientName: (row) => row.client.fullName ?? null,
    modelId: (row) => row.model.id,
    modelName: (row) => row.model.name,
    locationId: (row) => row.location.id,
    locationTitle: (row) => row.location.title,
    priceTotal: (row, _, ctx) => finance(ctx, row.priceTotal),
    depositRequired: (row, _, ctx) => finance(ctx, row.depositRequired),
    depositStatus: (row, _, ctx) => finance(ctx, row.depositStatus),
    paymentStatus: (row, _, ctx) => finance(ctx, row.paymentStatus),
    assigneeId: (row) => assigneeIdOf(row),
    services: async (row, _, ctx) => {
      if (!row.services.isInitialized()) await ctx.em.populate(row, ['services']);
      return row.services.getItems().map((s) => ({ id: s.id, title: s.title, slug: s.slug }));
    },
    async timeline(row, args, ctx) {
      const size = pageSize(args.first);
      const conditions: Record<string, unknown>[] = [{ entityType: 'booking', entityId: row.id }];
      const after = afterCursor(args.after);
      if (after) conditions.push(after);
      const rows = await ctx.em.find(EntityTimeline, { $and: conditions }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 });
      return toConnection(rows, size);
    },
    workflowId: (row) => workflowIdOfRow('booking', row),
  },
  BookingTimelineEntry: {
    payload: (row, _, ctx) => jsonText(redactFor(ctx.viewer, row.payload)),
    createdById: (row) => (row.createdBy as { id: string } | null)?.id ?? null,
  },
};
