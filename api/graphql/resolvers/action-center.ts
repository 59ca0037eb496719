/**
 * The Action Center (seed §5): one SQL read (api/read-models/action-center.ts) shaped into
 * groups of items, each with its SLA remaining, what it is about (contacts masked without
 * pii.read) and the quick actions this viewer may take.
 */
import {
  ACTION_GROUPS, quickActionsFor, severityOfPriority, slaRemainingSeconds, type ActionGroup, type Severity,
} from '../../../domain/action-items.ts';
import type { Viewer } from '../../auth/sessions.ts';
import { canSee, contactFor, requirePermission } from '../../auth/authorize.ts';
import { decodeActionCursor, encodeActionCursor, readActionCenter, type ActionCenterRead, type ActionItemRow } from '../../read-models/action-center.ts';
import { pageInfoOf, pageSize } from '../connection.ts';
import type { ActionItem, ActionItemConnection, Priority, Resolvers } from '../generated/types.ts';

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const firstName = (name: string | null) => name?.trim().split(/\s+/)[0] ?? null;
const joined = (parts: Array<string | null | undefined>) => parts.filter((p) => p).join(' • ');

/** "Booking #B-1235 • Sophia @ Mayfair • James • 2026-12-25 19:00" and its kin. */
function summaryOf(row: ActionItemRow): string {
  switch (row.entity_type) {
    case 'booking':
      return joined([
        `Booking #${row.entity_ref ?? row.entity_id}`,
        row.model_name && row.location_title ? `${row.model_name} @ ${row.location_title}` : row.model_name,
        firstName(row.client_name), row.start_local,
      ]);
    case 'inquiry':
      return joined([`Inquiry #${row.entity_ref ?? row.entity_id}`, row.client_name, row.entity_name]);
    case 'task':
      return joined([`Task #${row.entity_ref ?? row.entity_id}`, row.entity_name]);
    case 'model':
    case 'client':
      return joined([`${capitalised(row.entity_type)} ${row.entity_name ?? row.entity_id}`]);
    default:
      return `${capitalised(row.entity_type)} ${row.entity_id}`;
  }
}

function toItem(row: ActionItemRow, viewer: Viewer, now: Date): ActionItem {
  const severity: Severity = row.kind === 'task' ? severityOfPriority(row.level) : (row.level as Severity);
  const deadline = row.sla_deadline_at ? new Date(row.sla_deadline_at) : null;
  // The entity an item is about shows in full when the item is the viewer's or the entity is within
  // their policy; an unassigned item about someone else's booking shows its ref only.
  const entityVisible = row.assigned_to === viewer.id || canSee(viewer, row.entity_assignee);
  const contact = contactFor(viewer, { clientEmail: row.client_email, clientPhone: row.client_phone });
  const booking = row.entity_type === 'booking' && row.entity_status
    ? { id: row.entity_id, status: row.entity_status, assigneeId: row.entity_assignee }
    : null;
  return {
    kind: row.kind,
    id: row.id,
    ref: row.ref,
    title: row.title,
    type: row.type,
    severity,
    priority: row.kind === 'task' ? (row.level as Priority) : null,
    status: row.status,
    group: row.grp,
    assigneeId: row.assigned_to,
    slaDeadlineAt: deadline,
    slaWarningAt: row.sla_warning_at ? new Date(row.sla_warning_at) : null,
    slaRemainingSeconds: slaRemainingSeconds(deadline, now),
    slaBreached: row.sla_breached,
    createdAt: new Date(row.created_at),
    entity: {
      type: row.entity_type,
      id: row.entity_id,
      ref: row.entity_ref,
      summary: entityVisible ? summaryOf(row) : `${capitalised(row.entity_type)} #${row.entity_ref ?? row.entity_id}`,
      status: entityVisible ? row.entity_status : null,
      clientName: entityVisible ? row.client_name : null,
      clientEmail: entityVisible ? contact.clientEmail : null,
      clientPhone: entityVisible ? contact.clientPhone : null,
      startAt: entityVisible && row.start_at ? new Date(row.start_at) : null,
    },
    quickActions: quickActionsFor({ kind: row.kind, id: row.id, type: row.type, status: row.status, assigneeId: row.assigned_to, booking }, viewer),
  };
}

function connectionOf(read: ActionCenterRead, group: ActionGroup, size: number, viewer: Viewer, now: Date, after?: string | null): ActionItemConnection {
  const rows = read.items.filter((r) => r.grp === group);
  const edges = rows.slice(0, size).map((row) => ({ cursor: encodeActionCursor(row), node: toItem(row, viewer, now) }));
  return {
    edges,
    pageInfo: pageInfoOf(edges.map((e) => e.cursor), rows.length > size, after),
    totalCount: read.counts[group.toLowerCase() as 'urgent' | 'high' | 'normal'],
  };
}

function scopeOf(viewer: Viewer) {
  return { viewerId: viewer.id, includeTasks: viewer.permissions.includes('tasks.read'), includeExceptions: viewer.permissions.includes('exceptions.read') };
}

export const actionCenterResolvers: Resolvers = {
  Query: {
    async actionCenter(_, args, ctx) {
      const viewer = requirePermission(ctx, 'action_center.read');
      const size = pageSize(args.first);
      const now = new Date();
      const read = await readActionCenter(ctx.em, { ...scopeOf(viewer), first: size });
      const c = read.counts;
      return {
        groups: ACTION_GROUPS.map((name) => {
          const page = connectionOf(read, name, size, viewer, now);
          return { name, totalCount: page.totalCount, hasNextPage: page.pageInfo.hasNextPage, endCursor: page.pageInfo.endCursor ?? null, items: page.edges.map((e) => e.node) };
        }),
        counts: { urgent: c.urgent, high: c.high, normal: c.normal, total: c.total, breached: c.breached, completedToday: c.completed_today, completedSince: c.completed_since },
        generatedAt: now,
      };
    },
    async actionItems(_, args, ctx) {
      const viewer = requirePermission(ctx, 'action_center.read');
      const size = pageSize(args.first);
      const after = args.after ? decodeActionCursor(args.after) : undefined;
      const now = new Date();
      const read = await readActionCenter(ctx.em, { ...scopeOf(viewer), first: size, group: args.group, ...(after ? { after } : {}) });
      return connectionOf(read, args.group, size, viewer, now, args.after);
    },
  },
};
