/**
 * Whether a model's time is free for a booking (issue 14, item 1). A booking in a time-holding
 * status holds its model from its start until its end plus the model's buffer and its location's
 * travel time (`held_until`, kept by the database). Commands that would make a booking claim
 * time (draft → pending, a move, another model or location while held) ask here first, so the
 * caller gets CONFLICT naming the other booking before anything is sent to a workflow; the
 * database's exclusion constraint is the last line against two requests racing past this check,
 * and its violation is turned into the same CONFLICT (`asDoubleBooking`).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { named } from '../db/change-log.ts';
import { conflict } from '../domain/errors.ts';
import { DOUBLE_BOOKING_CONSTRAINT, TIME_HOLDING_STATUSES, doubleBooking, type HoldingBooking } from '../domain/booking.ts';

/** The booking's terms as they would be after the change (absent: as stored). */
export interface ClaimedTime {
  readonly modelId?: string | undefined;
  readonly locationId?: string | undefined;
  readonly startAt?: Date | string | undefined;
  readonly endAt?: Date | string | undefined;
}

const holdingList = TIME_HOLDING_STATUSES.map((s) => `'${s}'`).join(', ');

/**
 * The holding booking whose held time overlaps booking `bookingId`'s (with `claim` applied), if
 * any. Served by the exclusion constraint's GiST index (same model, overlapping range, same
 * status predicate).
 */
export async function holdingConflict(em: EntityManager, bookingId: string, claim: ClaimedTime = {}): Promise<HoldingBooking | null> {
  const { sql, params } = named(`
    SELECT o.id, o.ref, o.status, o.start_at, o.end_at, o.held_until
      FROM bookings b
      JOIN bookings o ON o.model_id = coalesce(:model::uuid, b.model_id) AND o.id <> b.id
     WHERE b.id = :id AND o.status IN (${holdingList})
       AND tstzrange(o.start_at, o.held_until, '[)')
           && tstzrange(coalesce(:start::timestamptz, b.start_at),
                        virel_booking_held_until(coalesce(:model::uuid, b.model_id), coalesce(:location::uuid, b.location_id), coalesce(:end::timestamptz, b.end_at)), '[)')
     ORDER BY o.start_at
     LIMIT 1`, {
    id: bookingId, model: claim.modelId ?? null, location: claim.locationId ?? null, start: at(claim.startAt), end: at(claim.endAt),
  });
  const [row] = await em.getConnection().execute<Array<{ id: string; ref: string; status: string; start_at: Date; end_at: Date; held_until: Date }>>(
    sql, params, 'all', em.getTransactionContext());
  return row ? { id: row.id, ref: row.ref, status: row.status, startAt: new Date(row.start_at), endAt: new Date(row.end_at), heldUntil: new Date(row.held_until) } : null;
}

const at = (value: Date | string | undefined): string | null => (value === undefined ? null : new Date(value).toISOString());

/** CONFLICT naming the other booking if the claimed time is taken. */
export async function assertModelFree(em: EntityManager, bookingId: string, claim: ClaimedTime = {}): Promise<void> {
  const other = await holdingConflict(em, bookingId, claim);
  if (other) throw doubleBooking(other);
}

/** Whether a database error is the double-booking exclusion constraint refusing a write. */
export function isDoubleBookingViolation(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  return e?.code === '23P01' && e.constraint === DOUBLE_BOOKING_CONSTRAINT;
}

/**
 * Runs a write; the exclusion constraint's refusal becomes CONFLICT naming the booking that won
 * (looked up after the refused write rolled back). Other errors pass unchanged.
 */
export async function asDoubleBooking<T>(em: EntityManager, bookingId: string, claim: ClaimedTime, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isDoubleBookingViolation(error)) throw error;
    const other = await holdingConflict(em, bookingId, claim);
    // The winner may have moved on already; the refusal stands either way.
    throw other ? doubleBooking(other) : conflict('The model\'s time was taken by another booking at the same moment.', { reason: 'double_booking' });
  }
}
