/**
 * Payments, read-only for now (payments.read): the payments issue adds deposit intents, provider
 * webhooks, retries and refunds. A payment is seen only if its booking is in the viewer's policy.
 */
import { Payment } from '../../../db/entities/index.ts';
import { canSee, requirePermission } from '../../auth/authorize.ts';
import { afterCursor, pageSize, toConnection } from '../connection.ts';
import type { Resolvers } from '../generated/types.ts';
import { assigneeIdOf, isUuid, rangeCondition, invalidInput } from './operations-support.ts';

export const paymentResolvers: Resolvers = {
  Query: {
    async payment(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'payments.read');
      if (!isUuid(args.id)) return null;
      const row = await ctx.em.findOne(Payment, { id: args.id }, { populate: ['booking'] });
      return row && canSee(viewer, assigneeIdOf(row.booking)) ? row : null;
    },
    async payments(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'payments.read');
      const size = pageSize(args.first);
      const conditions: Record<string, unknown>[] = [];
      const push = (c: Record<string, unknown> | undefined) => c && conditions.push(c);
      if (!viewer.permissions.includes('entities.read_all')) push({ booking: { $or: [{ assignedTo: viewer.id }, { assignedTo: null }] } });
      if (args.status) push({ status: args.status });
      if (args.bookingId) {
        if (!isUuid(args.bookingId)) throw invalidInput('bookingId', 'must be an id');
        push({ booking: args.bookingId });
      }
      push(rangeCondition('createdAt', args.createdFrom, args.createdTo, ['createdFrom', 'createdTo']));
      push(afterCursor(args.after));
      const rows = await ctx.em.find(Payment, { $and: conditions }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1, populate: ['booking'] });
      return toConnection(rows, size);
    },
  },
  Payment: {
    bookingId: (row) => row.booking.id,
    bookingRef: (row) => row.booking.ref,
  },
};
