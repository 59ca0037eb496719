/**
 * The Action Center list as the screen shows it at a given instant: items regrouped and
 * re-sorted on the local clock (an item whose SLA deadline has just passed is breached now, so it
 * moves to URGENT at once, before the server's breach event arrives), minus what an optimistic
 * action has taken away. The order and groups are domain/'s (seed §5 sortActionItems), written once.
 */
import { compareActionItems, groupOf, ACTION_GROUPS, type ActionGroup, type Severity } from '../../../domain/action-items.ts';

export interface ListItem {
  readonly id: string;
  readonly severity: Severity;
  readonly slaBreached: boolean;
  readonly slaDeadlineAt: string | null;
  readonly createdAt: string;
}

export interface ArrangedGroup<T> {
  readonly name: ActionGroup;
  readonly items: T[];
  /** Items of this group on the server beyond this page, adjusted for local moves. */
  readonly count: number;
}

/** Breached at `now`: the server said so, or the deadline has passed on this clock. */
export function breachedAt(item: Pick<ListItem, 'slaBreached' | 'slaDeadlineAt'>, now: number): boolean {
  return item.slaBreached || (item.slaDeadlineAt !== null && Date.parse(item.slaDeadlineAt) <= now);
}

/**
 * Groups and sorts `items` at `now`. `hidden`: ids an optimistic action removed. `serverCounts`:
 * the server's group totals (which include items past the loaded page); a local move between
 * groups or a hidden item adjusts them.
 */
export function arrange<T extends ListItem>(
  items: readonly T[], now: number, hidden: ReadonlySet<string> = new Set(),
  serverCounts?: Readonly<Record<ActionGroup, number>>,
): ArrangedGroup<T>[] {
  const groups: Record<ActionGroup, T[]> = { URGENT: [], HIGH: [], NORMAL: [] };
  const delta: Record<ActionGroup, number> = { URGENT: 0, HIGH: 0, NORMAL: 0 };
  const keyed = new Map<T, { id: string; severity: Severity; slaBreached: boolean; slaDeadlineAt: Date | null; createdAt: Date }>();
  for (const item of items) {
    const serverGroup = groupOf(item);
    if (hidden.has(item.id)) {
      delta[serverGroup] -= 1;
      continue;
    }
    const slaBreached = breachedAt(item, now);
    const group = groupOf({ severity: item.severity, slaBreached });
    if (group !== serverGroup) {
      delta[serverGroup] -= 1;
      delta[group] += 1;
    }
    keyed.set(item, {
      id: item.id, severity: item.severity, slaBreached,
      slaDeadlineAt: item.slaDeadlineAt ? new Date(item.slaDeadlineAt) : null, createdAt: new Date(item.createdAt),
    });
    groups[group].push(item);
  }
  return ACTION_GROUPS.map((name) => {
    const sorted = groups[name].sort((a, b) => compareActionItems(keyed.get(a)!, keyed.get(b)!));
    const count = serverCounts ? Math.max(sorted.length, serverCounts[name] + delta[name]) : sorted.length;
    return { name, items: sorted, count };
  });
}

/** The items in screen order (URGENT, HIGH, NORMAL), for ↑/↓ navigation. */
export function flatten<T>(groups: readonly ArrangedGroup<T>[]): T[] {
  return groups.flatMap((g) => g.items);
}
