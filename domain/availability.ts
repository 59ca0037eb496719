/**
 * A model's availability over a range (seed §3 Availability, §6.5; issue 14 item 2): rules
 * (weekly working hours in an IANA time zone, blackout dates; global, per location, per model),
 * slots (available / unavailable / tentative, with their source and confidence) and the bookings
 * that hold the model's time, combined into free / busy / tentative intervals, each with the
 * reason it has that state.
 *
 * Precedence, strongest first, for every moment of the range:
 *   1. a time-holding booking (its held time: end + buffer + travel) → busy
 *   2. an unavailable slot → busy
 *   3. a blackout date of any applicable rule → busy
 *   4. a tentative slot, or an available slot of low confidence → tentative
 *   5. an available slot → free (a slot is the model's own word: it beats the weekly hours)
 *   6. outside the weekly hours of the most specific rule that has hours → busy
 *   7. inside those hours → free; with no hours anywhere, nothing restricts the time → free
 * The weekly hours come from the most specific scope that has any (model, else location, else
 * global); several active rules of that scope add up. Blackouts of every scope apply.
 *
 * Wall-clock times are read in the rule's own time zone with luxon, so a schedule of 10:00–22:00
 * stays 10:00–22:00 local across a clock change (a day with a skipped hour is an hour shorter in
 * real time, one with a repeated hour an hour longer). Pure: the facts are read by the caller.
 */
import { DateTime, IANAZone } from 'luxon';

export const AVAILABILITY_STATES = ['free', 'busy', 'tentative'] as const;
export type AvailabilityState = (typeof AVAILABILITY_STATES)[number];

export const SLOT_STATUSES = ['available', 'unavailable', 'tentative'] as const;
export type SlotStatus = (typeof SLOT_STATUSES)[number];

export const SLOT_SOURCES = ['manual', 'automation', 'sync'] as const;
export type SlotSource = (typeof SLOT_SOURCES)[number];

export const RULE_SCOPES = ['global', 'location', 'model'] as const;
export type RuleScope = (typeof RULE_SCOPES)[number];

/** What decided an interval's state. */
export const AVAILABILITY_SOURCES = ['booking', 'slot', 'blackout', 'schedule', 'open'] as const;
export type AvailabilitySource = (typeof AVAILABILITY_SOURCES)[number];

/** Below this confidence an available slot counts as tentative. */
export const TENTATIVE_BELOW_CONFIDENCE = 0.5;

/** The longest range one availability query may cover. */
export const MAX_AVAILABILITY_RANGE_DAYS = 31;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** "HH:MM" local wall-clock; "24:00" ends a day. */
export type WallClock = string;

/** The `rule` JSON of availability_rules. */
export interface RuleBody {
  /** IANA zone the wall-clock times are in; default Europe/London. */
  readonly timezone?: string | undefined;
  /** Working hours per weekday: [start, end] pairs; an end at or before its start runs past midnight. */
  readonly weekly?: Partial<Record<Weekday, ReadonlyArray<readonly [WallClock, WallClock]>>> | undefined;
  /** Local dates (YYYY-MM-DD, inclusive) when the model does not work. */
  readonly blackouts?: ReadonlyArray<{ readonly from: string; readonly to: string; readonly reason?: string | undefined }> | undefined;
}

export interface AvailabilityRuleFacts {
  readonly id: string;
  readonly name: string;
  readonly scope: RuleScope;
  readonly rule: RuleBody;
}

export interface SlotFacts {
  readonly id: string;
  readonly start: Date;
  readonly end: Date;
  readonly status: SlotStatus;
  readonly source: SlotSource;
  readonly confidence: number;
}

export interface BookingFacts {
  readonly id: string;
  readonly ref: string;
  readonly status: string;
  readonly start: Date;
  readonly end: Date;
  /** End plus buffer and travel time. */
  readonly heldUntil: Date;
}

export interface AvailabilityInterval {
  readonly start: Date;
  readonly end: Date;
  readonly state: AvailabilityState;
  readonly source: AvailabilitySource;
  /** Why, in words an operator reads in the card ("booked B-1204 (confirmed)"). */
  readonly reason: string;
  /** The booking, slot or rule that decided it. */
  readonly sourceId: string | null;
  readonly confidence: number | null;
}

export const DEFAULT_TIMEZONE = 'Europe/London';

