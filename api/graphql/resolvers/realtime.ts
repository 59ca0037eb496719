/**
 * Subscriptions (seed §10) over graphql-ws: the viewer is the socket's (authenticated at
 * connect), permissions and entity policy are checked at subscribe time and again per change by
 * the hub (api/realtime/hub.ts), so a reassignment or a status change is seen by exactly those
 * who may see it.
 */
import { z } from 'zod';
import { invalidRequest, notFound } from '../../../domain/errors.ts';
import { canSee, requirePermission } from '../../auth/authorize.ts';
import { actionCenterKind, READ_PERMISSION, type EntityUpdate } from '../../realtime/changes.ts';
import { realtimeConnectionOf, type RealtimeConnection } from '../../realtime/connection.ts';
import type { ExecutionUpdate } from '../../realtime/executions.ts';
import { actionResults } from './automation.ts';
import { redactFor } from './operations-support.ts';
import type { ResolverContext } from '../context.ts';
import type { Resolvers } from '../generated/types.ts';

const TABLE = { inquiry: 'inquiries', booking: 'bookings', task: 'tasks', exception: 'exceptions' } as const;

function connectionOf(ctx: ResolverContext): RealtimeConnection {
  const connection = realtimeConnectionOf(ctx);
  if (!connection) {
    throw invalidRequest('Subscriptions are served over WebSocket (graphql-ws) at /graphql, authenticated by connectionParams.authorization.');
  }
  return connection;
}

const passThrough = (update: EntityUpdate) => update;

export const realtimeResolvers: Resolvers = {
  Subscription: {
    actionCenterUpdates: {
      subscribe(_, __, ctx) {
        const { viewer, hub } = connectionOf(ctx);
        requirePermission({ viewer }, 'action_center.read');
        return hub.subscribe(viewer, (change) => actionCenterKind(change));
      },
      resolve: passThrough,
    },
    entityUpdates: {
      async subscribe(_, { entity }, ctx) {
        const { viewer, hub } = connectionOf(ctx);
        requirePermission({ viewer }, READ_PERMISSION[entity.type]);
        // Subscribed before the check, so nothing committed in between is missed.
        const stream = hub.subscribe(viewer, (change) =>
          change.entityType === entity.type && change.entityId === entity.id ? (actionCenterKind(change) ?? 'entity_changed') : undefined);
        const rows = z.uuid().safeParse(entity.id).success
          ? await ctx.em.getConnection().execute<Array<{ assigned_to: string | null }>>(`SELECT assigned_to FROM ${TABLE[entity.type]} WHERE id = ?`, [entity.id], 'all')
          : [];
        const row = rows[0];
        // Outside the viewer's policy reads as absent, as in queries.
        if (!row || !canSee(viewer, row.assigned_to)) {
          await stream.return?.();
          throw notFound(entity.type, entity.id);
        }
        return stream;
      },
      resolve: passThrough,
    },
    automationExecutionUpdates: {
      subscribe(_, args, ctx) {
        const { viewer, hub } = connectionOf(ctx);
        requirePermission({ viewer }, 'automation.read');
        const statuses = args.statuses ? new Set(args.statuses) : undefined;
        // Filtered in the hub, not by a wrapping generator: a generator waiting for its next
        // update would not end when the client unsubscribes.
        return hub.subscribeExecutions(viewer, (update) => (!args.ruleId || update.ruleId === args.ruleId) && (!statuses || statuses.has(update.status)));
      },
      resolve: (update: ExecutionUpdate) => update,
    },
  },
  AutomationExecutionUpdate: {
    // Action details can carry event data (contacts, amounts): as the viewer may see them.
    actions: (update, _, ctx) => actionResults(redactFor(ctx.viewer, update.result) as Record<string, unknown> | null),
  },
};
