/**
 * The web app's logic without a browser (web/src/logic/, plain TypeScript): the Action Center's
 * order and groups on the local clock, SLA countdowns, optimistic actions and their rollback,
 * what a live update does to the list, the Overview's throttled live refresh, the seed §5
 * shortcuts, and URLs.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { arrange, breachedAt, flatten } from '../web/src/logic/action-list.ts';
import { decide, SeenEvents } from '../web/src/logic/live.ts';
import { OptimisticActions } from '../web/src/logic/optimistic.ts';
import { formatRoute, parseRoute } from '../web/src/logic/routes.ts';
import { ShortcutMatcher, SHORTCUTS } from '../web/src/logic/shortcuts.ts';
import { formatAge, formatDuration, slaView } from '../web/src/logic/sla.ts';
import { Throttle, type Timers } from '../web/src/logic/throttle.ts';
import { screenshotsDir } from './support/web.ts';

const NOW = Date.parse('2026-11-30T12:00:00Z');
const at = (minutes: number) => new Date(NOW + minutes * 60_000).toISOString();
const item = (id: string, severity: 'critical' | 'high' | 'medium' | 'low', deadlineMin: number | null, createdMin = -10, slaBreached = false) => ({
  id, severity, slaBreached, slaDeadlineAt: deadlineMin === null ? null : at(deadlineMin), createdAt: at(createdMin),
});

describe('the Action Center list (seed §5 order on the local clock)', () => {
  test('groups and orders: severity, breached first, nearer deadline, oldest; deadline before none', () => {
    const items = [
      item('n-late', 'medium', 120), item('n-none-old', 'medium', null, -60), item('n-soon', 'medium', 10),
      item('h', 'high', 30), item('c', 'critical', 60), item('n-breached', 'medium', -5, -30, true), item('n-none-new', 'medium', null, -1),
    ];
    const groups = arrange(items, NOW);
    expect(groups.map((g) => [g.name, g.items.map((i) => i.id)])).toEqual([
      ['URGENT', ['c', 'n-breached']],
      ['HIGH', ['h']],
      ['NORMAL', ['n-soon', 'n-late', 'n-none-old', 'n-none-new']],
    ]);
    expect(flatten(groups).map((i) => i.id)).toEqual(['c', 'n-breached', 'h', 'n-soon', 'n-late', 'n-none-old', 'n-none-new']);
  });

  test('an SLA that passes on the local clock re-sorts the item into URGENT before the server says so', () => {
    const items = [item('a', 'medium', 1), item('b', 'medium', 5), item('x', 'critical', null)];
    expect(arrange(items, NOW).find((g) => g.name === 'NORMAL')?.items.map((i) => i.id)).toEqual(['a', 'b']);
    const later = NOW + 61_000;
    expect(breachedAt(items[0]!, later)).toBe(true);
    const groups = arrange(items, later, new Set(), { URGENT: 1, HIGH: 0, NORMAL: 2 });
    expect(groups.map((g) => [g.name, g.items.map((i) => i.id), g.count])).toEqual([
      ['URGENT', ['x', 'a'], 2], ['HIGH', [], 0], ['NORMAL', ['b'], 1],
    ]);
  });

  test('hidden items leave the list and its count; counts keep items beyond the loaded page', () => {
    const groups = arrange([item('a', 'medium', 10), item('b', 'medium', 20)], NOW, new Set(['a']), { URGENT: 0, HIGH: 0, NORMAL: 40 });
    expect(groups[2]).toEqual({ name: 'NORMAL', items: [expect.objectContaining({ id: 'b' })], count: 39 });
  });
});

describe('SLA countdown', () => {
  test('ticks, turns amber at the warning time and red once breached', () => {
    const facts = { slaDeadlineAt: at(15), slaWarningAt: at(10), slaBreached: false };
    expect(slaView(facts, NOW)).toEqual({ tone: 'ok', label: 'SLA: 15m left', remainingSeconds: 900 });
    expect(slaView(facts, NOW + 1000).label).toBe('SLA: 14m left');
    expect(slaView(facts, NOW + 10 * 60_000).tone).toBe('warning');
    expect(slaView(facts, NOW + 14 * 60_000 + 30_000)).toEqual({ tone: 'warning', label: 'SLA: 30s left', remainingSeconds: 30 });
    expect(slaView(facts, NOW + 15 * 60_000)).toMatchObject({ tone: 'breached', label: 'SLA breached 0s ago' });
    expect(slaView(facts, NOW + 18 * 60_000).label).toBe('SLA breached 3m ago');
    // The server's breach wins even before the local deadline; no SLA shows nothing.
    expect(slaView({ ...facts, slaBreached: true }, NOW).tone).toBe('breached');
    expect(slaView({ slaDeadlineAt: null, slaBreached: false }, NOW)).toEqual({ tone: 'none', label: '', remainingSeconds: null });
  });

  test('durations and ages', () => {
    expect([45, 60, 3599, 3600 + 5 * 60, 26 * 3600].map(formatDuration)).toEqual(['45s', '1m', '59m', '1h 05m', '1d 2h']);
    expect(formatAge(at(-0.5), NOW)).toBe('just now');
    expect(formatAge(at(-2), NOW)).toBe('2m ago');
    expect(formatAge(at(-185), NOW)).toBe('3h ago');
  });
});

describe('optimistic actions', () => {
  test('a removal hides the item at once and stays until a fresh list no longer has it', () => {
    const o = new OptimisticActions();
    const token = o.begin('t1', 'Complete', { kind: 'remove' });
    expect(o.hiddenIds()).toEqual(new Set(['t1']));
    expect(o.isPending('t1')).toBe(true);
    o.reconcile(new Set(['t1'])); // a list requested before the change: still hidden
    expect(o.hiddenIds().has('t1')).toBe(true);
    o.settle(token);
    expect(o.isPending('t1')).toBe(false);
    o.reconcile(new Set(['t1']));
    expect(o.hiddenIds().has('t1')).toBe(true);
    o.reconcile(new Set());
    expect(o.hiddenIds().size).toBe(0);
  });

  test('a refusal rolls back and keeps the server\'s message; patches apply until settled and refreshed', () => {
    const o = new OptimisticActions();
    let notified = 0;
    o.subscribe(() => notified++);
    const remove = o.begin('t1', 'Resolve', { kind: 'remove' });
    const patch = o.begin('t2', 'Assign to me', { kind: 'patch', patch: { assigneeId: 'me' } });
    expect(o.apply({ id: 't2', assigneeId: null })).toEqual({ id: 't2', assigneeId: 'me' });
    o.rollback(remove, 'Cannot move exception E-1 from resolved to resolved.');
    expect(o.hiddenIds().size).toBe(0);
    expect(o.lastRefusal).toEqual({ itemId: 't1', label: 'Resolve', message: 'Cannot move exception E-1 from resolved to resolved.' });
    o.settle(patch);
    o.reconcile(new Set(['t2']));
    expect(o.apply({ id: 't2', assigneeId: null })).toEqual({ id: 't2', assigneeId: null });
    o.dismissRefusal();
    expect(o.lastRefusal).toBeNull();
    expect(notified).toBeGreaterThanOrEqual(5);
  });

  test('a settled removal whose item the server still lists is given up after two fresh lists', () => {
    const o = new OptimisticActions();
    o.settle(o.begin('t1', 'Note', { kind: 'remove' }));
    o.reconcile(new Set(['t1']));
    o.reconcile(new Set(['t1']));
    expect(o.hiddenIds().has('t1')).toBe(true);
    o.reconcile(new Set(['t1']));
    expect(o.hiddenIds().has('t1')).toBe(false);
  });
});

describe('live updates', () => {
  const base = { eventId: 'e1', kind: 'task_updated', entityType: 'task', entityId: 't1', status: 'open', assigneeId: 'me', visible: true };
  test('finished, reassigned away or no longer visible: removed at once; anything else refetches', () => {
    expect(decide({ ...base, status: 'done' }, 'me')).toEqual({ removeId: 't1', refetch: true });
    expect(decide({ ...base, assigneeId: 'colleague' }, 'me')).toEqual({ removeId: 't1', refetch: true });
    expect(decide({ ...base, visible: false }, 'me')).toEqual({ removeId: 't1', refetch: true });
    expect(decide({ ...base, entityType: 'exception', status: 'dismissed' }, 'me').removeId).toBe('t1');
    expect(decide({ ...base, status: 'in_progress' }, 'me')).toEqual({ removeId: null, refetch: true });
    expect(decide({ ...base, assigneeId: null }, 'me').removeId).toBeNull();
    expect(decide({ ...base, entityType: 'booking', status: 'cancelled' }, 'me')).toEqual({ removeId: null, refetch: true });
  });

  test('a redelivered event is applied once; old ids are forgotten past the capacity', () => {
    const seen = new SeenEvents(2);
    expect([seen.first('a'), seen.first('a'), seen.first('b'), seen.first('c'), seen.first('a')]).toEqual([true, false, true, true, true]);
  });
});

describe('the Overview\'s live refresh (throttled)', () => {
  /** A clock the test moves by hand, with the timers that fire as it passes them. */
  function manualClock() {
    let now = 0;
    let next = 1;
    const due = new Map<number, { at: number; run: () => void }>();
    const timers: Timers = {
      now: () => now,
      setTimeout: (run, ms) => { due.set(next, { at: now + ms, run }); return next++; },
      clearTimeout: (handle) => { due.delete(handle as number); },
    };
    const advance = (ms: number) => {
      now += ms;
      for (const [id, timer] of [...due].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at <= now) { due.delete(id); timer.run(); }
      }
    };
    return { timers, advance, pending: () => due.size };
  }

  test('the first update refreshes at once; a burst ends in exactly one more refresh, at the interval\'s end', () => {
    const clock = manualClock();
    const runs: number[] = [];
    const throttle = new Throttle(() => runs.push(clock.timers.now()), 5_000, clock.timers);
    throttle.request();
    expect(runs).toEqual([0]);
    // Three more within the interval: none now, one trailing refresh (the burst's last state).
    clock.advance(1_000); throttle.request();
    clock.advance(1_000); throttle.request();
    clock.advance(1_000); throttle.request();
    expect(runs).toEqual([0]);
    clock.advance(1_999);
    expect(runs).toEqual([0]);
    clock.advance(1);
    expect(runs).toEqual([0, 5_000]);
    // Quiet for an interval: the next update refreshes at once again.
    clock.advance(6_000); throttle.request();
    expect(runs).toEqual([0, 5_000, 11_000]);
    expect(clock.pending()).toBe(0);
  });

  test('a view that goes away drops its pending refresh', () => {
    const clock = manualClock();
    let runs = 0;
    const throttle = new Throttle(() => runs++, 5_000, clock.timers);
    throttle.request();
    throttle.request();
    throttle.dispose();
    clock.advance(10_000);
    expect(runs).toBe(1);
    expect(clock.pending()).toBe(0);
  });
});

