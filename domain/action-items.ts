/**
 * The Action Center's vocabulary (seed §5): work items (open tasks and exceptions), their
 * severity, the URGENT / HIGH / NORMAL groups, the order they are shown in (the seed's
 * `sortActionItems`), SLA remaining, and the quick actions a user may take on each.
 * Pure: the read model (api/read-models/action-center.ts) orders in SQL with the same keys.
 */
import { bookingTransitions, exceptionTransitions, taskTransitions, type BookingStatus, type ExceptionStatus, type TaskStatus } from './lifecycles.ts';

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The seed's `severityOrder`: critical first. */
export const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { critical: 0, high: 1, medium: 2, low: 3 };

export type ActionItemKind = 'task' | 'exception';


/**
 * A task's priority on the exceptions' severity scale, so both kinds sort on one key:
 * critical → critical, high → high, normal → medium, low → low.
 */
export function severityOfPriority(priority: string): Severity {
  switch (priority) {
    case 'critical': return 'critical';
    case 'high': return 'high';
    case 'low': return 'low';
    default: return 'medium';
  }
}

export const ACTION_GROUPS = ['URGENT', 'HIGH', 'NORMAL'] as const;
export type ActionGroup = (typeof ACTION_GROUPS)[number];

/**
 * URGENT is "needs immediate attention": critical items and every item whose SLA is already
 * breached (a breach is overdue whatever its level); HIGH the other high items; NORMAL the rest.
 * It depends on stored facts only (no clock), so a group's membership and count are stable
 * between two reads unless the item itself changed.
 */
export function groupOf(item: { severity: Severity; slaBreached: boolean }): ActionGroup {
  if (item.severity === 'critical' || item.slaBreached) return 'URGENT';
  return item.severity === 'high' ? 'HIGH' : 'NORMAL';
}

export interface SortableActionItem {
  readonly id: string;
  readonly severity: Severity;
  readonly slaBreached: boolean;
  readonly slaDeadlineAt: Date | null;
  readonly createdAt: Date;
}

/**
 * The seed's `sortActionItems` comparator: severity, then breached first, then the nearer SLA
 * deadline, then the oldest. One refinement makes it a total order: the seed compares deadlines
 * only when both items have one and otherwise falls through to the creation time, which is not
 * transitive (a deadline-less item can be both before and after two items that have deadlines),
 * so Array.sort's result would depend on the input order. Here an item with a deadline comes
 * before one without (as `NULLS LAST` in SQL); the id breaks exact ties so pages are stable.
 */
export function compareActionItems(a: SortableActionItem, b: SortableActionItem): number {
  if (a.severity !== b.severity) return SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity];
  if (a.slaBreached !== b.slaBreached) return a.slaBreached ? -1 : 1;
  if (a.slaDeadlineAt && b.slaDeadlineAt) {
    const byDeadline = a.slaDeadlineAt.getTime() - b.slaDeadlineAt.getTime();
    if (byDeadline !== 0) return byDeadline;
  } else if (a.slaDeadlineAt || b.slaDeadlineAt) {
    return a.slaDeadlineAt ? -1 : 1;
  }
  const byAge = a.createdAt.getTime() - b.createdAt.getTime();
  if (byAge !== 0) return byAge;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** seed §5 `sortActionItems` (a sorted copy; see compareActionItems). */
export function sortActionItems<T extends SortableActionItem>(items: readonly T[]): T[] {
  return [...items].sort(compareActionItems);
}

/** Whole seconds until the SLA deadline (negative once it has passed); null without an SLA. */
export function slaRemainingSeconds(deadline: Date | null, now: Date): number | null {
  return deadline ? Math.floor((deadline.getTime() - now.getTime()) / 1000) : null;
}

// ---------------------------------------------------------------------------------------------
// Quick actions

export type QuickActionKind = 'TRANSITION' | 'ASSIGN_TO_ME' | 'ADD_NOTE';

