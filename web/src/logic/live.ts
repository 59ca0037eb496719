/**
 * What a realtime update (actionCenterUpdates) means for the Action Center on screen: drop an
 * item at once when it was finished or taken away from this viewer (a colleague completed or
 * reassigned it), and refetch the list for anything else (a new item, an SLA breach that
 * re-sorts). Updates carry ids only; details always come from a refetch. Duplicates (the same
 * event id after a reconnect) are ignored.
 */

export interface LiveUpdate {
  readonly eventId: string;
  readonly kind: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly status: string;
  readonly assigneeId: string | null;
  readonly visible: boolean;
}

export interface LiveDecision {
  /** An item to take off the list now (before the refetch confirms it). */
  readonly removeId: string | null;
  readonly refetch: boolean;
}

/** Statuses in which a task or exception is no longer work (seed §4's final states). */
const FINISHED = new Set(['done', 'failed', 'cancelled', 'resolved', 'dismissed']);

export function decide(update: LiveUpdate, viewerId: string): LiveDecision {
  const workItem = update.entityType === 'task' || update.entityType === 'exception';
  if (!workItem) return { removeId: null, refetch: true };
  const gone = !update.visible || FINISHED.has(update.status)
    // The Action Center holds the viewer's own and unassigned items (for every role): one now
    // assigned to someone else has left it.
    || (update.assigneeId !== null && update.assigneeId !== viewerId);
  return { removeId: gone ? update.entityId : null, refetch: true };
}

/** Remembers recent event ids so a redelivered update is applied once. */
export class SeenEvents {
  private readonly ids = new Set<string>();
  private readonly capacity: number;

  constructor(capacity = 500) {
    this.capacity = capacity;
  }

  /** True the first time an id is seen. */
  first(eventId: string): boolean {
    if (this.ids.has(eventId)) return false;
    this.ids.add(eventId);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
    return true;
  }
}
