/**
 * Calendar integration rules (seed §3 Integration type `calendar`; issue 14 item 4): what a
 * model's ICS feed says about each booking (and nothing more: no client, no phone, no email),
 * which external events become `sync` slots and with what status, and how a re-import turns
 * into the few slot writes that make the stored slots equal the calendar's events (idempotent:
 * importing the same calendar twice writes nothing the second time). Pure; the ICS text is
 * written and read by services/calendar-*.ts.
 */
import type { SlotStatus } from './availability.ts';
import { TIME_HOLDING_STATUSES } from './booking.ts';

/** The feed covers bookings that end after now − this and start before now + FEED_DAYS_AHEAD. */
export const FEED_DAYS_BEHIND = 30;
export const FEED_DAYS_AHEAD = 365;
/** How often a subscribed phone calendar should refetch the feed (REFRESH-INTERVAL / X-PUBLISHED-TTL). */
export const FEED_REFRESH_MINUTES = 15;

/** An import reads events in [now − IMPORT_DAYS_BEHIND, now + IMPORT_DAYS_AHEAD). */
export const IMPORT_DAYS_BEHIND = 1;
export const IMPORT_DAYS_AHEAD = 180;
/** Refused beyond these: an ICS body larger than this, more event occurrences than this in the window. */
export const IMPORT_MAX_BYTES = 5 * 1024 * 1024;
export const IMPORT_MAX_OCCURRENCES = 5000;

export const CALENDAR_IMPORT_STATUSES = ['active', 'disabled'] as const;
export const CALENDAR_IMPORT_RUN_STATUSES = ['never', 'ok', 'failed'] as const;
export type CalendarImportRunStatus = (typeof CALENDAR_IMPORT_RUN_STATUSES)[number];

/** What a busy external event becomes: the model is away (unavailable) or may be (tentative). */
export const IMPORT_BUSY_STATUSES = ['unavailable', 'tentative'] as const satisfies readonly SlotStatus[];
export type ImportBusyStatus = (typeof IMPORT_BUSY_STATUSES)[number];

/** The bookings a feed lists: those that hold the model's time (domain/booking.ts). */
export const FEED_BOOKING_STATUSES = TIME_HOLDING_STATUSES;

/** A booking as the feed may show it. */
export interface FeedBooking {
  readonly id: string;
  readonly ref: string;
  readonly status: string;
  readonly startAt: Date;
  readonly endAt: Date;
  readonly updatedAt: Date;
  /** The location's title and address, if the booking has a location. */
  readonly locationTitle: string | null;
  readonly locationAddress: string | null;
}

/** One VEVENT of the feed. */
export interface FeedEvent {
  readonly uid: string;
  readonly summary: string;
  readonly description: string;
  readonly location: string | null;
  readonly start: Date;
  readonly end: Date;
  readonly stamp: Date;
  /** Confirmed once the booking is confirmed or running; tentative while it waits for confirmation. */
  readonly status: 'CONFIRMED' | 'TENTATIVE';
}

/**
 * The feed event of a booking: its reference, time, status and place. The UID is stable per
 * booking, so a moved booking moves in the phone's calendar, and a booking that stops holding
 * time (cancelled, expired, completed) simply leaves the feed, which calendars treat as removed.
 */
export function feedEventOf(booking: FeedBooking, domain: string): FeedEvent {
  const confirmed = booking.status === 'confirmed' || booking.status === 'in_progress';
  const place = [booking.locationTitle, booking.locationAddress].filter((p): p is string => Boolean(p)).join(', ');
  return {
    uid: `booking-${booking.id}@${domain}`,
    summary: confirmed ? `Booking ${booking.ref}` : `Booking ${booking.ref} (${booking.status.replace('_', ' ')})`,
    description: `Booking ${booking.ref}, status ${booking.status.replace('_', ' ')}. Details from the agency.`,
    location: place || null,
    start: booking.startAt,
    end: booking.endAt,
    stamp: booking.updatedAt,
    status: confirmed ? 'CONFIRMED' : 'TENTATIVE',
  };
}