const WALL_CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** What is wrong with a rule body, if anything (the service parses the JSON, this checks its meaning). */
export function ruleProblem(rule: RuleBody): { field: string; message: string } | undefined {
  if (rule.timezone !== undefined && !IANAZone.isValidZone(rule.timezone)) return { field: 'rule.timezone', message: `${rule.timezone} is not an IANA time zone` };
  for (const [day, windows] of Object.entries(rule.weekly ?? {})) {
    if (!(WEEKDAYS as readonly string[]).includes(day)) return { field: `rule.weekly.${day}`, message: `weekdays are ${WEEKDAYS.join(', ')}` };
    for (const [start, end] of windows ?? []) {
      if (!WALL_CLOCK.test(start) || start === '24:00' || !WALL_CLOCK.test(end)) return { field: `rule.weekly.${day}`, message: 'times are HH:MM (an end may be 24:00)' };
      if (start === end) return { field: `rule.weekly.${day}`, message: 'a window needs a length' };
    }
  }
  for (const b of rule.blackouts ?? []) {
    if (!LOCAL_DATE.test(b.from) || !LOCAL_DATE.test(b.to) || !DateTime.fromISO(b.from).isValid || !DateTime.fromISO(b.to).isValid) {
      return { field: 'rule.blackouts', message: 'dates are YYYY-MM-DD' };
    }
    if (b.to < b.from) return { field: 'rule.blackouts', message: `${b.to} is before ${b.from}` };
  }
  if (!rule.weekly && !rule.blackouts) return { field: 'rule', message: 'a rule needs weekly hours or blackouts' };
  return undefined;
}

interface Layer {
  readonly start: number;
  readonly end: number;
  /** Lower wins. */
  readonly rank: number;
  readonly state: AvailabilityState;
  readonly source: AvailabilitySource;
  readonly reason: string;
  readonly sourceId: string | null;
  readonly confidence: number | null;
}

const zoneOf = (rule: RuleBody) => rule.timezone ?? DEFAULT_TIMEZONE;

/** A local wall-clock time on a local date as an instant (a time in a skipped hour moves forward, as clocks do). */
function localInstant(date: DateTime, clock: WallClock): DateTime {
  if (clock === '24:00') return date.plus({ days: 1 }).startOf('day');
  const [hour, minute] = clock.split(':').map(Number) as [number, number];
  return date.set({ hour, minute, second: 0, millisecond: 0 });
}

/** Every local date of `zone` that touches [from, to). */
function localDates(zone: string, from: number, to: number): DateTime[] {
  const dates: DateTime[] = [];
  let day = DateTime.fromMillis(from, { zone }).startOf('day').minus({ days: 1 });
  const last = DateTime.fromMillis(to, { zone }).startOf('day');
  while (day <= last) {
    dates.push(day);
    day = day.plus({ days: 1 }).startOf('day');
  }
  return dates;
}

/** The working-hour windows of a rule as instants over [from, to). */
export function weeklyWindows(rule: RuleBody, from: number, to: number): Array<{ start: number; end: number }> {
  const windows: Array<{ start: number; end: number }> = [];
  for (const date of localDates(zoneOf(rule), from, to)) {
    for (const [startClock, endClock] of rule.weekly?.[WEEKDAYS[date.weekday - 1]!] ?? []) {
      const start = localInstant(date, startClock);
      let end = localInstant(date, endClock);
      if (end <= start) end = localInstant(date.plus({ days: 1 }).startOf('day'), endClock);
      const s = Math.max(start.toMillis(), from);
      const e = Math.min(end.toMillis(), to);
      if (s < e) windows.push({ start: s, end: e });
    }
  }
  return windows;
}

/** A rule's blackout dates as instants (local midnight to the midnight after the last date). */
export function blackoutSpans(rule: RuleBody): Array<{ start: number; end: number; reason: string | undefined }> {
  const zone = zoneOf(rule);
  return (rule.blackouts ?? []).map((b) => ({
    start: DateTime.fromISO(b.from, { zone }).startOf('day').toMillis(),
    end: DateTime.fromISO(b.to, { zone }).plus({ days: 1 }).startOf('day').toMillis(),
    reason: b.reason,
  }));
}

const hhmm = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toFormat('HH:mm');

