/**
 * Bookings: queries read PostgreSQL; the commands (create, update, reschedule, confirm the client's
 * arrival, add and remove a service) are services/bookings.ts.
 */
import { z } from 'zod';
import { Booking } from '../../../db/entities/index.ts';
import { canSee, financeFor, requirePermission } from '../../auth/authorize.ts';
import { loadBooking } from '../../../services/bookings.ts';
import { assigneeIdOf, idOf, isUuid } from '../../../services/rows.ts';
import { workflowIdOfRow } from '../../../services/lifecycle-commands.ts';
import { pageOf } from '../connection.ts';
import type { ApiContext } from '../context.ts';
import type { Resolvers } from '../generated/types.ts';
import { CURRENCY_PATTERN, DEFAULT_CURRENCY } from '../../../domain/formats.ts';
import { amount, parseInput } from '../validation.ts';
import { callerOf, servicesOf } from '../services.ts';
import { timelinePage } from '../../read-models/timeline.ts';
import {
  assigneeCondition, jsonText, likePattern, policyConditions,
  rangeCondition, redactFor, invalidInput,
} from './operations-support.ts';


/** What a new booking needs, whether created directly or converted from an inquiry. */
const bookingFields = z
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
  });
const startsBeforeEnd = { message: 'endAt must be after startAt', path: ['endAt'] };
export const bookingDetails = bookingFields.refine((v) => v.startAt < v.endAt, startsBeforeEnd);
export type BookingDetails = z.infer<typeof bookingDetails>;
/** A conversion may leave the price to the call rates (services/inquiries.ts). */
export const conversionDetails = bookingFields.extend({ priceTotal: amount.optional().nullable(), currency: bookingFields.shape.currency.optional() })
  .refine((v) => v.startAt < v.endAt, startsBeforeEnd);

const POPULATE = ['client', 'model', 'location', 'services'] as const;

const finance = (ctx: ApiContext, value: string | null | undefined): string | null => financeFor(ctx.viewer, value);

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

const arrivalInput = z.object({ note: z.string().trim().min(1).max(500).optional().nullable() });

export const bookingResolvers: Resolvers = {
  Query: {
    async booking(_, args, ctx) {
      const viewer = requirePermission(ctx, 'bookings.read');
      if (!isUuid(args.id)) return null;
      const row = await loadBooking(ctx.em, args.id);
      return row && canSee(viewer, assigneeIdOf(row)) ? row : null;
    },
    async bookings(_, args, ctx) {
      const viewer = requirePermission(ctx, 'bookings.read');
      return pageOf(ctx.em, Booking, args, (where) => {
        policyConditions(viewer).forEach(where);
        if (args.status?.length) where({ status: { $in: args.status } });
        for (const [field, column] of [['modelId', 'model'], ['clientId', 'client'], ['locationId', 'location']] as const) {
          const value = args[field];
          if (value === null || value === undefined) continue;
          if (!isUuid(value)) throw invalidInput(field, 'must be an id');
          where({ [column]: value });
        }
        where(assigneeCondition(viewer, args.assignee));
        where(rangeCondition('startAt', args.startFrom, args.startTo, ['startFrom', 'startTo']));
        if (args.q?.trim()) {
          const like = likePattern(args.q);
          where({ $or: [{ ref: { $ilike: like } }, { client: { fullName: { $ilike: like } } }, { model: { name: { $ilike: like } } }] });
        }
      }, { populate: POPULATE });
    },
  },
  Mutation: {
    async createBooking(_, args, ctx) {
      const viewer = requirePermission(ctx, 'bookings.write');
      const input = { ...parseInput(bookingDetails, args.input), clientId: args.input.clientId };
      const booking = await servicesOf(ctx).bookings.create(callerOf(ctx, viewer), input);
      ctx.log.info({ bookingId: booking.id, ref: booking.ref }, 'booking created');
      return { booking };
    },
    async updateBooking(_, args, ctx) {
      const viewer = requirePermission(ctx, 'bookings.write');
      const input = parseInput(updateBookingInput, args.input);
      return { booking: await servicesOf(ctx).bookings.update(callerOf(ctx, viewer), args.id, input) };
    },
    async rescheduleBooking(_, args, ctx) {
      const viewer = requirePermission(ctx, 'bookings.write');
      const times = parseInput(timesInput, args);
      return { booking: await servicesOf(ctx).bookings.reschedule(callerOf(ctx, viewer), args.id, times) };
    },
    async confirmClientArrival(_, args, ctx) {
      const viewer = requirePermission(ctx, 'bookings.write');
      const { note } = parseInput(arrivalInput, args);
      return { booking: await servicesOf(ctx).bookings.confirmArrival(callerOf(ctx, viewer), args.id, { note }) };
    },
    async addBookingService(_, args, ctx) {
      const viewer = requirePermission(ctx, 'bookings.write');
      return { booking: await servicesOf(ctx).bookings.addService(callerOf(ctx, viewer), args.bookingId, args.serviceId) };
    },
    async removeBookingService(_, args, ctx) {
      const viewer = requirePermission(ctx, 'bookings.write');
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
    timeline: (row, args, ctx) => timelinePage(ctx.em, 'booking', row.id, args),
    workflowId: (row) => workflowIdOfRow('booking', row),
  },
  BookingTimelineEntry: {
    payload: (row, _, ctx) => jsonText(redactFor(ctx.viewer, row.payload)),
    createdById: (row) => idOf(row.createdBy),
  },
};