/** An event occurrence read from an external calendar. */
export interface ExternalOccurrence {
  /** UID, plus the occurrence's recurrence id for a repeating event: unique within one calendar. */
  readonly key: string;
  readonly start: Date;
  readonly end: Date;
  /** STATUS (TENTATIVE, CONFIRMED, CANCELLED), upper case, if given. */
  readonly status?: string | undefined;
  /** TRANSP (OPAQUE, TRANSPARENT), upper case, if given. */
  readonly transparency?: string | undefined;
}

/**
 * The slot status an external event occurrence becomes, or null when it does not make the model
 * busy: a cancelled event, or one marked free (TRANSPARENT). A tentative event is tentative
 * whatever the import says; any other is the import's `busyAs`.
 */
export function slotStatusOf(occurrence: ExternalOccurrence, busyAs: ImportBusyStatus): ImportBusyStatus | null {
  if (occurrence.status === 'CANCELLED' || occurrence.transparency === 'TRANSPARENT') return null;
  if (!(occurrence.start < occurrence.end)) return null;
  return occurrence.status === 'TENTATIVE' ? 'tentative' : busyAs;
}

/** A `sync` slot an import wants, or has. */
export interface SyncSlot {
  readonly externalUid: string;
  readonly start: Date;
  readonly end: Date;
  readonly status: ImportBusyStatus;
}

export interface StoredSyncSlot extends SyncSlot {
  readonly id: string;
}

export interface SyncPlan {
  readonly insert: SyncSlot[];
  readonly update: Array<SyncSlot & { id: string }>;
  readonly remove: StoredSyncSlot[];
}

/**
 * The slots an import wants in its window, clipped to it: each busy occurrence that overlaps the
 * window, keyed by its occurrence key (the first one wins if a calendar repeats a key).
 */
export function wantedSlots(occurrences: readonly ExternalOccurrence[], busyAs: ImportBusyStatus, window: { from: Date; to: Date }): SyncSlot[] {
  const byKey = new Map<string, SyncSlot>();
  for (const o of occurrences) {
    const status = slotStatusOf(o, busyAs);
    if (!status || byKey.has(o.key)) continue;
    const start = o.start < window.from ? window.from : o.start;
    const end = o.end > window.to ? window.to : o.end;
    if (start < end) byKey.set(o.key, { externalUid: o.key, start, end, status });
  }
  return [...byKey.values()];
}

/**
 * What to write so the import's stored slots in the window equal the wanted ones: new events are
 * inserted, changed ones updated in place (their ids stay), events gone from the calendar removed.
 */
export function planSync(stored: readonly StoredSyncSlot[], wanted: readonly SyncSlot[]): SyncPlan {
  const storedByKey = new Map(stored.map((s) => [s.externalUid, s]));
  const wantedKeys = new Set(wanted.map((w) => w.externalUid));
  const plan: SyncPlan = { insert: [], update: [], remove: stored.filter((s) => !wantedKeys.has(s.externalUid)) };
  for (const w of wanted) {
    const have = storedByKey.get(w.externalUid);
    if (!have) plan.insert.push(w);
    else if (have.start.getTime() !== w.start.getTime() || have.end.getTime() !== w.end.getTime() || have.status !== w.status) plan.update.push({ ...w, id: have.id });
  }
  return plan;
}

/**
 * What is wrong with an ICS URL to import, if anything: http or https (webcal is https, as
 * calendar apps read it), no credentials in the URL's user part, at most 2,000 characters.
 */
export function importUrlProblem(url: string): string | undefined {
  if (url.length > 2000) return 'at most 2,000 characters';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute URL such as https://calendar.example.com/model.ics';
  }
  if (!['http:', 'https:', 'webcal:'].includes(parsed.protocol)) return 'must be an http, https or webcal URL';
  if (parsed.username || parsed.password) return 'must not carry a user name or password';
  return undefined;
}

/** The URL fetched for an import: webcal:// is https://. */
export function fetchUrlOf(url: string): string {
  return url.startsWith('webcal://') ? `https://${url.slice('webcal://'.length)}` : url;
}

/**
 * The import URL as shown to those who may not change it: scheme and host only, since private
 * calendar URLs carry their secret in the path or query.
 */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}/…`;
  } catch {
    return '…';
  }
}