/** The rules whose weekly hours apply: those of the most specific scope that has any. */
function hoursRules(rules: readonly AvailabilityRuleFacts[]): AvailabilityRuleFacts[] {
  for (const scope of ['model', 'location', 'global'] as const) {
    const found = rules.filter((r) => r.scope === scope && r.rule.weekly && Object.keys(r.rule.weekly).length > 0);
    if (found.length) return found;
  }
  return [];
}

/**
 * Expanding a rule into instants is the costly part (every wall-clock step asks the time-zone
 * database); one rule object serves many models (a location's or a global rule) and, when the
 * caller keeps it, many queries, so its expansions are remembered per rule object and range
 * while that object lives (the latest RANGES_KEPT ranges of each).
 */
const ruleMemo = new WeakMap<AvailabilityRuleFacts, Map<string, { blackouts: Layer[]; hours: Layer[] }>>();
const RANGES_KEPT = 32;

function ruleLayers(r: AvailabilityRuleFacts, from: number, to: number): { blackouts: Layer[]; hours: Layer[] } {
  const key = `${from}:${to}`;
  const known = ruleMemo.get(r)?.get(key);
  if (known) return known;
  const zone = zoneOf(r.rule);
  const layers = {
    blackouts: blackoutSpans(r.rule).filter((b) => b.end > from && b.start < to).map((b): Layer => ({
      start: b.start, end: b.end, rank: 3, state: 'busy', source: 'blackout', reason: `blackout${b.reason ? `: ${b.reason}` : ''} (${r.name})`, sourceId: r.id, confidence: null,
    })),
    hours: weeklyWindows(r.rule, from, to).map((w): Layer => ({
      start: w.start, end: w.end, rank: 5.5, state: 'free', source: 'schedule', reason: `working hours ${hhmm(w.start, zone)}–${hhmm(w.end, zone)} ${zone} (${r.name})`, sourceId: r.id, confidence: null,
    })),
  };
  const ranges = ruleMemo.get(r) ?? new Map<string, { blackouts: Layer[]; hours: Layer[] }>();
  if (ranges.size >= RANGES_KEPT) ranges.delete(ranges.keys().next().value!);
  ranges.set(key, layers);
  ruleMemo.set(r, ranges);
  return layers;
}

function layersOf(facts: { rules: readonly AvailabilityRuleFacts[]; slots: readonly SlotFacts[]; bookings: readonly BookingFacts[] }, from: number, to: number): Layer[] {
  const layers: Layer[] = [];
  for (const b of facts.bookings) {
    layers.push({ start: b.start.getTime(), end: b.end.getTime(), rank: 1, state: 'busy', source: 'booking', reason: `booked ${b.ref} (${b.status})`, sourceId: b.id, confidence: null });
    if (b.heldUntil > b.end) {
      layers.push({ start: b.end.getTime(), end: b.heldUntil.getTime(), rank: 1, state: 'busy', source: 'booking', reason: `buffer and travel after ${b.ref}`, sourceId: b.id, confidence: null });
    }
  }
  for (const s of facts.slots) {
    const base = { start: s.start.getTime(), end: s.end.getTime(), sourceId: s.id, confidence: s.confidence, source: 'slot' as const };
    const said = `${s.source}, confidence ${s.confidence.toFixed(2)}`;
    if (s.status === 'unavailable') layers.push({ ...base, rank: 2, state: 'busy', reason: `unavailable slot (${said})` });
    else if (s.status === 'tentative') layers.push({ ...base, rank: 4, state: 'tentative', reason: `tentative slot (${said})` });
    else if (s.confidence < TENTATIVE_BELOW_CONFIDENCE) layers.push({ ...base, rank: 4, state: 'tentative', reason: `available slot of low confidence (${said})` });
    else layers.push({ ...base, rank: 5, state: 'free', reason: `available slot (${said})` });
  }
  for (const r of facts.rules) layers.push(...ruleLayers(r, from, to).blackouts);
  const hours = hoursRules(facts.rules);
  if (hours.length) {
    // Outside the hours is the background; each working window lifts it to free.
    const names = hours.map((r) => r.name).join(', ');
    layers.push({ start: from, end: to, rank: 6, state: 'busy', source: 'schedule', reason: `outside working hours (${names})`, sourceId: hours[0]!.id, confidence: null });
    for (const r of hours) layers.push(...ruleLayers(r, from, to).hours);
  }
  return layers;
}

/**
 * The model's availability over [from, to): consecutive intervals covering the whole range,
 * each with its state and the reason for it (adjacent pieces with the same reason merged).
 */