describe('keyboard (seed §5)', () => {
  test('single keys, the g prefix, Esc, the palette; nothing while typing', () => {
    const m = new ShortcutMatcher();
    const press = (key: string, t = 0, extra = {}) => m.press({ key, ...extra }, t);
    expect(['/', 'e', 'a', 's', 'Escape', 'ArrowUp', 'ArrowDown', 'Enter', '?'].map((k) => press(k))).toEqual(
      ['focus-search', 'open-entity', 'assign-to-me', 'change-status', 'close', 'up', 'down', 'open-selected', 'help']);
    expect([press('g', 0), press('a', 100)]).toEqual([null, 'go-action-center']);
    expect([press('g', 0), press('b', 100)]).toEqual([null, 'go-bookings']);
    expect([press('g', 0), press('i', 100)]).toEqual([null, 'go-inquiries']);
    // The prefix expires; a plain a is then "assign to me".
    expect([press('g', 0), press('a', 2000)]).toEqual([null, 'assign-to-me']);
    expect(press('k', 0, { ctrlKey: true })).toBe('palette');
    expect(press('k', 0, { metaKey: true })).toBe('palette');
    expect(press('a', 0, { inTextField: true })).toBeNull();
    expect(press('Escape', 0, { inTextField: true })).toBe('close');
    expect(press('x')).toBeNull();
    expect(SHORTCUTS.map((s) => s.keys)).toEqual(['/', 'g a', 'g b', 'g i', 'e', 'a', 's', 'Esc', '↑ / ↓', 'Enter', '?', 'Ctrl/⌘ K']);
  });
});

