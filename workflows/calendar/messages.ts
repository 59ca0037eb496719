/**
 * Calendar imports as workflows (services/calendar-imports.ts): one run per import at a time
 * (its workflow id), started by the Schedule's sweep (worker/schedules.ts) or on demand.
 */

export const calendarImportWorkflowType = 'calendarImport';
export const importCalendarsWorkflowType = 'importCalendars';
export const CALENDAR_IMPORT_SCHEDULE_ID = 'calendar-imports';

/** One workflow id per import: a run now and a scheduled run of the same import meet in one run. */
export const calendarImportWorkflowId = (importId: string): string => `calendar-import:${importId}`;

export interface CalendarImportInput {
  readonly importId: string;
}

/** What one run did (skipped: the import was removed or disabled before it ran). */
export interface CalendarImportRun {
  readonly importId: string;
  readonly status: 'ok' | 'skipped';
  readonly inserted: number;
  readonly updated: number;
  readonly removed: number;
  readonly events: number;
}

/** How many imports one Schedule run starts at most (the rest wait for the next, least recent first). */
export const IMPORTS_PER_SWEEP = 500;
