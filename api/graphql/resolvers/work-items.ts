/**
 * Tasks and exceptions (the Action Center's work items): queries read PostgreSQL; creation starts
 * the item's lifecycle workflow (update-with-start) and its SLA; completing, resolving and
 * dismissing are transitions of that workflow, never writes.
 */
import { z } from 'zod';
import { AuditLog, Exception, LIFECYCLE_ROWS, Task, User } from '../../../db/entities/index.ts';
import { PRIORITIES } from '../../../domain/inquiry.ts';
import type { LifecycleEntityType } from '../../../domain/lifecycles.ts';
import { assertMayAssign, canSee, requirePermission } from '../../auth/authorize.ts';
import type { Viewer } from '../../auth/sessions.ts';
import { completeTask, startException, startTask, transition, workflowIdOfRow } from '../../lifecycle-commands.ts';
import { afterCursor, pageSize, toConnection } from '../connection.ts';
import type { ApiContext } from '../context.ts';
import type { Resolvers } from '../generated/types.ts';
import { newEntityId } from '../idempotency.ts';
import { parseInput } from '../validation.ts';
import {
  assigneeCondition, assigneeIdOf, isUuid, jsonText, likePattern, notFound, parseJsonObject, policyConditions,
  rangeCondition, transitionIdOf, userActor, invalidInput,
} from './operations-support.ts';

const code = (max: number) => z.string().trim().min(1).max(max).regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _ only');

const subjectOf = {
  entityType: code(40),
  entityId: z.uuid(),
  assigneeId: z.uuid().optional().nullable(),
  details: z.string().max(20_000).optional().nullable(),
};

const createTaskInput = z.object({
  type: code(60),
  subject: z.string().trim().min(1).max(300),
  priority: z.enum(PRIORITIES).default('normal'),
  dueAt: z.date().optional().nullable(),
  ...subjectOf,
});

const createExceptionInput = z.object({
  type: code(60),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  summary: z.string().trim().min(1).max(500),
  ...subjectOf,
});

const reasonText = (field: string, required: boolean) => {
  const text = z.string().trim().max(2000);
  return z.object({ [field]: required ? text.min(1, 'must not be empty') : text.optional().nullable() });
};

/**
 * A new work item's assignee exists and is the viewer's to choose (assertMayAssign), and the
 * entity it is about is one the viewer may see: a task cannot be used to look at a booking
 * outside one's policy (its Action Center summary shows the booking).
 */
async function assertNewItem(ctx: ApiContext, viewer: Viewer, input: { assigneeId?: string | null; entityType: string; entityId: string }): Promise<void> {
  assertMayAssign(viewer, input.assigneeId);
  await assertAssignee(ctx, input.assigneeId);
  if (!(input.entityType in LIFECYCLE_ROWS)) return;
  const entity = LIFECYCLE_ROWS[input.entityType as LifecycleEntityType] as typeof Task;
  const row = isUuid(input.entityId) ? ((await ctx.em.findOne(entity, { id: input.entityId })) as { assignedTo?: unknown } | null) : null;
  if (!row || !canSee(viewer, assigneeIdOf(row))) throw invalidInput('entityId', `no ${input.entityType} ${input.entityId} that you may see`);
}

async function assertAssignee(ctx: ApiContext, assigneeId: string | null | undefined): Promise<void> {
  if (assigneeId && !(await ctx.em.findOne(User, { id: assigneeId, status: 'active' }))) throw invalidInput('assigneeId', 'no active user with this id');
}

type Kind = 'task' | 'exception';
const ROW = { task: Task, exception: Exception as unknown as typeof Task } as const;

/** A work item the viewer may act on, fresh from the database, or NOT_FOUND. */
async function itemInPolicy<K extends Kind>(ctx: ApiContext, viewer: Viewer, kind: K, id: string): Promise<K extends 'task' ? Task : Exception> {
  const row = isUuid(id) ? await ctx.em.findOne(ROW[kind], { id }, { refresh: true }) : null;
  if (!row || !canSee(viewer, assigneeIdOf(row))) throw notFound(kind, id);
  return row as K extends 'task' ? Task : Exception;
}

