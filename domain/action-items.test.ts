import { describe, expect, test } from '@jest/globals';
import {
  compareActionItems, groupOf, quickActionsFor, severityOfPriority, slaRemainingSeconds, sortActionItems,
  type Severity, type SortableActionItem,
} from './action-items.ts';

/** The seed's §5 function, verbatim but for types: the reference the refinement must agree with. */
function seedSortActionItems(items: SortableActionItem[]): SortableActionItem[] {
  return items.sort((a, b) => {
    const severityOrder = { critical: 0, high: 1, medium: 2, low: 3 };
    if (a.severity !== b.severity) return severityOrder[a.severity] - severityOrder[b.severity];
    if (a.slaBreached && !b.slaBreached) return -1;
    if (!a.slaBreached && b.slaBreached) return 1;
    if (a.slaDeadlineAt && b.slaDeadlineAt) return a.slaDeadlineAt.getTime() - b.slaDeadlineAt.getTime();
    return a.createdAt.getTime() - b.createdAt.getTime();
  });
}

const T0 = Date.UTC(2026, 11, 25, 12);
const item = (id: string, severity: Severity, breached: boolean, deadlineMin: number | null, createdMin: number): SortableActionItem => ({
  id, severity, slaBreached: breached, slaDeadlineAt: deadlineMin === null ? null : new Date(T0 + deadlineMin * 60_000), createdAt: new Date(T0 + createdMin * 60_000),
});

/** A small deterministic generator (no Math.random: a failure must reproduce). */
function* lcg(seed: number): Generator<number> {
  let s = seed;
  for (;;) {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    yield s / 2 ** 31;
  }
}

describe('severity and groups', () => {
  test.each([['critical', 'critical'], ['high', 'high'], ['normal', 'medium'], ['low', 'low']])('task priority %s → severity %s', (priority, severity) => {
    expect(severityOfPriority(priority)).toBe(severity);
  });

  test.each<[Severity, boolean, string]>([
    ['critical', false, 'URGENT'], ['high', true, 'URGENT'], ['low', true, 'URGENT'],
    ['high', false, 'HIGH'], ['medium', false, 'NORMAL'], ['low', false, 'NORMAL'],
  ])('%s, breached %s → %s', (severity, slaBreached, group) => {
    expect(groupOf({ severity, slaBreached })).toBe(group);
  });
});

describe('sortActionItems (seed §5)', () => {
  test('severity, then breached first, then nearer deadline, then oldest', () => {
    const items = [
      item('normal-old', 'medium', false, null, -60),
      item('high-late', 'high', false, 30, -5),
      item('high-soon', 'high', false, 10, -1),
      item('high-breached', 'high', true, -5, -30),
      item('critical', 'critical', false, 60, 0),
      item('normal-new', 'medium', false, null, -1),
      item('low', 'low', true, -100, -100),
    ];
    expect(sortActionItems(items).map((i) => i.id)).toEqual(['critical', 'high-breached', 'high-soon', 'high-late', 'normal-old', 'normal-new', 'low']);
  });

  test('agrees with the seed function whenever the seed compares deadlines of both or of neither', () => {
    const random = lcg(7);
    const next = () => random.next().value as number;
    const severities: Severity[] = ['critical', 'high', 'medium', 'low'];
    for (let round = 0; round < 200; round++) {
      const withDeadlines = round % 2 === 0;
      const items = Array.from({ length: 12 }, (_, i) => item(
        `i${String(i).padStart(2, '0')}`, severities[Math.floor(next() * 4)] as Severity, next() < 0.3,
        withDeadlines ? Math.floor(next() * 50) - 10 : null, Math.floor(next() * 1000),
      ));
      const ours = sortActionItems(items);
      const seeds = seedSortActionItems([...items]);
      // Items the seed ties (equal keys; equal deadlines, where it stops) may land in either order
      // in its version: compare the keys it looks at, not the ids.
      const key = (i: SortableActionItem) => `${i.severity}|${i.slaBreached}|${i.slaDeadlineAt?.getTime() ?? `created ${i.createdAt.getTime()}`}`;
      expect(ours.map(key)).toEqual(seeds.map(key));
    }
  });

  test('is a total order (antisymmetric and transitive) even where the seed mixes deadline and none', () => {
    const items = [item('a', 'high', false, 5, 3), item('b', 'high', false, null, 2), item('c', 'high', false, 10, 1)];
    for (const x of items) for (const y of items) expect(Math.sign(compareActionItems(x, y)) + Math.sign(compareActionItems(y, x))).toBe(0);
    // The seed's comparator cycles here (a < c by deadline, c < b and b < a by age); ours does not.
    expect(sortActionItems(items).map((i) => i.id)).toEqual(['a', 'c', 'b']);
    expect(sortActionItems([...items].reverse()).map((i) => i.id)).toEqual(['a', 'c', 'b']);
  });
});

