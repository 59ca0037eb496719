/**
 * The Temporal Schedules, created (or brought up to date) at every worker start: the payments'
 * webhook sweep and Finance's reconciliation; the calendar imports and the availability mismatch
 * sweep. Idempotent, any number of workers.
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import {
  RECONCILIATION_SCHEDULE_ID, WEBHOOK_SWEEP_SCHEDULE_ID, reconcilePaymentsWorkflowType, sweepWebhooksWorkflowType,
} from '../workflows/payments/messages.ts';
import { BACKGROUND_TASK_QUEUE } from '../workflows/task-queues.ts';
import { AVAILABILITY_SWEEP_SCHEDULE_ID, sweepAvailabilityMismatchesWorkflowType } from '../workflows/availability/messages.ts';
import { CALENDAR_IMPORT_SCHEDULE_ID, importCalendarsWorkflowType } from '../workflows/calendar/messages.ts';

export interface ScheduleIntervals {
  readonly sweepEverySeconds: number;
  readonly reconcileEveryMinutes: number;
  /** How often external calendars are imported (default 15 minutes). */
  readonly calendarImportEveryMinutes?: number | undefined;
  /** How often the availability mismatch sweep runs (default 60 seconds). */
  readonly mismatchSweepEverySeconds?: number | undefined;
}

/** Every Schedule ensureSchedules creates (tests delete them when done: test/support/schedules.ts). */
export const SCHEDULE_IDS: readonly string[] = [WEBHOOK_SWEEP_SCHEDULE_ID, RECONCILIATION_SCHEDULE_ID, CALENDAR_IMPORT_SCHEDULE_ID, AVAILABILITY_SWEEP_SCHEDULE_ID];

/** The mismatch sweep looks back over this many sweep periods (at least 10 minutes): a missed run loses nothing. */
const SWEEP_LOOKBACK_PERIODS = 5;

/**
 * Creates the Schedules, or brings an existing one's interval and action up to date. Returns
 * what could not be updated (e.g. several workers starting at once updated it first): the
 * Schedule exists and runs, so a worker logs it and starts anyway.
 */
export async function ensureSchedules(client: Client, intervals: ScheduleIntervals): Promise<Array<{ id: string; error: unknown }>> {
  const problems: Array<{ id: string; error: unknown }> = [];
  const sweepSeconds = intervals.mismatchSweepEverySeconds ?? 60;
  const schedules = [
    { id: WEBHOOK_SWEEP_SCHEDULE_ID, workflowType: sweepWebhooksWorkflowType, every: `${intervals.sweepEverySeconds}s`, input: {} },
    { id: RECONCILIATION_SCHEDULE_ID, workflowType: reconcilePaymentsWorkflowType, every: `${intervals.reconcileEveryMinutes}m`, input: {} },
    { id: CALENDAR_IMPORT_SCHEDULE_ID, workflowType: importCalendarsWorkflowType, every: `${intervals.calendarImportEveryMinutes ?? 15}m`, input: {} },
    {
      id: AVAILABILITY_SWEEP_SCHEDULE_ID, workflowType: sweepAvailabilityMismatchesWorkflowType, every: `${sweepSeconds}s`,
      input: { lookbackMinutes: Math.max(10, Math.ceil((sweepSeconds * SWEEP_LOOKBACK_PERIODS) / 60)) },
    },
  ];
  for (const s of schedules) {
    const spec = { intervals: [{ every: s.every }] };
    const action = { type: 'startWorkflow' as const, workflowType: s.workflowType, taskQueue: BACKGROUND_TASK_QUEUE, args: [s.input] };
    try {
      await client.schedule.create({ scheduleId: s.id, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' } });
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      try {
        await client.schedule.getHandle(s.id).update((previous) => ({ ...previous, spec, action }));
      } catch (updateError) {
        problems.push({ id: s.id, error: updateError });
      }
    }
  }
  return problems;
}
