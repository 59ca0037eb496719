/**
 * What a client may offer as the next status of a lifecycle entity (the API's nextStatuses): the
 * state machine's next statuses whose guards (domain/guards.ts, the same ones the entity's
 * workflow applies when the change arrives) the entity's stored facts meet, or the change request
 * can meet, for a viewer who may write the entity. The row is the read model's; its facts are
 * named as the workflow names them.
 */
import { canSee, hasPermission, type PermissionCode, type Principal } from '../domain/access.ts';
import { openNextStatuses, type Facts } from '../domain/guards.ts';
import { LIFECYCLES, type LifecycleEntityType } from '../domain/lifecycles.ts';
import { assigneeIdOf, idOf } from './rows.ts';

const WRITE_PERMISSION: Readonly<Record<LifecycleEntityType, PermissionCode>> = {
  inquiry: 'inquiries.write', booking: 'bookings.write', task: 'tasks.write', exception: 'exceptions.write',
};

const iso = (value: unknown): string | null => (value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : null);

/** The facts guards read, off a stored row (the workflow's facts carry the same names). */
export function guardFactsOf(type: LifecycleEntityType, row: Readonly<Record<string, unknown>>): Facts {
  switch (type) {
    case 'inquiry':
      return { depositAmount: row.depositAmount ?? null, bookingId: idOf(row.booking), closedReason: row.closedReason ?? null };
    case 'booking':
      return {
        clientId: idOf(row.client), modelId: idOf(row.model), locationId: idOf(row.location),
        startAt: iso(row.startAt), endAt: iso(row.endAt), priceTotal: row.priceTotal ?? null, depositRequired: row.depositRequired ?? null,
      };
    default:
      return {};
  }
}

export function allowedNextStatuses(viewer: Principal | null | undefined, type: LifecycleEntityType, row: { status: string; assignedTo?: unknown }): string[] {
  if (!viewer || !hasPermission(viewer, WRITE_PERMISSION[type]) || !canSee(viewer, assigneeIdOf(row))) return [];
  const transitions = LIFECYCLES[type].transitions as Readonly<Record<string, readonly string[]>>;
  return openNextStatuses(type, transitions, row.status, guardFactsOf(type, row as unknown as Record<string, unknown>));
}
