/**
 * The availability mismatch sweep (services/availability-mismatches.ts sweep), started by a
 * Temporal Schedule (worker/schedules.ts).
 */

export const sweepAvailabilityMismatchesWorkflowType = 'sweepAvailabilityMismatches';
export const AVAILABILITY_SWEEP_SCHEDULE_ID = 'availability-mismatch-sweep';

export interface MismatchSweepInput {
  /** Bookings changed within this many minutes are re-checked (default: 10). */
  readonly lookbackMinutes?: number | undefined;
}

export interface MismatchSweepResult {
  readonly checked: number;
  readonly opened: number;
  readonly resolved: number;
}
