import { describe, expect, test } from '@jest/globals';
import { bookingMismatches, combineAvailability, ruleProblem, weeklyWindows, type AvailabilityRuleFacts, type BookingFacts, type SlotFacts } from './availability.ts';

const at = (iso: string) => new Date(iso);
const ms = (iso: string) => Date.parse(iso);
const iso = (w: { start: number; end: number }) => [new Date(w.start).toISOString(), new Date(w.end).toISOString()];
const rule = (id: string, scope: AvailabilityRuleFacts['scope'], body: AvailabilityRuleFacts['rule']): AvailabilityRuleFacts => ({ id, name: id, scope, rule: body });
const slot = (id: string, start: string, end: string, status: SlotFacts['status'], confidence = 1, source: SlotFacts['source'] = 'manual'): SlotFacts =>
  ({ id, start: at(start), end: at(end), status, source, confidence });
const booking = (ref: string, start: string, end: string, heldUntil = end): BookingFacts => ({ id: ref, ref, status: 'confirmed', start: at(start), end: at(end), heldUntil: at(heldUntil) });
const brief = (intervals: ReturnType<typeof combineAvailability>) => intervals.map((i) => [i.start.toISOString().slice(5, 16), i.end.toISOString().slice(5, 16), i.state, i.source]);

describe('weekly hours in the rule time zone across the London clock changes', () => {
  const everyDay = { timezone: 'Europe/London', weekly: { sat: [['10:00', '22:00']], sun: [['10:00', '22:00']] } } as const;

  test('spring forward, 2026-03-29: 10:00–22:00 local is 10–22 UTC on Saturday, 09–21 UTC on Sunday', () => {
    const windows = weeklyWindows(everyDay, ms('2026-03-28T00:00:00Z'), ms('2026-03-30T00:00:00Z'));
    expect(windows.map(iso)).toEqual([
      ['2026-03-28T10:00:00.000Z', '2026-03-28T22:00:00.000Z'],
      ['2026-03-29T09:00:00.000Z', '2026-03-29T21:00:00.000Z'],
    ]);
  });

  test('fall back, 2026-10-25: 09–21 UTC on Saturday (BST), 10–22 UTC on Sunday (GMT)', () => {
    const windows = weeklyWindows(everyDay, ms('2026-10-24T00:00:00Z'), ms('2026-10-26T00:00:00Z'));
    expect(windows.map(iso)).toEqual([
      ['2026-10-24T09:00:00.000Z', '2026-10-24T21:00:00.000Z'],
      ['2026-10-25T10:00:00.000Z', '2026-10-25T22:00:00.000Z'],
    ]);
  });

  test('a night spanning the change lasts an hour less in spring and an hour more in autumn', () => {
    const night = { timezone: 'Europe/London', weekly: { sat: [['22:00', '04:00']] } } as const;
    const [spring] = weeklyWindows(night, ms('2026-03-28T00:00:00Z'), ms('2026-03-30T00:00:00Z'));
    expect(iso(spring!)).toEqual(['2026-03-28T22:00:00.000Z', '2026-03-29T03:00:00.000Z']);
    expect(spring!.end - spring!.start).toBe(5 * 3600_000);
    const [autumn] = weeklyWindows(night, ms('2026-10-24T00:00:00Z'), ms('2026-10-26T00:00:00Z'));
    expect(iso(autumn!)).toEqual(['2026-10-24T21:00:00.000Z', '2026-10-25T04:00:00.000Z']);
    expect(autumn!.end - autumn!.start).toBe(7 * 3600_000);
  });

  test('a window starting in the skipped hour starts when the clocks do', () => {
    const early = { timezone: 'Europe/London', weekly: { sun: [['01:30', '03:00']] } } as const;
    expect(weeklyWindows(early, ms('2026-03-29T00:00:00Z'), ms('2026-03-30T00:00:00Z')).map(iso)).toEqual([['2026-03-29T01:30:00.000Z', '2026-03-29T02:00:00.000Z']]);
  });

  test('another zone keeps its own clock (New York changes on 2026-11-01)', () => {
    const ny = { timezone: 'America/New_York', weekly: { sat: [['09:00', '17:00']], sun: [['09:00', '17:00']] } } as const;
    expect(weeklyWindows(ny, ms('2026-10-31T00:00:00Z'), ms('2026-11-02T00:00:00Z')).map(iso)).toEqual([
      ['2026-10-31T13:00:00.000Z', '2026-10-31T21:00:00.000Z'],
      ['2026-11-01T14:00:00.000Z', '2026-11-01T22:00:00.000Z'],
    ]);
  });
});