test('SLA remaining in whole seconds, negative once passed, null without an SLA', () => {
  const now = new Date(T0);
  expect(slaRemainingSeconds(new Date(T0 + 90_500), now)).toBe(90);
  expect(slaRemainingSeconds(new Date(T0 - 1_000), now)).toBe(-1);
  expect(slaRemainingSeconds(null, now)).toBeNull();
});

describe('quick actions', () => {
  const operator = { id: 'op', permissions: ['tasks.write', 'exceptions.write', 'bookings.write'] };
  const readOnly = { id: 'ro', permissions: ['tasks.read', 'exceptions.read', 'entities.read_all'] };
  const summary = (actions: ReturnType<typeof quickActionsFor>) => actions.map((a) => `${a.mutation}:${a.entityType}:${a.toStatus ?? a.assigneeId ?? ''}`);

  test('an unassigned open task: start, cancel, assign to me, note, and confirm its pending booking', () => {
    const actions = quickActionsFor({ kind: 'task', id: 't', type: 'confirm_booking', status: 'open', assigneeId: null, booking: { id: 'b', status: 'pending', assigneeId: null } }, operator);
    expect(summary(actions)).toEqual([
      'changeStatus:task:in_progress', 'changeStatus:task:cancelled', 'assign:task:op', 'addNote:task:', 'changeStatus:booking:confirmed',
    ]);
    expect(actions.map((a) => a.label)).toEqual(['Start', 'Cancel task', 'Assign to me', 'Note', 'Confirm booking']);
  });

  test('my investigating exception: resolve, dismiss, note; no assign to me; its booking offers nothing', () => {
    const actions = quickActionsFor({ kind: 'exception', id: 'e', type: 'payment_failed', status: 'investigating', assigneeId: 'op', booking: { id: 'b', status: 'pending', assigneeId: null } }, operator);
    expect(summary(actions)).toEqual(['changeStatus:exception:resolved', 'changeStatus:exception:dismissed', 'addNote:exception:']);
  });

  test('confirming the booking is offered on a confirm_booking task only, and only while the booking may be confirmed', () => {
    const task = (type: string, status: string) => quickActionsFor({ kind: 'task', id: 't', type, status: 'open', assigneeId: 'op', booking: { id: 'b', status, assigneeId: 'op' } }, operator);
    expect(summary(task('confirm_booking', 'deposit_required'))).toContain('changeStatus:booking:confirmed');
    expect(summary(task('confirm_booking', 'confirmed'))).not.toContain('changeStatus:booking:confirmed');
    expect(summary(task('confirm_booking', 'draft'))).not.toContain('changeStatus:booking:confirmed');
    expect(summary(task('request_deposit', 'pending'))).not.toContain('changeStatus:booking:confirmed');
  });

  test('without write permissions, or on someone else\'s booking, nothing is offered', () => {
    expect(quickActionsFor({ kind: 'task', id: 't', type: 'x', status: 'open', assigneeId: null, booking: null }, readOnly)).toEqual([]);
    const theirs = quickActionsFor({ kind: 'task', id: 't', type: 'x', status: 'in_progress', assigneeId: 'op', booking: { id: 'b', status: 'pending', assigneeId: 'someone' } }, operator);
    expect(summary(theirs)).toEqual(['changeStatus:task:done', 'changeStatus:task:failed', 'changeStatus:task:cancelled', 'addNote:task:']);
  });
});
