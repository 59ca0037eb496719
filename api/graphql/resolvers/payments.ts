/**
 * Payments: reads (payments.read; a payment is seen only if its booking is in the viewer's
 * policy), Finance's reconciliation reports (payments.read), received webhooks
 * (integrations.read); commands (deposit intents, retries, refunds, reprocessing, a
 * reconciliation run) are services/payments.ts.
 */
import { z } from 'zod';
import { Payment, ReconciliationMismatch, ReconciliationReport, WebhookIn } from '../../../db/entities/index.ts';
import { MONEY_PATTERN } from '../../../domain/formats.ts';
import { canSee, requirePermission } from '../../auth/authorize.ts';
import { pageOf } from '../connection.ts';
import type { Resolvers } from '../generated/types.ts';
import { callerOf, servicesOf } from '../services.ts';
import { parseInput } from '../validation.ts';
import { assigneeIdOf, isUuid, rangeCondition, invalidInput } from './operations-support.ts';

const refundInput = z.object({
  amount: z.string().regex(MONEY_PATTERN, 'a positive amount such as "25.00"').refine((v) => Number(v) > 0, 'must be above zero').optional().nullable(),
  reason: z.string().trim().max(500).optional().nullable(),
});

const WEBHOOK_STATUSES = ['received', 'processed', 'ignored', 'failed'];

export const paymentResolvers: Resolvers = {
  Query: {
    async payment(_, args, ctx) {
      const viewer = requirePermission(ctx, 'payments.read');
      if (!isUuid(args.id)) return null;
      const row = await ctx.em.findOne(Payment, { id: args.id }, { populate: ['booking', 'inquiry'] });
      // In policy through its booking, else (an inquiry's deposit not yet converted) its inquiry.
      return row && canSee(viewer, assigneeIdOf(row.booking ?? row.inquiry ?? {})) ? row : null;
    },
    async payments(_, args, ctx) {
      const viewer = requirePermission(ctx, 'payments.read');
      return pageOf(ctx.em, Payment, args, (where) => {
        if (!viewer.permissions.includes('entities.read_all')) {
          const mine = { $or: [{ assignedTo: viewer.id }, { assignedTo: null }] };
          where({ $or: [{ booking: mine }, { booking: null, inquiry: mine }] });
        }
        if (args.status) where({ status: args.status });
        if (args.bookingId) {
          if (!isUuid(args.bookingId)) throw invalidInput('bookingId', 'must be an id');
          where({ booking: args.bookingId });
        }
        where(rangeCondition('createdAt', args.createdFrom, args.createdTo, ['createdFrom', 'createdTo']));
      }, { populate: ['booking', 'inquiry'] });
    },
    async webhooks(_, args, ctx) {
      requirePermission(ctx, 'integrations.read');
      return pageOf(ctx.em, WebhookIn, args, (where) => {
        if (args.status) {
          if (!WEBHOOK_STATUSES.includes(args.status)) throw invalidInput('status', `one of ${WEBHOOK_STATUSES.join(', ')}`);
          where({ status: args.status });
        }
        if (args.eventType) where({ eventType: args.eventType });
      }, { key: 'receivedAt', populate: ['integration'] });
    },
    async reconciliationReports(_, args, ctx) {
      requirePermission(ctx, 'payments.read');
      return pageOf(ctx.em, ReconciliationReport, args, undefined, { key: 'startedAt' });
    },
    async reconciliationReport(_, args, ctx) {
      requirePermission(ctx, 'payments.read');
      return isUuid(args.id) ? ctx.em.findOne(ReconciliationReport, { id: args.id }) : null;
    },
  },
  Mutation: {
    async requestDeposit(_, args, ctx) {
      const viewer = requirePermission(ctx, 'payments.write');
      return servicesOf(ctx).payments.requestDeposit(callerOf(ctx, viewer), args.bookingId);
    },
    async requestInquiryDeposit(_, args, ctx) {
      const viewer = requirePermission(ctx, 'payments.write');
      return servicesOf(ctx).payments.requestInquiryDeposit(callerOf(ctx, viewer), args.inquiryId);
    },
    async retryPayment(_, args, ctx) {
      const viewer = requirePermission(ctx, 'payments.write');
      return servicesOf(ctx).payments.retryPayment(callerOf(ctx, viewer), args.id);
    },
    async refundPayment(_, args, ctx) {
      const viewer = requirePermission(ctx, 'payments.write');
      const input = parseInput(refundInput, { amount: args.amount, reason: args.reason });
      return servicesOf(ctx).payments.refundPayment(callerOf(ctx, viewer), args.id, { amount: input.amount ?? undefined, reason: input.reason ?? undefined });
    },
    async reprocessWebhook(_, args, ctx) {
      const viewer = requirePermission(ctx, 'integrations.write');
      return servicesOf(ctx).payments.reprocessWebhook(callerOf(ctx, viewer), args.id);
    },
    async runReconciliation(_, args, ctx) {
      const viewer = requirePermission(ctx, 'payments.write');
      return servicesOf(ctx).payments.runReconciliation(callerOf(ctx, viewer), { from: args.from, to: args.to });
    },
  },
  Payment: {
    bookingId: (row) => row.booking?.id ?? null,
    bookingRef: (row) => row.booking?.ref ?? null,
    inquiryId: (row) => row.inquiry?.id ?? null,
    inquiryRef: (row) => row.inquiry?.ref ?? null,
    refundsPaymentId: (row) => row.refundsPaymentId ?? null,
  },
  WebhookIn: {
    provider: (row) => row.integration.code,
    eventId: (row) => row.idempotencyKey ?? null,
  },
  ReconciliationReport: {
    mismatches: (row, _, ctx) => ctx.em.find(ReconciliationMismatch, { reportId: row.id }, { orderBy: { kind: 'asc', providerPaymentId: 'asc' } }),
  },
};