describe('combining rules, slots and bookings', () => {
  const day = { from: at('2026-12-05T00:00:00Z'), to: at('2026-12-06T00:00:00Z') }; // a Saturday, GMT
  const hours = rule('hours', 'model', { timezone: 'Europe/London', weekly: { sat: [['18:00', '23:00']] } });

  test('outside the hours is busy, inside free, each with its reason', () => {
    const intervals = combineAvailability({ rules: [hours], slots: [], bookings: [] }, day);
    expect(brief(intervals)).toEqual([
      ['12-05T00:00', '12-05T18:00', 'busy', 'schedule'],
      ['12-05T18:00', '12-05T23:00', 'free', 'schedule'],
      ['12-05T23:00', '12-06T00:00', 'busy', 'schedule'],
    ]);
    expect(intervals[1]!.reason).toBe('working hours 18:00–23:00 Europe/London (hours)');
    expect(intervals[0]!.reason).toBe('outside working hours (hours)');
  });

  test('booking > unavailable slot > blackout > tentative > available slot > hours', () => {
    const slots = [
      slot('avail', '2026-12-05T12:00:00Z', '2026-12-05T16:00:00Z', 'available'),
      slot('tent', '2026-12-05T18:00:00Z', '2026-12-05T19:00:00Z', 'tentative', 0.6, 'sync'),
      slot('off', '2026-12-05T22:00:00Z', '2026-12-05T23:00:00Z', 'unavailable'),
    ];
    const bookings = [booking('B-1', '2026-12-05T19:30:00Z', '2026-12-05T21:00:00Z', '2026-12-05T21:30:00Z')];
    const intervals = combineAvailability({ rules: [hours], slots, bookings }, day);
    expect(brief(intervals)).toEqual([
      ['12-05T00:00', '12-05T12:00', 'busy', 'schedule'],
      ['12-05T12:00', '12-05T16:00', 'free', 'slot'],
      ['12-05T16:00', '12-05T18:00', 'busy', 'schedule'],
      ['12-05T18:00', '12-05T19:00', 'tentative', 'slot'],
      ['12-05T19:00', '12-05T19:30', 'free', 'schedule'],
      ['12-05T19:30', '12-05T21:00', 'busy', 'booking'],
      ['12-05T21:00', '12-05T21:30', 'busy', 'booking'],
      ['12-05T21:30', '12-05T22:00', 'free', 'schedule'],
      ['12-05T22:00', '12-05T23:00', 'busy', 'slot'],
      ['12-05T23:00', '12-06T00:00', 'busy', 'schedule'],
    ]);
    expect(intervals.map((i) => i.reason)).toContain('booked B-1 (confirmed)');
    expect(intervals.map((i) => i.reason)).toContain('buffer and travel after B-1');
    expect(intervals[3]).toMatchObject({ reason: 'tentative slot (sync, confidence 0.60)', confidence: 0.6, sourceId: 'tent' });
    // A blackout beats an available slot; a booking beats the blackout.
    const blackout = rule('xmas', 'global', { blackouts: [{ from: '2026-12-05', to: '2026-12-05', reason: 'closed' }] });
    const blocked = combineAvailability({ rules: [hours, blackout], slots, bookings }, day);
    expect(brief(blocked)).toEqual([
      ['12-05T00:00', '12-05T19:30', 'busy', 'blackout'],
      ['12-05T19:30', '12-05T21:00', 'busy', 'booking'],
      ['12-05T21:00', '12-05T21:30', 'busy', 'booking'],
      ['12-05T21:30', '12-05T22:00', 'busy', 'blackout'],
      ['12-05T22:00', '12-05T23:00', 'busy', 'slot'],
      ['12-05T23:00', '12-06T00:00', 'busy', 'blackout'],
    ]);
    expect(blocked[0]!.reason).toBe('blackout: closed (xmas)');
  });

  test('an available slot of low confidence is tentative', () => {
    const [only] = combineAvailability({ rules: [], slots: [slot('s', '2026-12-05T00:00:00Z', '2026-12-06T00:00:00Z', 'available', 0.3)], bookings: [] }, day);
    expect(only).toMatchObject({ state: 'tentative', reason: 'available slot of low confidence (manual, confidence 0.30)' });
  });

  test('the most specific scope with hours decides them; without any, nothing restricts the time', () => {
    const global = rule('global', 'global', { weekly: { sat: [['09:00', '17:00']] } });
    const location = rule('mayfair', 'location', { weekly: { sat: [['12:00', '20:00']] } });
    expect(brief(combineAvailability({ rules: [global, location], slots: [], bookings: [] }, day))[1]).toEqual(['12-05T12:00', '12-05T20:00', 'free', 'schedule']);
    expect(brief(combineAvailability({ rules: [global, location, hours], slots: [], bookings: [] }, day))[1]).toEqual(['12-05T18:00', '12-05T23:00', 'free', 'schedule']);
    expect(combineAvailability({ rules: [], slots: [], bookings: [] }, day)).toEqual([
      { start: day.from, end: day.to, state: 'free', source: 'open', reason: 'no rule, slot or booking restricts this time', sourceId: null, confidence: null },
    ]);
  });

  test('blackout dates are whole local days: in BST a day starts at 23:00 UTC the evening before', () => {
    const summer = rule('summer', 'global', { timezone: 'Europe/London', blackouts: [{ from: '2026-07-01', to: '2026-07-02' }] });
    const intervals = combineAvailability({ rules: [summer], slots: [], bookings: [] }, { from: at('2026-06-30T00:00:00Z'), to: at('2026-07-04T00:00:00Z') });
    expect(brief(intervals)).toEqual([
      ['06-30T00:00', '06-30T23:00', 'free', 'open'],
      ['06-30T23:00', '07-02T23:00', 'busy', 'blackout'],
      ['07-02T23:00', '07-04T00:00', 'free', 'open'],
    ]);
  });
});

