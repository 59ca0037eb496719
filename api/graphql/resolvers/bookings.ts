/**
 * Bookings: queries read PostgreSQL; the commands (create, update, reschedule, add and remove a
 * service) are services/bookings.ts.
 */
import { z } from 'zod';
import { Booking, EntityTimeline } from '../../../db/entities/index.ts';
import { canSee, requirePermission } from '../../auth/authorize.ts';
import { loadBooking } from '../../../services/bookings.ts';
import { assigneeIdOf, idOf, isUuid } from '../../../services/rows.ts';
import { workflowIdOfRow } from '../../../services/lifecycle-commands.ts';
import { afterCursor, pageSize, toConnection } from '../connection.ts';
import type { ApiContext } from '../context.ts';
import type { Resolvers } from '../generated/types.ts';
import { CURRENCY_PATTERN, DEFAULT_CURRENCY } from '../../../domain/formats.ts';
import { amount, parseInput } from '../validation.ts';
import { callerOf, servicesOf } from '../services.ts';
import {
  assigneeCondition, jsonText, likePattern, policyConditions,
  rangeCondition, redactFor, invalidInput,
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
    currency: z.string().trim().regex(CURRENCY_PATTERN, 'a three-letter ISO code, e.g. GBP').default(DEFAULT_CURRENCY),
    depositRequired: amount.optional().nullable(),
    serviceIds: z.array(z.uuid()).max(20).optional().nullable(),
    assigneeId: z.uuid().optional().nullable(),
    notesInternal: z.string().trim().max(5000).optional().nullable(),
    holdMinutes: z.number().int().min(1).max(10_080).optional().nullable(),
  })
  .refine((v) => v.startAt < v.endAt, { message: 'endAt must be after startAt', path: ['endAt'] });
export type BookingDetails = z.infer<typeof bookingDetails>;

const POPULATE = ['client', 'model', 'location', 'services'] as const;

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

const timesInput = z
  .object({ startAt: z.date(), endAt: z.date(), reason: z.string().trim().max(500).optional().nullable() })
  .refine((v) => v.startAt < v.endAt, { message: 'endAt must be after startAt', path: ['endAt'] });

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
      const input = { ...parseInput(bookingDetails, args.input), clientId: args.input.clientId };
      const booking = await servicesOf(ctx).bookings.create(callerOf(ctx, viewer), input, { requestId: ctx.requestId });
      ctx.log.info({ bookingId: booking.id, ref: booking.ref }, 'booking created');
      return { booking };
    },
    async updateBooking(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'bookings.write');
      const input = parseInput(updateBookingInput, args.input);
      return { booking: await servicesOf(ctx).bookings.update(callerOf(ctx, viewer), args.id, input) };
    },
    async rescheduleBooking(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'bookings.write');
      const times = parseInput(timesInput, args);
      return { booking: await servicesOf(ctx).bookings.reschedule(callerOf(ctx, viewer), args.id, times) };
    },
    async addBookingService(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'bookings.write');
      return { booking: await servicesOf(ctx).bookings.addService(callerOf(ctx, viewer), args.bookingId, args.serviceId) };
    },
    async removeBookingService(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'bookings.write');
      return { booking: await servicesOf(ctx).bookings.removeService(callerOf(ctx, viewer), args.bookingId, args.serviceId) };
    },
  },
  Booking: {
    inquiryId: (row) => idOf(row.inquiry),
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
    createdById: (row) => idOf(row.createdBy),
  },
};
