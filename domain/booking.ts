/**
 * Booking rules beyond the transition table (seed §4, §6.3): which statuses hold a model's
 * time, which wait for confirmation (and so expire), which may still be moved or amended, and
 * what makes a change of terms or times acceptable. The booking workflow's validators, the
 * store and the read models all read them from here.
 */
import type { BookingStatus } from './lifecycles.ts';
import { DomainError } from './errors.ts';
import { CURRENCY_PATTERN, MONEY_HINT, isPositiveAmount } from './formats.ts';

/** Waiting for confirmation: the hold runs and the booking expires unless confirmed. */
export const AWAITING_CONFIRMATION_STATUSES: readonly BookingStatus[] = ['pending', 'deposit_required'];

/**
 * Whether a booking in `status` shows its hold deadline (`expiresAt`): while it waits for
 * confirmation, and once expired (it says when the hold ran out). Confirmed, started, finished
 * or cancelled bookings no longer hold, so the deadline is cleared as they leave.
 */
export function showsHoldDeadline(status: BookingStatus): boolean {
  return AWAITING_CONFIRMATION_STATUSES.includes(status) || status === 'expired';
}

/**
 * Statuses that hold the model's time: matching and availability treat the model as busy, and two
 * holding bookings of one model may not overlap (the database's exclusion constraint
 * `bookings_no_double_booking` lists the same statuses; test/domain-sql.test.ts compares them).
 * A draft holds nothing: it is an operator's sketch until it is sent to the client (pending).
 */
export const TIME_HOLDING_STATUSES: readonly BookingStatus[] = ['pending', 'deposit_required', 'confirmed', 'in_progress'];

/** The exclusion constraint that refuses a double booking (migration Migration20261130115500_no_double_booking). */
export const DOUBLE_BOOKING_CONSTRAINT = 'bookings_no_double_booking';

export const holdsTime = (status: string): boolean => (TIME_HOLDING_STATUSES as readonly string[]).includes(status);

/** Whether a change leaves a booking holding time it did not hold before, or holding other time. */
export function claimsTime(change: { fromStatus: string; toStatus: string; moves: boolean }): boolean {
  return holdsTime(change.toStatus) && (!holdsTime(change.fromStatus) || change.moves);
}

/** The booking that already holds the model's time. */
export interface HoldingBooking {
  readonly id: string;
  readonly ref: string;
  readonly status: string;
  readonly startAt: Date;
  readonly endAt: Date;
  /** End plus the model's buffer and the location's travel time. */
  readonly heldUntil: Date;
}

/** CONFLICT naming the booking that holds the model's time (the service's check and the database's alike). */
export function doubleBooking(other: HoldingBooking): DomainError {
  return new DomainError(
    'CONFLICT',
    `The model is already booked then: ${other.ref} (${other.status}) holds ${other.startAt.toISOString()} – ${other.heldUntil.toISOString()}.`,
    {
      reason: 'double_booking', conflictingBookingId: other.id, conflictingBookingRef: other.ref, conflictingStatus: other.status,
      conflictingStartAt: other.startAt.toISOString(), conflictingEndAt: other.endAt.toISOString(), conflictingHeldUntil: other.heldUntil.toISOString(),
    },
  );
}

/** Still ahead: the terms and the time may change (a started or finished booking keeps both). */
export const AMENDABLE_STATUSES: readonly BookingStatus[] = ['draft', 'pending', 'deposit_required', 'confirmed'];
export const RESCHEDULABLE_STATUSES: readonly BookingStatus[] = AMENDABLE_STATUSES;

/** Statuses in which the booking's start and end announce themselves (approaching, start, end). */
export const SCHEDULED_STATUSES: readonly BookingStatus[] = ['confirmed'];
export const RUNNING_STATUSES: readonly BookingStatus[] = ['confirmed', 'in_progress'];

