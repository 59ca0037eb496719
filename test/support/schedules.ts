/**
 * The platform's Temporal Schedules (worker/schedules.ts) outlive the worker that created them:
 * left behind, they fire at their interval (3600 s: every hh:00; a worker process started with
 * the defaults: every minute) in whichever test file runs then, sweeping webhooks, reconciling,
 * importing calendars and resolving availability mismatches of other files' rows. A file whose
 * worker creates them deletes them when it is done: startTestPlatform({ schedules: true })'s
 * stop() does; a file that starts worker/main.ts processes calls deleteSchedules in its afterAll.
 */
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { SCHEDULE_IDS } from '../../worker/schedules.ts';

/** Deletes every Schedule the worker creates; one already gone is fine. Runs it started are left to finish. */
export async function deleteSchedules(client: Client): Promise<void> {
  for (const id of SCHEDULE_IDS) {
    try {
      await client.schedule.getHandle(id).delete();
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
  }
}

/** The ids of those Schedules that exist now. */
export async function existingSchedules(client: Client): Promise<string[]> {
  const found: string[] = [];
  for (const id of SCHEDULE_IDS) {
    try {
      await client.schedule.getHandle(id).describe();
      found.push(id);
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
  }
  return found;
}
