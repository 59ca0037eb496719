/**
 * Status changes, assignment and notes for every lifecycle entity: each is a workflow Update on
 * the entity's workflow, never a write. The caller's Idempotency-Key becomes the transition id,
 * so a retried request returns the first result and changes nothing.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { GraphQLError } from 'graphql';
import { z } from 'zod';
import { LIFECYCLE_ROWS, type Inquiry, type LifecycleRow } from '../../../db/entities/index.ts';
import type { PermissionCode } from '../../../domain/access.ts';
import type { LifecycleEntityType } from '../../../domain/lifecycles.ts';
import { canSee, requirePermission } from '../../auth/authorize.ts';
import { addNote, assign, transition, workflowIdOfRow } from '../../lifecycle-commands.ts';
import type { ApiContext } from '../context.ts';
import { assertIdempotencyKey } from '../idempotency.ts';
import type { Resolvers } from '../generated/types.ts';

const WRITE: Record<LifecycleEntityType, PermissionCode> = {
  inquiry: 'inquiries.write', booking: 'bookings.write', task: 'tasks.write', exception: 'exceptions.write',
};

interface EntityRef {
  type: LifecycleEntityType;
  id: string;
}

const notFound = (ref: EntityRef) => new GraphQLError(`No ${ref.type} ${ref.id}.`, { extensions: { code: 'NOT_FOUND', entityType: ref.type, entityId: ref.id } });

/** Checks the viewer may change this entity and returns its workflow. */
async function workflowOf(ctx: ApiContext, ref: EntityRef): Promise<WorkflowHandle> {
  const viewer = requirePermission(ctx.viewer, WRITE[ref.type]);
  if (!z.uuid().safeParse(ref.id).success) throw notFound(ref);
  const row = (await ctx.em.findOne(LIFECYCLE_ROWS[ref.type] as typeof Inquiry, { id: ref.id })) as LifecycleRow | null;
  const assignee = (row?.assignedTo as { id: string } | null | undefined)?.id ?? null;
  // Outside the viewer's policy reads as absent, as in queries.
  if (!row || !canSee(viewer, assignee)) throw notFound(ref);
  return ctx.temporal.workflow.getHandle(workflowIdOfRow(ref.type, row));
}

/** The caller's Idempotency-Key, scoped to the user; a fresh id without one. */
function transitionIdOf(ctx: ApiContext): string {
  const key = ctx.idempotencyKey;
  if (key === undefined) return randomUUID();
  assertIdempotencyKey(key);
  return `${ctx.viewer?.id ?? 'anonymous'}:${key}`;
}

const actorOf = (ctx: ApiContext) => ({ type: 'user' as const, userId: ctx.viewer?.id });

export const lifecycleResolvers: Resolvers = {
  Mutation: {
    async changeStatus(_, args, ctx) {
      const { entity, to, reason, depositAmount, depositRequired, closedReason } = args.input;
      const handle = await workflowOf(ctx, entity);
      const data = Object.fromEntries(Object.entries({ depositAmount, depositRequired, closedReason }).filter(([, v]) => v !== null && v !== undefined));
      const result = await transition(handle, to, { actor: actorOf(ctx), transitionId: transitionIdOf(ctx), reason: reason ?? undefined, data });
      return { ...result, entityType: entity.type };
    },
    async assign(_, args, ctx) {
      const { entity, assigneeId, reason } = args.input;
      const handle = await workflowOf(ctx, entity);
      const result = await assign(handle, assigneeId ?? null, { actor: actorOf(ctx), transitionId: transitionIdOf(ctx), reason: reason ?? undefined });
      return { ...result, entityType: entity.type };
    },
    async addNote(_, args, ctx) {
      const handle = await workflowOf(ctx, args.input.entity);
      const result = await addNote(handle, args.input.text, { actor: actorOf(ctx), transitionId: transitionIdOf(ctx) });
      return { ...result, entityType: args.input.entity.type };
    },
  },
};