/** Filters tasks and exceptions share. */
function workItemConditions(viewer: Viewer, args: {
  status?: readonly string[] | null; assignee?: string | null; type?: string | null; slaBreached?: boolean | null;
  slaFrom?: Date | null; slaTo?: Date | null; entityType?: string | null; entityId?: string | null; after?: string | null;
}): Record<string, unknown>[] {
  const conditions: Record<string, unknown>[] = [...policyConditions(viewer)];
  const push = (c: Record<string, unknown> | undefined) => c && conditions.push(c);
  if (args.status?.length) push({ status: { $in: [...args.status] } });
  push(assigneeCondition(viewer, args.assignee));
  if (args.type) push({ type: args.type });
  if (args.slaBreached !== null && args.slaBreached !== undefined) push({ slaBreached: args.slaBreached });
  push(rangeCondition('slaDeadlineAt', args.slaFrom, args.slaTo, ['slaFrom', 'slaTo']));
  if (args.entityType) push({ entityType: args.entityType });
  if (args.entityId) {
    if (!isUuid(args.entityId)) throw invalidInput('entityId', 'must be an id');
    push({ entityId: args.entityId });
  }
  push(afterCursor(args.after));
  return conditions;
}

async function moveThroughWorkflow(ctx: ApiContext, viewer: Viewer, kind: Kind, row: Task | Exception, to: string, reason: string | undefined) {
  const handle = ctx.temporal.workflow.getHandle(workflowIdOfRow(kind as LifecycleEntityType, row));
  const result = await transition(handle, to, { actor: userActor(viewer), transitionId: transitionIdOf(ctx), reason });
  return { ...result, entityType: kind };
}

