/**
 * Reads an external calendar's ICS text into event occurrences in a window, with ical.js
 * (Mozilla's RFC 5545 parser, no dependencies): repeating events are expanded (RRULE, RDATE,
 * EXDATE, and moved or changed occurrences given as RECURRENCE-ID overrides), times are read in
 * the VTIMEZONE the calendar ships, else the IANA zone its TZID names (luxon), else the
 * calendar's X-WR-TIMEZONE, else UTC; an all-day event covers its local days in that zone.
 */
import ICAL from 'ical.js';
import { DateTime, IANAZone } from 'luxon';
import { IMPORT_MAX_OCCURRENCES, type ExternalOccurrence } from '../domain/calendar.ts';
import { invalidInput } from '../domain/errors.ts';

type IcalTime = InstanceType<typeof ICAL.Time>;
type IcalComponent = InstanceType<typeof ICAL.Component>;

/** The instant of an ICAL.Time: a zone ical.js knows (UTC or a shipped VTIMEZONE), else `fallbackZone`. */
function instantOf(time: IcalTime, fallbackZone: string): Date {
  const zone = time.zone;
  const known = zone && zone.tzid !== 'floating' && zone !== ICAL.Timezone.localTimezone;
  if (known && !time.isDate) return time.toJSDate();
  const local = DateTime.fromObject(
    { year: time.year, month: time.month, day: time.day, hour: time.isDate ? 0 : time.hour, minute: time.isDate ? 0 : time.minute, second: time.isDate ? 0 : time.second },
    { zone: fallbackZone },
  );
  return local.toJSDate();
}

/** The IANA zone a property's TZID names, if luxon knows it; else the calendar's default. */
function zoneOf(component: IcalComponent, property: string, calendarZone: string): string {
  const tzid = component.getFirstProperty(property)?.getParameter('tzid');
  const name = Array.isArray(tzid) ? tzid[0] : tzid;
  return typeof name === 'string' && IANAZone.isValidZone(name) ? name : calendarZone;
}

const upper = (value: unknown): string | undefined => (typeof value === 'string' ? value.toUpperCase() : undefined);

/**
 * The occurrences of every VEVENT overlapping [from, to). VALIDATION (field `url`) when the text
 * is not an iCalendar, or has more than IMPORT_MAX_OCCURRENCES occurrences in the window.
 */
export function parseOccurrences(text: string, window: { from: Date; to: Date }): ExternalOccurrence[] {
  let calendar: IcalComponent;
  try {
    const parsed: unknown = ICAL.parse(text);
    calendar = new ICAL.Component(parsed as unknown[]);
  } catch (error) {
    throw invalidInput('url', `the calendar is not valid iCalendar text (${(error as Error).message})`);
  }
  if (calendar.name !== 'vcalendar') throw invalidInput('url', 'the calendar is not an iCalendar (no VCALENDAR)');
  // ical.js keeps zones in one registry: the calendar's own VTIMEZONEs, registered before its
  // times are read (synchronously: no other import interleaves).
  for (const tz of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
  const declared = calendar.getFirstPropertyValue('x-wr-timezone');
  const calendarZone = typeof declared === 'string' && IANAZone.isValidZone(declared) ? declared : 'UTC';

  const masters = new Map<string, InstanceType<typeof ICAL.Event>>();
  const overrides: Array<InstanceType<typeof ICAL.Event>> = [];
  for (const component of calendar.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(component);
    if (!event.uid || !event.startDate) continue;
    if (event.isRecurrenceException()) overrides.push(event);
    else masters.set(event.uid, event);
  }
  for (const o of overrides) {
    const master = masters.get(o.uid);
    if (master) master.relateException(o);
    else masters.set(`${o.uid}#${o.recurrenceId.toString()}`, o);
  }

  const found: ExternalOccurrence[] = [];
  const push = (occurrence: ExternalOccurrence) => {
    if (!(occurrence.start < window.to && occurrence.end > window.from)) return;
    if (found.length >= IMPORT_MAX_OCCURRENCES) throw invalidInput('url', `the calendar has more than ${IMPORT_MAX_OCCURRENCES} events in the import window`);
    found.push(occurrence);
  };
  const facts = (component: IcalComponent) => ({
    status: upper(component.getFirstPropertyValue('status')),
    transparency: upper(component.getFirstPropertyValue('transp')),
    startZone: zoneOf(component, 'dtstart', calendarZone),
    endZone: zoneOf(component, component.hasProperty('dtend') ? 'dtend' : 'dtstart', calendarZone),
  });

  for (const [key, event] of masters) {
    const own = facts(event.component);
    if (!event.isRecurring()) {
      const start = instantOf(event.startDate, own.startZone);
      push({ key, start, end: endOf(event.startDate, event.endDate, start, own.endZone), status: own.status, transparency: own.transparency });
      continue;
    }
    const iterator = event.iterator();
    // Each step is bounded: stop past the window, or after the limit (an endless rule).
    for (let next = iterator.next(), steps = 0; next && steps < IMPORT_MAX_OCCURRENCES * 4; next = iterator.next(), steps++) {
      const details = event.getOccurrenceDetails(next);
      const item = facts(details.item.component);
      const start = instantOf(details.startDate, item.startZone);
      if (start >= window.to) break;
      push({
        key: `${event.uid}#${details.recurrenceId.toString()}`, start, end: endOf(details.startDate, details.endDate, start, item.endZone),
        status: item.status, transparency: item.transparency,
      });
    }
  }
  return found;
}

/** An event's end: DTEND / DURATION as ical.js gives it; a missing one is a day for a date, else the start. */
function endOf(startTime: IcalTime, endTime: IcalTime | undefined, start: Date, zone: string): Date {
  if (endTime) return instantOf(endTime, zone);
  return startTime.isDate ? DateTime.fromJSDate(start, { zone }).plus({ days: 1 }).toJSDate() : start;
}