describe('routes', () => {
  test('views, the open card and filters survive a round trip through the URL', () => {
    const route = parseRoute('/bookings', '?status=pending&card=booking:abc');
    expect(route).toEqual({ view: 'bookings', card: { type: 'booking', id: 'abc' }, params: { status: 'pending' } });
    expect(formatRoute(route)).toBe('/bookings?status=pending&card=booking%3Aabc');
    expect(parseRoute('/', '').view).toBe('action-center');
    expect(parseRoute('/nowhere', '?card=secret:1')).toEqual({ view: 'action-center', card: null, params: {} });
  });
});

describe('screenshots of the browser tests', () => {
  const root = path.resolve(import.meta.dirname, '..');
  test('go to a folder git ignores, so a test run rewrites no tracked file; the committed ones only on request', () => {
    const dir = screenshotsDir({});
    expect(path.relative(root, dir)).toBe(path.join('.data', 'screenshots'));
    // git check-ignore exits 1 (and execFileSync throws) for a path git would track.
    expect(() => execFileSync('git', ['check-ignore', '-q', path.join(dir, 'action-center-operator.png')], { cwd: root })).not.toThrow();
    expect(path.relative(root, screenshotsDir({ VIREL_UPDATE_SCREENSHOTS: '1' }))).toBe(path.join('docs', 'screenshots'));
  });
});