export const workItemResolvers: Resolvers = {
  Query: {
    async task(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'tasks.read');
      if (!isUuid(args.id)) return null;
      const row = await ctx.em.findOne(Task, { id: args.id }, { refresh: true });
      return row && canSee(viewer, assigneeIdOf(row)) ? row : null;
    },
    async tasks(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'tasks.read');
      const size = pageSize(args.first);
      const conditions = workItemConditions(viewer, args);
      if (args.priority?.length) conditions.push({ priority: { $in: args.priority } });
      const due = rangeCondition('dueAt', args.dueFrom, args.dueTo, ['dueFrom', 'dueTo']);
      if (due) conditions.push(due);
      if (args.q?.trim()) conditions.push({ $or: [{ ref: { $ilike: likePattern(args.q) } }, { subject: { $ilike: likePattern(args.q) } }] });
      const rows = await ctx.em.find(Task, { $and: conditions }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 });
      return toConnection(rows, size);
    },
    async exception(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'exceptions.read');
      if (!isUuid(args.id)) return null;
      const row = await ctx.em.findOne(Exception, { id: args.id }, { refresh: true });
      return row && canSee(viewer, assigneeIdOf(row)) ? row : null;
    },
    async exceptions(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'exceptions.read');
      const size = pageSize(args.first);
      const conditions = workItemConditions(viewer, args);
      if (args.severity?.length) conditions.push({ severity: { $in: args.severity } });
      if (args.q?.trim()) conditions.push({ $or: [{ ref: { $ilike: likePattern(args.q) } }, { summary: { $ilike: likePattern(args.q) } }] });
      const rows = await ctx.em.find(Exception, { $and: conditions }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 });
      return toConnection(rows, size);
    },
  },
  Mutation: {
    async createTask(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'tasks.write');
      const input = parseInput(createTaskInput, args.input);
      const details = parseJsonObject('details', input.details);
      await assertNewItem(ctx, viewer, input);
      const id = newEntityId(ctx, 'task');
      const { created } = await startTask(ctx.temporal, {
        id, type: input.type, subject: input.subject, priority: input.priority, entityType: input.entityType, entityId: input.entityId,
        assigneeId: input.assigneeId ?? undefined, dueAt: input.dueAt?.toISOString(), details,
      }, { actor: userActor(viewer), requestId: ctx.requestId }, { staticSummary: `Task ${input.type} (${input.priority}) • ${input.subject}` });
      return { task: await ctx.em.findOneOrFail(Task, { id: created.entityId }, { refresh: true }) };
    },
    async createException(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'exceptions.write');
      const input = parseInput(createExceptionInput, args.input);
      const details = parseJsonObject('details', input.details);
      await assertNewItem(ctx, viewer, input);
      const id = newEntityId(ctx, 'exception');
      const { created } = await startException(ctx.temporal, {
        id, type: input.type, severity: input.severity, summary: input.summary, entityType: input.entityType, entityId: input.entityId,
        assigneeId: input.assigneeId ?? undefined, details,
      }, { actor: userActor(viewer), requestId: ctx.requestId }, { staticSummary: `Exception ${input.type} (${input.severity}) • ${input.summary}` });
      return { exception: await ctx.em.findOneOrFail(Exception, { id: created.entityId }, { refresh: true }) };
    },
    async completeTask(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'tasks.write');
      const parsed = parseInput(reasonText('reason', false), args);
      const reason = (parsed.reason as string | null | undefined) ?? undefined;
      const row = await itemInPolicy(ctx, viewer, 'task', args.id);
      // Seed §4 has no open → done: the task's workflow starts an open task first, in the same Update.
      const handle = ctx.temporal.workflow.getHandle(workflowIdOfRow('task', row));
      const result = await completeTask(handle, { actor: userActor(viewer), transitionId: transitionIdOf(ctx), reason });
      return { task: await ctx.em.findOneOrFail(Task, { id: row.id }, { refresh: true }), transition: { ...result, entityType: 'task' as const } };
    },
    async resolveException(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'exceptions.write');
      const parsed = parseInput(reasonText('resolution', true), args);
      const row = await itemInPolicy(ctx, viewer, 'exception', args.id);
      const result = await moveThroughWorkflow(ctx, viewer, 'exception', row, 'resolved', parsed.resolution as string);
      return { exception: await ctx.em.findOneOrFail(Exception, { id: row.id }, { refresh: true }), transition: result };
    },
    async dismissException(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'exceptions.write');
      const parsed = parseInput(reasonText('reason', true), args);
      const row = await itemInPolicy(ctx, viewer, 'exception', args.id);
      const result = await moveThroughWorkflow(ctx, viewer, 'exception', row, 'dismissed', parsed.reason as string);
      return { exception: await ctx.em.findOneOrFail(Exception, { id: row.id }, { refresh: true }), transition: result };
    },
  },
  Task: {
    priority: (row) => row.priority as (typeof PRIORITIES)[number],
    assigneeId: (row) => assigneeIdOf(row),
    createdById: (row) => (row.createdBy as { id: string } | null)?.id ?? null,
    details: (row) => jsonText(row.details),
    workflowId: (row) => workflowIdOfRow('task', row),
  },
  Exception: {
    assigneeId: (row) => assigneeIdOf(row),
    resolvedById: (row) => (row.resolvedBy as { id: string } | null)?.id ?? null,
    details: (row) => jsonText(row.details),
    async resolution(row, _, ctx) {
      if (row.status !== 'resolved' && row.status !== 'dismissed') return null;
      const entry = await ctx.em.findOne(AuditLog, { entityType: 'exception', entityId: row.id, action: 'STATUS_CHANGE' }, { orderBy: { createdAt: 'desc' } });
      const reason = entry?.metadata?.reason;
      return typeof reason === 'string' ? reason : null;
    },
    workflowId: (row) => workflowIdOfRow('exception', row),
  },
};
