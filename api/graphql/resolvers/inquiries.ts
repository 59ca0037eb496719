/**
 * Inquiry queries read PostgreSQL; the commands (create, update, match, convert to a booking)
 * are services/inquiries.ts.
 */
import { z } from 'zod';
import { Inquiry } from '../../../db/entities/index.ts';
import { INQUIRY_SOURCES, PRIORITIES } from '../../../domain/inquiry.ts';
import { matchesOf, requestedServicesOf } from '../../../services/inquiries.ts';
import { workflowIdOfRow } from '../../../services/lifecycle-commands.ts';
import { assigneeIdOf, idOf } from '../../../services/rows.ts';
import { canSee, contactFor, financeFor, requirePermission } from '../../auth/authorize.ts';
import type { Resolvers } from '../generated/types.ts';
import { parseInput, phone } from '../validation.ts';
import { pageOf } from '../connection.ts';
import { callerOf, servicesOf } from '../services.ts';
import { conversionDetails } from './bookings.ts';
import {
  assigneeCondition, jsonText, likePattern, policyConditions, rangeCondition, invalidInput,
} from './operations-support.ts';

const optionalText = (max: number) => z.string().trim().max(max).optional().nullable().transform((v) => v || undefined);

/** What GraphQL's types cannot say: lengths, email shape, a time window that makes sense. */
const createInquiryInput = z
  .object({
    source: z.enum(INQUIRY_SOURCES),
    externalRef: z.string().trim().min(1).max(200).regex(/^[\w.:@#/-]+$/, 'letters, digits and . _ : @ # / - only').optional().nullable(),
    priority: z.enum(PRIORITIES).default('normal'),
    subject: optionalText(300),
    message: optionalText(10_000),
    clientName: optionalText(200),
    clientEmail: z.email().max(320).optional().nullable(),
    clientPhone: phone.optional().nullable(),
    requestedTimeFrom: z.date().optional().nullable(),
    requestedTimeTo: z.date().optional().nullable(),
  })
  .refine((v) => !v.requestedTimeFrom || !v.requestedTimeTo || v.requestedTimeFrom < v.requestedTimeTo, {
    message: 'requestedTimeFrom must be before requestedTimeTo',
    path: ['requestedTimeTo'],
  });



const updateInquiryInput = z.object({
  priority: z.enum(PRIORITIES).optional(),
  subject: optionalText(300),
  message: optionalText(10_000),
  clientName: optionalText(200),
  clientEmail: z.email().max(320).optional().nullable(),
  clientPhone: phone.optional().nullable(),
  requestedLocationId: z.uuid().optional().nullable(),
  requestedServiceIds: z.array(z.uuid()).max(20).optional().nullable(),
  requestedTimeFrom: z.date().optional().nullable(),
  requestedTimeTo: z.date().optional().nullable(),
});

export const inquiryResolvers: Resolvers = {
  Query: {
    async inquiry(_, args, ctx) {
      const viewer = requirePermission(ctx, 'inquiries.read');
      if (!z.uuid().safeParse(args.id).success) return null;
      const row = await ctx.em.findOne(Inquiry, { id: args.id });
      // Out of the viewer's policy reads the same as absent: it reveals nothing.
      return row && canSee(viewer, assigneeIdOf(row)) ? row : null;
    },
    async inquiries(_, args, ctx) {
      const viewer = requirePermission(ctx, 'inquiries.read');
      return pageOf(ctx.em, Inquiry, args, (where) => {
        policyConditions(viewer).forEach(where);
        if (args.status?.length) where({ status: { $in: args.status } });
        if (args.priority?.length) where({ priority: { $in: args.priority } });
        if (args.source?.length) where({ source: { $in: args.source } });
        where(assigneeCondition(viewer, args.assignee));
        where(rangeCondition('createdAt', args.createdFrom, args.createdTo, ['createdFrom', 'createdTo']));
        const q = args.q?.trim();
        if (q) {
          if (q.length > 200) throw invalidInput('q', 'is too long (200 characters at most)');
          const like = likePattern(q);
          const fields = ['ref', 'clientName', 'subject', ...(viewer.permissions.includes('pii.read') ? ['clientEmail', 'clientPhone'] : [])];
          where({ $or: fields.map((field) => ({ [field]: { $ilike: like } })) });
        }
      });
    },
  },
  Mutation: {
    async updateInquiry(_, args, ctx) {
      const viewer = requirePermission(ctx, 'inquiries.write');
      const input = parseInput(updateInquiryInput, args.input);
      return { inquiry: await servicesOf(ctx).inquiries.update(callerOf(ctx, viewer), args.id, input) };
    },
    async matchInquiry(_, args, ctx) {
      const viewer = requirePermission(ctx, 'inquiries.write');
      return servicesOf(ctx).inquiries.match(callerOf(ctx, viewer), args.id);
    },
    async convertInquiryToBooking(_, args, ctx) {
      const viewer = requirePermission(ctx, 'inquiries.write');
      requirePermission(ctx, 'bookings.write');
      const input = parseInput(conversionDetails, args.input);
      const result = await servicesOf(ctx).inquiries.convertToBooking(callerOf(ctx, viewer), args.id, input);
      ctx.log.info({ inquiryId: result.inquiry.id, bookingId: result.booking.id, ref: result.booking.ref }, 'inquiry converted');
      return result;
    },
    async createInquiry(_, args, ctx) {
      const viewer = requirePermission(ctx, 'inquiries.write');
      const input = parseInput(createInquiryInput, args.input);
      const { inquiry, created, workflowId } = await servicesOf(ctx).inquiries.create(callerOf(ctx, viewer), input);
      ctx.log.info({ inquiryId: inquiry.id, ref: inquiry.ref, workflowId, firstDelivery: created.firstDelivery }, 'inquiry created');
      return { inquiry, created: created.firstDelivery };
    },
  },
  Inquiry: {
    clientEmail: (row, _, ctx) => contactFor(ctx.viewer, { clientEmail: row.clientEmail }).clientEmail,
    clientPhone: (row, _, ctx) => contactFor(ctx.viewer, { clientPhone: row.clientPhone }).clientPhone,
    workflowId: (inquiry) => workflowIdOfRow('inquiry', inquiry),
    requestedLocationId: (row) => idOf(row.requestedLocation),
    requestedServiceIds: (row) => requestedServicesOf(row),
    assigneeId: (row) => assigneeIdOf(row),
    depositAmount: (row, _, ctx) => financeFor(ctx.viewer, row.depositAmount),
    depositStatus: (row, _, ctx) => financeFor(ctx.viewer, row.depositStatus),
    bookingId: (row) => idOf(row.booking),
    matches: (row, _, ctx) => matchesOf(ctx.em, row.id),
  },
  InquiryMatch: {
    reason: (row) => jsonText(row.reason) ?? '{}',
    factors: (row) => {
      const factors = (row.reason as { factors?: unknown } | null)?.factors;
      return Array.isArray(factors) ? (factors as Array<{ factor: string; points: number; max: number; text: string }>) : [];
    },
  },
};
