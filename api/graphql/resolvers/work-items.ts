/**
 * Tasks and exceptions (the Action Center's work items): queries read PostgreSQL; commands
 * (create, complete, resolve, dismiss) are services/work-items.ts.
 */
import { z } from 'zod';
import { AuditLog, Exception, Task } from '../../../db/entities/index.ts';
import { PRIORITIES } from '../../../domain/inquiry.ts';
import { canSee, requirePermission } from '../../auth/authorize.ts';
import type { Viewer } from '../../auth/sessions.ts';
import { workflowIdOfRow } from '../../../services/lifecycle-commands.ts';
import { pageOf, type Where } from '../connection.ts';
import type { Resolvers } from '../generated/types.ts';
import { parseInput } from '../validation.ts';
import { callerOf, servicesOf } from '../services.ts';
import {
  assigneeCondition, assigneeIdOf, isUuid, jsonText, likePattern, parseJsonObject, policyConditions,
  rangeCondition, invalidInput,
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

/** Filters tasks and exceptions share. */
function workItemFilter(where: Where, viewer: Viewer, args: {
  status?: readonly string[] | null; assignee?: string | null; type?: string | null; slaBreached?: boolean | null;
  slaFrom?: Date | null; slaTo?: Date | null; entityType?: string | null; entityId?: string | null;
}): void {
  policyConditions(viewer).forEach(where);
  if (args.status?.length) where({ status: { $in: [...args.status] } });
  where(assigneeCondition(viewer, args.assignee));
  if (args.type) where({ type: args.type });
  if (args.slaBreached !== null && args.slaBreached !== undefined) where({ slaBreached: args.slaBreached });
  where(rangeCondition('slaDeadlineAt', args.slaFrom, args.slaTo, ['slaFrom', 'slaTo']));
  if (args.entityType) where({ entityType: args.entityType });
  if (args.entityId) {
    if (!isUuid(args.entityId)) throw invalidInput('entityId', 'must be an id');
    where({ entityId: args.entityId });
  }
}

/** Who resolved or dismissed an exception: "me" or a user id. */
function resolverCondition(viewer: Viewer, resolvedBy: string | null | undefined): Record<string, unknown> | undefined {
  if (resolvedBy === null || resolvedBy === undefined || resolvedBy === '') return undefined;
  if (resolvedBy === 'me') return { resolvedBy: viewer.id };
  if (!isUuid(resolvedBy)) throw invalidInput('resolvedBy', 'a user id or "me"');
  return { resolvedBy };
}

export const workItemResolvers: Resolvers = {
  Query: {
    async task(_, args, ctx) {
      const viewer = requirePermission(ctx, 'tasks.read');
      if (!isUuid(args.id)) return null;
      const row = await ctx.em.findOne(Task, { id: args.id }, { refresh: true });
      return row && canSee(viewer, assigneeIdOf(row)) ? row : null;
    },
    async tasks(_, args, ctx) {
      const viewer = requirePermission(ctx, 'tasks.read');
      return pageOf(ctx.em, Task, args, (where) => {
        workItemFilter(where, viewer, args);
        if (args.priority?.length) where({ priority: { $in: args.priority } });
        where(rangeCondition('dueAt', args.dueFrom, args.dueTo, ['dueFrom', 'dueTo']));
        where(rangeCondition('completedAt', args.completedFrom, null, ['completedFrom', 'completedFrom']));
        if (args.q?.trim()) where({ $or: [{ ref: { $ilike: likePattern(args.q) } }, { subject: { $ilike: likePattern(args.q) } }] });
      });
    },
    async exception(_, args, ctx) {
      const viewer = requirePermission(ctx, 'exceptions.read');
      if (!isUuid(args.id)) return null;
      const row = await ctx.em.findOne(Exception, { id: args.id }, { refresh: true });
      return row && canSee(viewer, assigneeIdOf(row)) ? row : null;
    },
    async exceptions(_, args, ctx) {
      const viewer = requirePermission(ctx, 'exceptions.read');
      return pageOf(ctx.em, Exception, args, (where) => {
        workItemFilter(where, viewer, args);
        if (args.severity?.length) where({ severity: { $in: args.severity } });
        where(resolverCondition(viewer, args.resolvedBy));
        where(rangeCondition('resolvedAt', args.resolvedFrom, null, ['resolvedFrom', 'resolvedFrom']));
        if (args.q?.trim()) where({ $or: [{ ref: { $ilike: likePattern(args.q) } }, { summary: { $ilike: likePattern(args.q) } }] });
      });
    },
  },
  Mutation: {
    async createTask(_, args, ctx) {
      const viewer = requirePermission(ctx, 'tasks.write');
      const input = parseInput(createTaskInput, args.input);
      const details = parseJsonObject('details', input.details);
      return { task: await servicesOf(ctx).workItems.createTask(callerOf(ctx, viewer), { ...input, details }) };
    },
    async createException(_, args, ctx) {
      const viewer = requirePermission(ctx, 'exceptions.write');
      const input = parseInput(createExceptionInput, args.input);
      const details = parseJsonObject('details', input.details);
      return { exception: await servicesOf(ctx).workItems.createException(callerOf(ctx, viewer), { ...input, details }) };
    },
    async completeTask(_, args, ctx) {
      const viewer = requirePermission(ctx, 'tasks.write');
      const parsed = parseInput(reasonText('reason', false), args);
      const { task, transition } = await servicesOf(ctx).workItems.completeTask(callerOf(ctx, viewer), args.id, (parsed.reason as string | null | undefined) ?? undefined);
      return { task, transition: { ...transition, entityType: 'task' as const } };
    },
    async resolveException(_, args, ctx) {
      const viewer = requirePermission(ctx, 'exceptions.write');
      const parsed = parseInput(reasonText('resolution', true), args);
      const { exception, transition } = await servicesOf(ctx).workItems.resolveException(callerOf(ctx, viewer), args.id, parsed.resolution as string);
      return { exception, transition: { ...transition, entityType: 'exception' as const } };
    },
    async dismissException(_, args, ctx) {
      const viewer = requirePermission(ctx, 'exceptions.write');
      const parsed = parseInput(reasonText('reason', true), args);
      const { exception, transition } = await servicesOf(ctx).workItems.dismissException(callerOf(ctx, viewer), args.id, parsed.reason as string);
      return { exception, transition: { ...transition, entityType: 'exception' as const } };
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
