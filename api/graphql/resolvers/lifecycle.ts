/**
 * Status changes, assignment and notes for every lifecycle entity (services/lifecycle.ts): each
 * is a workflow Update on the entity's workflow, never a write. The caller's Idempotency-Key
 * becomes the transition id, so a retried request returns the first result and changes nothing.
 */
import type { LifecycleEntityType } from '../../../domain/lifecycles.ts';
import { allowedNextStatuses } from '../../../services/next-statuses.ts';
import { idOf } from '../../../services/rows.ts';
import { requireViewer } from '../../auth/authorize.ts';
import { timelinePage } from '../../read-models/timeline.ts';
import type { Resolvers } from '../generated/types.ts';
import type { ResolverContext } from '../context.ts';
import { callerOf, servicesOf } from '../services.ts';
import { jsonText, redactFor } from './operations-support.ts';

/** The statuses this viewer may move the entity to now (services/next-statuses.ts). */
function nextStatuses(type: LifecycleEntityType) {
  return (row: { status: string; assignedTo?: unknown }, _args: unknown, ctx: ResolverContext): string[] => allowedNextStatuses(ctx.viewer, type, row);
}

export const lifecycleResolvers: Resolvers = {
  Mutation: {
    async changeStatus(_, args, ctx) {
      const { entity, to, reason, depositAmount, depositRequired, closedReason } = args.input;
      const data = Object.fromEntries(Object.entries({ depositAmount, depositRequired, closedReason }).filter(([, v]) => v !== null && v !== undefined));
      const result = await servicesOf(ctx).lifecycle.changeStatus(callerOf(ctx, requireViewer(ctx)), entity, { to, reason: reason ?? undefined, data });
      return { ...result, entityType: entity.type };
    },
    async assign(_, args, ctx) {
      const { entity, assigneeId, reason } = args.input;
      const result = await servicesOf(ctx).lifecycle.assign(callerOf(ctx, requireViewer(ctx)), entity, assigneeId ?? null, reason ?? undefined);
      return { ...result, entityType: entity.type };
    },
    async addNote(_, args, ctx) {
      const result = await servicesOf(ctx).lifecycle.addNote(callerOf(ctx, requireViewer(ctx)), args.input.entity, args.input.text);
      return { ...result, entityType: args.input.entity.type };
    },
  },
  Inquiry: { nextStatuses: nextStatuses('inquiry'), timeline: (row, args, ctx) => timelinePage(ctx.em, 'inquiry', row.id, args) },
  Booking: { nextStatuses: nextStatuses('booking') },
  Task: { nextStatuses: nextStatuses('task'), timeline: (row, args, ctx) => timelinePage(ctx.em, 'task', row.id, args) },
  Exception: { nextStatuses: nextStatuses('exception'), timeline: (row, args, ctx) => timelinePage(ctx.em, 'exception', row.id, args) },
  TimelineEntry: {
    payload: (row, _, ctx) => jsonText(redactFor(ctx.viewer, row.payload)),
    createdById: (row) => idOf(row.createdBy),
  },
};
