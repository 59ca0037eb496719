/**
 * Status changes, assignment and notes for every lifecycle entity: each is a workflow Update on
 * the entity's workflow, never a write. The caller's Idempotency-Key becomes the transition id,
 * so a retried request returns the first result and changes nothing.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { LIFECYCLE_ROWS, type Inquiry, type LifecycleRow } from '../../../db/entities/index.ts';
import type { PermissionCode } from '../../../domain/access.ts';
import type { LifecycleEntityType } from '../../../domain/lifecycles.ts';
import { assertMayAssign, canSee, requirePermission, requireViewer } from '../../auth/authorize.ts';
import { addNote, assign, transition, workflowIdOfRow } from '../../lifecycle-commands.ts';
import type { Actor } from '../../../workflows/lifecycle/messages.ts';
import type { ApiContext } from '../context.ts';
import { isUuid, notFound } from '../validation.ts';
import { transitionIdOf, userActor } from './operations-support.ts';
import type { Resolvers } from '../generated/types.ts';

const WRITE: Record<LifecycleEntityType, PermissionCode> = {
  inquiry: 'inquiries.write', booking: 'bookings.write', task: 'tasks.write', exception: 'exceptions.write',
};

interface EntityRef {
  type: LifecycleEntityType;
  id: string;
}

/** Checks the viewer may change this entity; its workflow and who acts on it. */
async function workflowOf(ctx: ApiContext, ref: EntityRef): Promise<{ handle: WorkflowHandle; actor: Actor; transitionId: string }> {
  const viewer = requirePermission(ctx.viewer, WRITE[ref.type]);
  if (!isUuid(ref.id)) throw notFound(ref.type, ref.id);
  const row = (await ctx.em.findOne(LIFECYCLE_ROWS[ref.type] as typeof Inquiry, { id: ref.id })) as LifecycleRow | null;
  const assignee = (row?.assignedTo as { id: string } | null | undefined)?.id ?? null;
  // Outside the viewer's policy reads as absent, as in queries.
  if (!row || !canSee(viewer, assignee)) throw notFound(ref.type, ref.id);
  return { handle: ctx.temporal.workflow.getHandle(workflowIdOfRow(ref.type, row)), actor: userActor(viewer), transitionId: transitionIdOf(ctx) };
}

export const lifecycleResolvers: Resolvers = {
  Mutation: {
    async changeStatus(_, args, ctx) {
      const { entity, to, reason, depositAmount, depositRequired, closedReason } = args.input;
      const { handle, actor, transitionId } = await workflowOf(ctx, entity);
      const data = Object.fromEntries(Object.entries({ depositAmount, depositRequired, closedReason }).filter(([, v]) => v !== null && v !== undefined));
      const result = await transition(handle, to, { actor, transitionId, reason: reason ?? undefined, data });
      return { ...result, entityType: entity.type };
    },
    async assign(_, args, ctx) {
      const { entity, assigneeId, reason } = args.input;
      const { handle, actor, transitionId } = await workflowOf(ctx, entity);
      assertMayAssign(requireViewer(ctx.viewer), assigneeId);
      const result = await assign(handle, assigneeId ?? null, { actor, transitionId, reason: reason ?? undefined });
      return { ...result, entityType: entity.type };
    },
    async addNote(_, args, ctx) {
      const { handle, actor, transitionId } = await workflowOf(ctx, args.input.entity);
      const result = await addNote(handle, args.input.text, { actor, transitionId });
      return { ...result, entityType: args.input.entity.type };
    },
  },
};
