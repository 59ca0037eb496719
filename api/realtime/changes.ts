/**
 * A committed change as subscribers see it: the NOTIFY carries ids only (db/change-log.ts
 * ChangeNotice), so the hub loads the event with its entity's current ref, status and assignee
 * (one query per batch, per process), then decides per viewer: the entity type's read permission and the entity policy.
 */
import type pg from 'pg';
import type { PermissionCode } from '../../domain/access.ts';
import {
  LIFECYCLE_ENTITY_TYPES, exceptionLifecycle, isTerminal, taskLifecycle, type Lifecycle, type LifecycleEntityType,
} from '../../domain/lifecycles.ts';
import { canSee } from '../auth/authorize.ts';
import type { Viewer } from '../auth/sessions.ts';

export interface LoadedChange {
  readonly eventId: string;
  readonly eventType: string;
  readonly entityType: LifecycleEntityType;
  readonly entityId: string;
  readonly ref: string;
  readonly status: string;
  readonly assigneeId: string | null;
  readonly previousAssigneeId: string | null;
  readonly occurredAt: Date;
}

export type UpdateKind =
  | 'task_created' | 'task_updated' | 'task_completed'
  | 'exception_created' | 'exception_updated' | 'exception_resolved'
  | 'inquiry_created' | 'inquiry_status_changed' | 'booking_created' | 'booking_status_changed'
  | 'assignment_changed' | 'entity_changed';

/** The GraphQL EntityUpdate: light on purpose (no client data); clients refetch. */
export interface EntityUpdate {
  readonly eventId: string;
  readonly eventType: string;
  readonly kind: UpdateKind;
  readonly entityType: LifecycleEntityType;
  readonly entityId: string;
  readonly ref: string;
  readonly status: string;
  readonly assigneeId: string | null;
  readonly previousAssigneeId: string | null;
  readonly visible: boolean;
  readonly occurredAt: Date;
}

export const READ_PERMISSION: Record<LifecycleEntityType, PermissionCode> = {
  inquiry: 'inquiries.read', booking: 'bookings.read', task: 'tasks.read', exception: 'exceptions.read',
};

export const isLifecycleEntityType = (value: string): value is LifecycleEntityType => (LIFECYCLE_ENTITY_TYPES as readonly string[]).includes(value);

interface ChangeRow {
  id: string;
  event_type: string;
  entity_type: string;
  entity_id: string;
  created_at: Date;
  payload_from: string | null;
  payload_to: string | null;
  ref: string | null;
  status: string | null;
  assigned_to: string | null;
}

/**
 * The events with their entities' current rows, in commit-ish order. Each lifecycle table is
 * joined only for its own entity type, so exactly one join matches per event.
 */
const LOAD_SQL = `
  SELECT e.id, e.event_type, e.entity_type, e.entity_id, e.created_at,
         e.payload->>'from' AS payload_from, e.payload->>'to' AS payload_to,
         coalesce(i.ref, b.ref, t.ref, x.ref) AS ref,
         coalesce(i.status, b.status, t.status, x.status) AS status,
         coalesce(i.assigned_to, b.assigned_to, t.assigned_to, x.assigned_to)::text AS assigned_to
    FROM domain_events e
    LEFT JOIN inquiries i ON e.entity_type = 'inquiry' AND i.id = e.entity_id
    LEFT JOIN bookings b ON e.entity_type = 'booking' AND b.id = e.entity_id
    LEFT JOIN tasks t ON e.entity_type = 'task' AND t.id = e.entity_id
    LEFT JOIN exceptions x ON e.entity_type = 'exception' AND x.id = e.entity_id
   WHERE e.id = ANY($1::uuid[])
   ORDER BY e.created_at, e.id`;

export async function loadChanges(client: pg.Client, eventIds: readonly string[]): Promise<LoadedChange[]> {
  if (eventIds.length === 0) return [];
  const { rows } = await client.query<ChangeRow>(LOAD_SQL, [eventIds]);
  const changes: LoadedChange[] = [];
  for (const row of rows) {
    if (!isLifecycleEntityType(row.entity_type) || row.ref === null || row.status === null) continue;
    const assignment = row.event_type.endsWith('.assignment_changed');
    const statusChange = row.event_type.endsWith('.status_changed');
    changes.push({
      eventId: row.id,
      eventType: row.event_type,
      entityType: row.entity_type,
      entityId: row.entity_id,
      ref: row.ref,
      // The event's own outcome where it carries one; otherwise the row as it is now.
      status: statusChange && row.payload_to ? row.payload_to : row.status,
      assigneeId: assignment ? row.payload_to : row.assigned_to,
      previousAssigneeId: assignment ? row.payload_from : null,
      occurredAt: row.created_at,
    });
  }
  return changes;
}

/** A task or exception that reached an end state of its machine is completed / resolved. */
const ended = (lifecycle: Lifecycle<string>, status: string) => isTerminal(lifecycle, status);

/** The Action Center's name for a change (seed §10); undefined: not an Action Center update. */
export function actionCenterKind(change: LoadedChange): UpdateKind | undefined {
  const action = change.eventType.slice(change.eventType.indexOf('.') + 1);
  if (action === 'assignment_changed') return 'assignment_changed';
  switch (change.entityType) {
    case 'task':
      if (action === 'created') return 'task_created';
      if (action === 'status_changed') return ended(taskLifecycle, change.status) ? 'task_completed' : 'task_updated';
      return action === 'note_added' || action.startsWith('sla_') ? 'task_updated' : undefined;
    case 'exception':
      if (action === 'created') return 'exception_created';
      if (action === 'status_changed') return ended(exceptionLifecycle, change.status) ? 'exception_resolved' : 'exception_updated';
      return action === 'note_added' || action.startsWith('sla_') ? 'exception_updated' : undefined;
    case 'inquiry':
      if (action === 'created') return 'inquiry_created';
      return action === 'status_changed' ? 'inquiry_status_changed' : undefined;
    case 'booking':
      if (action === 'created') return 'booking_created';
      return action === 'status_changed' ? 'booking_status_changed' : undefined;
  }
}

/**
 * Whether this viewer gets the change, and whether the entity stays in their view. A viewer
 * who saw the entity before a reassignment (previous assignee, or everyone while it was
 * unassigned) gets that last update with visible: false, so it leaves their list.
 */
export function audienceOf(viewer: Viewer, change: LoadedChange): 'visible' | 'leaving' | undefined {
  if (!viewer.permissions.includes(READ_PERMISSION[change.entityType])) return undefined;
  if (canSee(viewer, change.assigneeId)) return 'visible';
  if (change.eventType.endsWith('.assignment_changed') && canSee(viewer, change.previousAssigneeId)) return 'leaving';
  return undefined;
}
