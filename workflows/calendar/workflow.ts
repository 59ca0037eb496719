/**
 * Calendar imports: `calendarImport` runs one import's activity on the ops queue (seed §9:
 * 60 s, 5 attempts, 5 s … 80 s; a refusal retrying cannot fix is non-retryable); the Schedule's
 * `importCalendars` starts one child per active import, each under the import's own workflow id,
 * so an import already running (a run now) is left to finish rather than doubled.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { createCalendarActivities } from '../../activities/calendar.ts';
import { activityQueueOptions } from '../task-queues.ts';
import { IMPORTS_PER_SWEEP, calendarImportWorkflowId, type CalendarImportInput, type CalendarImportRun } from './messages.ts';

const ops = proxyActivities<ReturnType<typeof createCalendarActivities>>(activityQueueOptions.ops);

export async function calendarImport(input: CalendarImportInput): Promise<CalendarImportRun> {
  return ops.importCalendar(input);
}

export async function importCalendars(): Promise<{ started: number; alreadyRunning: number }> {
  const ids = await ops.dueCalendarImports({ limit: IMPORTS_PER_SWEEP });
  let started = 0;
  let alreadyRunning = 0;
  for (const importId of ids) {
    try {
      await startChild(calendarImport, { workflowId: calendarImportWorkflowId(importId), args: [{ importId }], parentClosePolicy: ParentClosePolicy.ABANDON });
      started++;
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      alreadyRunning++;
    }
  }
  return { started, alreadyRunning };
}
