/**
 * The audit log (audit.read): every change, lifecycle or not, newest first. Before / after
 * values are shown as this viewer may see them (PII masked without pii.read, amounts left out
 * without payments.read).
 */
import { AuditLog } from '../../../db/entities/index.ts';
import { requirePermission } from '../../auth/authorize.ts';
import { pageOf } from '../connection.ts';
import type { Resolvers } from '../generated/types.ts';
import { isUuid, jsonText, rangeCondition, redactFor, invalidInput } from './operations-support.ts';

export const auditResolvers: Resolvers = {
  Query: {
    async auditLog(_, args, ctx) {
      requirePermission(ctx, 'audit.read');
      return pageOf(ctx.em, AuditLog, args, (where) => {
        if (args.entityType) where({ entityType: args.entityType });
        for (const [field, column] of [['entityId', 'entityId'], ['actorId', 'actorUser']] as const) {
          const value = args[field];
          if (value === null || value === undefined) continue;
          if (!isUuid(value)) throw invalidInput(field, 'must be an id');
          where({ [column]: value });
        }
        if (args.action) where({ action: args.action });
        where(rangeCondition('createdAt', args.from, args.to, ['from', 'to']));
      });
    },
  },
  AuditEntry: {
    actorId: (row) => (row.actorUser as { id: string } | null)?.id ?? null,
    before: (row, _, ctx) => jsonText(redactFor(ctx.viewer, row.before)),
    after: (row, _, ctx) => jsonText(redactFor(ctx.viewer, row.after)),
    metadata: (row, _, ctx) => jsonText(redactFor(ctx.viewer, row.metadata)),
  },
};