/** What the UI calls: `changeStatus` (with `toStatus`), `assign` (with `assigneeId`) or `addNote`, on `entity`. */
export interface QuickAction {
  readonly kind: QuickActionKind;
  readonly label: string;
  readonly mutation: 'changeStatus' | 'assign' | 'addNote';
  readonly entityType: 'task' | 'exception' | 'booking';
  readonly entityId: string;
  readonly toStatus: string | null;
  readonly assigneeId: string | null;
}

export interface QuickActionViewer {
  readonly id: string;
  readonly permissions: readonly string[];
}

export interface QuickActionSubject {
  readonly kind: ActionItemKind;
  readonly id: string;
  readonly type: string;
  readonly status: string;
  readonly assigneeId: string | null;
  /** The booking a task or exception is about, when it is one: its own actions join the item's. */
  readonly booking: { readonly id: string; readonly status: string; readonly assigneeId: string | null } | null;
}

const TRANSITION_LABELS: Readonly<Record<string, string>> = {
  'task:in_progress': 'Start',
  'task:done': 'Complete',
  'task:failed': 'Mark failed',
  'task:cancelled': 'Cancel task',
  'exception:investigating': 'Investigate',
  'exception:resolved': 'Resolve',
  'exception:dismissed': 'Dismiss',
};

/** Task types whose work is a move of their booking (the seed's "Task: Confirm booking … [✅ Confirm]"). */
const BOOKING_MOVE_OF_TASK: Readonly<Record<string, BookingStatus>> = { confirm_booking: 'confirmed' };

const WRITE = { task: 'tasks.write', exception: 'exceptions.write', booking: 'bookings.write' } as const;

/** May this viewer act on something assigned to `assigneeId` (operators: theirs or unassigned)? */
function mayActOn(viewer: QuickActionViewer, assigneeId: string | null): boolean {
  return viewer.permissions.includes('entities.read_all') || assigneeId === null || assigneeId === viewer.id;
}

/**
 * The actions this viewer may take on an item right now: the item's allowed transitions (seed
 * §4 tables), "assign to me" when it is not already theirs, a note, and, for a confirm_booking
 * task, confirming its booking when the booking's state machine allows it. Each needs the matching write
 * permission and the entity policy; the workflow still validates when the action is called.
 */
export function quickActionsFor(item: QuickActionSubject, viewer: QuickActionViewer): QuickAction[] {
  const actions: QuickAction[] = [];
  const base = { entityType: item.kind, entityId: item.id, toStatus: null, assigneeId: null } as const;
  if (viewer.permissions.includes(WRITE[item.kind]) && mayActOn(viewer, item.assigneeId)) {
    const targets = item.kind === 'task'
      ? taskTransitions[item.status as TaskStatus] ?? []
      : exceptionTransitions[item.status as ExceptionStatus] ?? [];
    for (const to of targets) {
      actions.push({ ...base, kind: 'TRANSITION', label: TRANSITION_LABELS[`${item.kind}:${to}`] ?? to, mutation: 'changeStatus', toStatus: to });
    }
    if (item.assigneeId !== viewer.id) {
      actions.push({ ...base, kind: 'ASSIGN_TO_ME', label: 'Assign to me', mutation: 'assign', assigneeId: viewer.id });
    }
    actions.push({ ...base, kind: 'ADD_NOTE', label: 'Note', mutation: 'addNote' });
  }
  const booking = item.booking;
  const move = item.kind === 'task' ? BOOKING_MOVE_OF_TASK[item.type] : undefined;
  if (booking && move && viewer.permissions.includes(WRITE.booking) && mayActOn(viewer, booking.assigneeId)
    && (bookingTransitions[booking.status as BookingStatus] ?? []).includes(move)) {
    actions.push({
      kind: 'TRANSITION', label: 'Confirm booking', mutation: 'changeStatus', entityType: 'booking', entityId: booking.id, toStatus: move, assigneeId: null,
    });
  }
  return actions;
}
