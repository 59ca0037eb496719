/**
 * The availability mismatch sweep: one activity on the ops queue that re-checks bookings whose
 * hold changed by a path that does not go through services/ (a workflow timer, a webhook's
 * signal), so every path gets its mismatch check.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createAvailabilityActivities } from '../../activities/availability.ts';
import { activityQueueOptions } from '../task-queues.ts';
import type { MismatchSweepInput, MismatchSweepResult } from './messages.ts';

const ops = proxyActivities<ReturnType<typeof createAvailabilityActivities>>(activityQueueOptions.ops);

export async function sweepAvailabilityMismatches(input: MismatchSweepInput = {}): Promise<MismatchSweepResult> {
  return ops.sweepAvailabilityMismatches({ lookbackMinutes: input.lookbackMinutes ?? 10 });
}