describe('rule bodies', () => {
  test.each([
    [{ timezone: 'Mars/Olympus', weekly: {} }, 'rule.timezone'],
    [{ weekly: { mon: [['25:00', '26:00']] } }, 'rule.weekly.mon'],
    [{ weekly: { someday: [['10:00', '12:00']] } }, 'rule.weekly.someday'],
    [{ weekly: { mon: [['10:00', '10:00']] } }, 'rule.weekly.mon'],
    [{ blackouts: [{ from: '2026-12-24', to: '2026-12-20' }] }, 'rule.blackouts'],
    [{ blackouts: [{ from: '24/12/2026', to: '2026-12-26' }] }, 'rule.blackouts'],
    [{}, 'rule'],
  ])('%j is refused naming %s', (body, field) => {
    expect(ruleProblem(body as never)?.field).toBe(field);
  });
  test('a good rule passes', () => {
    expect(ruleProblem({ timezone: 'Europe/London', weekly: { fri: [['18:00', '02:00']], sat: [['12:00', '24:00']] }, blackouts: [{ from: '2026-12-24', to: '2026-12-26' }] })).toBeUndefined();
  });
});

describe('booking mismatches', () => {
  const iv = (state: 'free' | 'busy' | 'tentative', source: 'booking' | 'slot' | 'blackout' | 'schedule' | 'open', reason = `${state} ${source}`) =>
    ({ start: at('2026-12-05T19:00:00Z'), end: at('2026-12-05T20:00:00Z'), state, source, reason, sourceId: null, confidence: null });
  test('an unavailable slot or blackout under a held booking is an overbooking; outside hours or tentative a mismatch', () => {
    expect(bookingMismatches([iv('free', 'schedule')])).toEqual([]);
    expect(bookingMismatches([iv('busy', 'slot')]).map((m) => [m.kind, m.actual])).toEqual([['overbooking', 'unavailable']]);
    expect(bookingMismatches([iv('busy', 'blackout')]).map((m) => [m.kind, m.actual])).toEqual([['overbooking', 'blackout']]);
    expect(bookingMismatches([iv('busy', 'schedule'), iv('tentative', 'slot')]).map((m) => [m.kind, m.actual])).toEqual([['outside_availability', 'outside_hours']]);
    expect(bookingMismatches([iv('busy', 'slot'), iv('tentative', 'slot')]).map((m) => m.kind)).toEqual(['overbooking', 'outside_availability']);
  });
});