export function combineAvailability(
  facts: { rules: readonly AvailabilityRuleFacts[]; slots: readonly SlotFacts[]; bookings: readonly BookingFacts[] },
  range: { from: Date; to: Date },
): AvailabilityInterval[] {
  const from = range.from.getTime();
  const to = range.to.getTime();
  if (!(from < to)) return [];
  const layers = layersOf(facts, from, to).filter((l) => l.end > from && l.start < to && l.start < l.end);
  const points = [...new Set([from, to, ...layers.flatMap((l) => [l.start, l.end]).filter((p) => p > from && p < to)])].sort((a, b) => a - b);
  const result: Array<AvailabilityInterval & { key: string }> = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i]!;
    const end = points[i + 1]!;
    let best: Layer | undefined;
    for (const l of layers) if (l.start <= start && l.end >= end && (!best || l.rank < best.rank)) best = l;
    const piece = best
      ? { state: best.state, source: best.source, reason: best.reason, sourceId: best.sourceId, confidence: best.confidence }
      : { state: 'free' as const, source: 'open' as const, reason: 'no rule, slot or booking restricts this time', sourceId: null, confidence: null };
    const key = `${piece.state}|${piece.source}|${piece.sourceId}|${piece.reason}`;
    const last = result.at(-1);
    if (last && last.key === key && last.end.getTime() === start) result[result.length - 1] = { ...last, end: new Date(end) };
    else result.push({ ...piece, start: new Date(start), end: new Date(end), key });
  }
  return result.map(({ key: _key, ...interval }) => interval);
}

/** The intervals of `intervals` that overlap [from, to). */
export const overlapping = (intervals: readonly AvailabilityInterval[], from: Date, to: Date) =>
  intervals.filter((i) => i.end > from && i.start < to);

/**
 * A held booking that availability does not back (issue 14 item 3). `overbooking`: the model
 * said no (an unavailable slot, a blackout) or another booking holds part of the time; it opens
 * an `overbooking` exception. `outside_availability`: outside her working hours or only
 * tentatively free; it opens a `mismatch` exception.
 */
export const MISMATCH_KINDS = ['overbooking', 'outside_availability'] as const;
export type MismatchKind = (typeof MISMATCH_KINDS)[number];

export const MISMATCH_EXCEPTION: Readonly<Record<MismatchKind, { type: string; severity: 'high' | 'medium'; expected: string }>> = {
  overbooking: { type: 'overbooking', severity: 'high', expected: 'unavailable' },
  outside_availability: { type: 'mismatch', severity: 'medium', expected: 'available' },
};

export interface BookingMismatch {
  readonly kind: MismatchKind;
  /** What availability says for the booked time (the availability_mismatches row's actual status). */
  readonly actual: string;
  /** The intervals that disagree, with their reasons. */
  readonly intervals: readonly AvailabilityInterval[];
}

/** The mismatches of a booking, given the model's availability over its time without the booking itself. */
export function bookingMismatches(intervals: readonly AvailabilityInterval[]): BookingMismatch[] {
  const found: BookingMismatch[] = [];
  const refused = intervals.filter((i) => i.state === 'busy' && (i.source === 'slot' || i.source === 'blackout' || i.source === 'booking'));
  if (refused.length) found.push({ kind: 'overbooking', actual: refused.map((i) => (i.source === 'booking' ? 'booked' : i.source === 'blackout' ? 'blackout' : 'unavailable'))[0]!, intervals: refused });
  const unbacked = intervals.filter((i) => (i.state === 'busy' && i.source === 'schedule') || i.state === 'tentative');
  if (unbacked.length) found.push({ kind: 'outside_availability', actual: unbacked[0]!.state === 'tentative' ? 'tentative' : 'outside_hours', intervals: unbacked });
  return found;
}

/** One line for an exception summary: "B-1204 overlaps unavailable slot (sync, confidence 0.90) 19:00–21:00". */
export function mismatchSummary(bookingRef: string, mismatch: BookingMismatch): string {
  const first = mismatch.intervals[0]!;
  const span = `${first.start.toISOString().slice(0, 16).replace('T', ' ')}–${first.end.toISOString().slice(11, 16)} UTC`;
  return mismatch.kind === 'overbooking'
    ? `Overbooking: ${bookingRef} is held while ${first.reason} (${span})`
    : `Availability mismatch: ${bookingRef} is held while ${first.reason} (${span})`;
}
