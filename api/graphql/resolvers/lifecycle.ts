/**
 * Status changes, assignment and notes for every lifecycle entity (services/lifecycle.ts): each
 * is a workflow Update on the entity's workflow, never a write. The caller's Idempotency-Key
 * becomes the transition id, so a retried request returns the first result and changes nothing.
 */
import { requireViewer } from '../../auth/authorize.ts';
import type { Resolvers } from '../generated/types.ts';
import { callerOf, servicesOf } from '../services.ts';

export const lifecycleResolvers: Resolvers = {
  Mutation: {
    async changeStatus(_, args, ctx) {
      const { entity, to, reason, depositAmount, depositRequired, closedReason } = args.input;
      const data = Object.fromEntries(Object.entries({ depositAmount, depositRequired, closedReason }).filter(([, v]) => v !== null && v !== undefined));
      const result = await servicesOf(ctx).lifecycle.changeStatus(callerOf(ctx, requireViewer(ctx.viewer)), entity, { to, reason: reason ?? undefined, data });
      return { ...result, entityType: entity.type };
    },
    async assign(_, args, ctx) {
      const { entity, assigneeId, reason } = args.input;
      const result = await servicesOf(ctx).lifecycle.assign(callerOf(ctx, requireViewer(ctx.viewer)), entity, assigneeId ?? null, reason ?? undefined);
      return { ...result, entityType: entity.type };
    },
    async addNote(_, args, ctx) {
      const result = await servicesOf(ctx).lifecycle.addNote(callerOf(ctx, requireViewer(ctx.viewer)), args.input.entity, args.input.text);
      return { ...result, entityType: args.input.entity.type };
    },
  },
};