/** How long before the start `booking.approaching` fires (seed §8). */
export const APPROACHING_MINUTES = 30;
/** How long a pending / deposit_required booking is held before it expires, by default. */
export const DEFAULT_HOLD_MINUTES = 24 * 60;

/** The terms an operator may correct while a booking is still ahead. */
export interface BookingTermsChange {
  readonly clientId?: string | undefined;
  readonly modelId?: string | undefined;
  readonly locationId?: string | undefined;
  readonly priceTotal?: string | undefined;
  readonly currency?: string | undefined;
  /** null: no deposit required any more. */
  readonly depositRequired?: string | null | undefined;
}

export interface Problem {
  readonly field: string;
  readonly message: string;
}

/** What is wrong with an amendment of a booking in `status`, if anything. */
export function amendmentProblem(terms: BookingTermsChange, status: BookingStatus): Problem | undefined {
  const given = Object.entries(terms).filter(([, v]) => v !== undefined);
  if (given.length === 0) return { field: 'terms', message: 'nothing to change' };
  if (!AMENDABLE_STATUSES.includes(status)) return { field: 'status', message: `a booking that is ${status} keeps its terms` };
  if (terms.priceTotal !== undefined && !isPositiveAmount(terms.priceTotal)) return { field: 'priceTotal', message: `must be ${MONEY_HINT}` };
  if (terms.depositRequired !== undefined && terms.depositRequired !== null && !isPositiveAmount(terms.depositRequired)) {
    return { field: 'depositRequired', message: `must be ${MONEY_HINT}` };
  }
  if (terms.currency !== undefined && !CURRENCY_PATTERN.test(terms.currency)) return { field: 'currency', message: 'must be a three-letter code such as GBP' };
  return undefined;
}

/**
 * While the client may still confirm they will arrive (seed rule 3 reads it 30 minutes before
 * the start): from the moment the booking is offered to them until it starts. A draft has not
 * reached the client; a started, finished or cancelled booking has nothing left to confirm.
 */
export const ARRIVAL_CONFIRMABLE_STATUSES: readonly BookingStatus[] = ['pending', 'deposit_required', 'confirmed'];

/** What is wrong with recording the client's arrival confirmation on a booking in `status`, if anything. */
export function arrivalConfirmationProblem(status: BookingStatus): Problem | undefined {
  if (ARRIVAL_CONFIRMABLE_STATUSES.includes(status)) return undefined;
  return { field: 'status', message: `a booking that is ${status} takes no arrival confirmation (only ${ARRIVAL_CONFIRMABLE_STATUSES.join(', ')})` };
}

/** What is wrong with a booking time (ISO instants), if anything. */
export function timeProblem(startAt: string, endAt: string): Problem | undefined {
  const start = Date.parse(startAt);
  const end = Date.parse(endAt);
  if (Number.isNaN(start) || Number.isNaN(end)) return { field: 'startAt', message: 'startAt and endAt must be ISO instants' };
  if (!(start < end)) return { field: 'endAt', message: 'the start must be before the end' };
  return undefined;
}

/** What is wrong with moving a booking in `status` to a new time, if anything. */
export function rescheduleProblem(times: { startAt: string; endAt: string }, status: BookingStatus): Problem | undefined {
  const problem = timeProblem(times.startAt, times.endAt);
  if (problem) return { field: 'startAt', message: problem.message };
  if (!RESCHEDULABLE_STATUSES.includes(status)) return { field: 'startAt', message: `a booking that is ${status} cannot move` };
  return undefined;
}

/** What is wrong with the booking an inquiry is converted into, if anything. */
export function newBookingProblem(booking: { startAt: string; endAt: string; priceTotal: string }): Problem | undefined {
  const time = timeProblem(booking.startAt, booking.endAt);
  if (time) return { field: 'booking.endAt', message: 'The booking must start before it ends.' };
  if (!isPositiveAmount(booking.priceTotal)) return { field: 'booking.priceTotal', message: 'The booking needs a positive price.' };
  return undefined;
}

