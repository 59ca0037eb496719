/**
 * Mismatches become work (issue 14 item 3): after anything that can put a held booking and the
 * model's availability at odds (a booking starts or stops holding time, moves or changes model;
 * a slot or a rule changes), the bookings concerned are reconciled: each mismatch found
 * (domain/availability.ts bookingMismatches) gets ONE open availability_mismatches row (a unique
 * partial index on booking and kind) and ONE exception in the Action Center (`overbooking` or
 * `mismatch`, started through the exception workflow with an id derived from the mismatch, so a
 * retry or a concurrent reconcile cannot open a second); a mismatch no longer found is resolved
 * and its exception resolved through its workflow.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { named } from '../db/change-log.ts';
import { AvailabilityMismatch } from '../db/entities/index.ts';
import {
  MISMATCH_EXCEPTION, bookingMismatches, combineAvailability, mismatchSummary, type BookingMismatch, type MismatchKind,
} from '../domain/availability.ts';
import { TIME_HOLDING_STATUSES, holdsTime } from '../domain/booking.ts';
import { DomainError } from '../domain/errors.ts';
import { OPEN_EXCEPTION_STATUSES } from '../domain/lifecycles.ts';
import { availabilityFacts, uuidArray } from './availability-facts.ts';
import { recordEdit } from './change-records.ts';
import { systemCaller, type ServiceDeps } from './context.ts';
import { createWorkItemService } from './work-items.ts';

interface HeldBooking {
  readonly id: string;
  readonly ref: string;
  readonly status: string;
  readonly start_at: string;
  readonly end_at: string;
  readonly model_id: string;
  readonly model_name: string;
  readonly primary_location_id: string | null;
}

const holdingList = TIME_HOLDING_STATUSES.map((s) => `'${s}'`).join(', ');

async function rows<T>(em: EntityManager, sql: string, values: Record<string, unknown>): Promise<T[]> {
  const q = named(sql, values);
  return em.getConnection().execute<T[]>(q.sql, q.params, 'all', em.getTransactionContext());
}

const BOOKING_COLUMNS = 'b.id, b.ref, b.status, b.start_at, b.end_at, b.model_id, m.name AS model_name, m.primary_location_id';

export interface Reconciled {
  readonly opened: string[];
  readonly resolved: string[];
}

export function createMismatchService(deps: ServiceDeps) {
  const workItems = createWorkItemService(deps);
  const system = systemCaller('availability-mismatches');

  /** The mismatches of a booking now: none unless it holds time. */
  async function mismatchesOf(em: EntityManager, b: HeldBooking): Promise<BookingMismatch[]> {
    if (!holdsTime(b.status)) return [];
    const start = new Date(b.start_at);
    const end = new Date(b.end_at);
    const facts = (await availabilityFacts(em, [{ id: b.model_id }], start, end)).get(b.model_id)!;
    return bookingMismatches(combineAvailability({ ...facts, bookings: facts.bookings.filter((o) => o.id !== b.id) }, { from: start, to: end }));
  }

  /** The open mismatch of (booking, kind), inserted once; with its exception opened once. */
  async function open(em: EntityManager, b: HeldBooking, mismatch: BookingMismatch): Promise<string> {
    const spec = MISMATCH_EXCEPTION[mismatch.kind];
    const context = {
      booking_ref: b.ref, kind: mismatch.kind, reasons: mismatch.intervals.map((i) => ({ from: i.start.toISOString(), to: i.end.toISOString(), state: i.state, reason: i.reason })),
    };
    const id = await em.transactional(async (tx) => {
      const [inserted] = await rows<{ id: string }>(tx, `
        INSERT INTO availability_mismatches (model_id, booking_id, kind, expected_status, actual_status, detected_at, severity, context)
        VALUES (:model, :booking, :kind, :expected, :actual, now(), :severity, :context::jsonb)
        ON CONFLICT (booking_id, kind) WHERE resolved_at IS NULL AND booking_id IS NOT NULL DO NOTHING
        RETURNING id`, {
        model: b.model_id, booking: b.id, kind: mismatch.kind, expected: spec.expected, actual: mismatch.actual, severity: spec.severity, context: JSON.stringify(context),
      });
      if (inserted) {
        await recordEdit(tx, system, { action: 'CREATE', entityType: 'availability_mismatch', entityId: inserted.id, before: null, after: { booking_id: b.id, ...context } });
        return inserted.id;
      }
      const [existing] = await rows<{ id: string }>(tx, 'SELECT id FROM availability_mismatches WHERE booking_id = :booking AND kind = :kind AND resolved_at IS NULL', { booking: b.id, kind: mismatch.kind });
      return existing!.id;
    });
    const row = await em.findOneOrFail(AvailabilityMismatch, { id }, { refresh: true });
    if (!row.exceptionId) {
      // Keyed by the mismatch: a second attempt (a retry, a crash between the two writes) starts the same exception's workflow.
      const exception = await workItems.createException(systemCaller(`availability-mismatch:${id}`), {
        type: spec.type, severity: spec.severity, summary: mismatchSummary(b.ref, mismatch), entityType: 'booking', entityId: b.id,
        details: { mismatchId: id, ...context },
      });
      await em.nativeUpdate(AvailabilityMismatch, { id, exceptionId: null }, { exceptionId: exception.id });
    }
    return id;
  }

  /** Resolves an open mismatch (once) and its exception through the exception's workflow. */
  async function resolve(em: EntityManager, row: AvailabilityMismatch, reason: string): Promise<boolean> {
    const stamped = await em.transactional(async (tx) => {
      const [done] = await rows<{ resolved_at: string }>(tx, 'UPDATE availability_mismatches SET resolved_at = now() WHERE id = :id AND resolved_at IS NULL RETURNING resolved_at', { id: row.id });
      if (done) await recordEdit(tx, system, { action: 'UPDATE', entityType: 'availability_mismatch', entityId: row.id, before: { resolved_at: null }, after: { resolved_at: done.resolved_at }, metadata: { reason } });
      return Boolean(done);
    });
    await closeException(em, row.exceptionId ?? null, row.id, reason);
    return stamped;
  }

  /** The mismatch's exception, resolved if it is still open (an operator may have closed it already). */
  async function closeException(em: EntityManager, exceptionId: string | null, mismatchId: string, reason: string): Promise<void> {
    if (!exceptionId) return;
    const [exception] = await rows<{ status: string }>(em, 'SELECT status FROM exceptions WHERE id = :id', { id: exceptionId });
    if (!exception || !(OPEN_EXCEPTION_STATUSES as readonly string[]).includes(exception.status)) return;
    try {
      await workItems.resolveException(systemCaller(`availability-mismatch-resolved:${mismatchId}`), exceptionId, reason);
    } catch (error) {
      // Closed by someone else between the read and the update: nothing left to do.
      if (!(error instanceof DomainError && error.code === 'INVALID_TRANSITION') && (error as { cause?: { type?: string } }).cause?.type !== 'INVALID_TRANSITION') throw error;
    }
  }

  async function reconcile(em: EntityManager, bookings: readonly HeldBooking[], extraIds: readonly string[] = []): Promise<Reconciled> {
    const result: Reconciled = { opened: [], resolved: [] };
    const ids = [...new Set([...bookings.map((b) => b.id), ...extraIds])];
    const openRows = ids.length ? await em.find(AvailabilityMismatch, { booking: { $in: ids }, resolvedAt: null }, { refresh: true }) : [];
    for (const b of bookings) {
      const found = await mismatchesOf(em, b);
      for (const m of found) result.opened.push(await open(em, b, m));
      for (const row of openRows.filter((r) => r.booking?.id === b.id && !found.some((m) => m.kind === (r.kind as MismatchKind)))) {
        if (await resolve(em, row, holdsTime(b.status) ? 'availability now backs the booking' : `the booking is ${b.status}: it holds no time`)) result.resolved.push(row.id);
      }
    }
    return result;
  }

  return {
    /** One booking, whatever its status (a booking that stopped holding time resolves its mismatches). */
    async reconcileBooking(bookingId: string): Promise<Reconciled> {
      const em = deps.em.fork();
      const found = await rows<HeldBooking>(em, `SELECT ${BOOKING_COLUMNS} FROM bookings b JOIN models m ON m.id = b.model_id WHERE b.id = :id`, { id: bookingId });
      return reconcile(em, found);
    },

    /** The held bookings of these models overlapping [from, to), and those with an open mismatch (after a slot or a rule changed). */
    async reconcileModels(modelIds: readonly string[], from: Date, to: Date): Promise<Reconciled> {
      const em = deps.em.fork();
      const found = await rows<HeldBooking>(em, `
        SELECT ${BOOKING_COLUMNS} FROM unnest(:ids::uuid[]) AS wanted(id)
          JOIN bookings b ON b.model_id = wanted.id AND b.status IN (${holdingList}) AND tstzrange(b.start_at, b.held_until, '[)') && tstzrange(:from, :to, '[)')
          JOIN models m ON m.id = b.model_id
        UNION
        -- Bookings of these models with an open mismatch, whatever their status now (one that expired
        -- or moved away by its workflow is resolved here).
        SELECT ${BOOKING_COLUMNS} FROM availability_mismatches am
          JOIN bookings b ON b.id = am.booking_id JOIN models m ON m.id = b.model_id
         WHERE am.resolved_at IS NULL AND am.model_id = ANY(:ids::uuid[])`,
      { ids: uuidArray(modelIds), from, to });
      return reconcile(em, found);
    },

    /**
     * The sweep (a Temporal Schedule, workflows/availability/): a booking whose hold changes by a
     * workflow timer (expiry) or a webhook's signal (a payment) changes without a command of
     * services/ around it, so nothing reconciled it. Each sweep re-checks every booking with an
     * open mismatch (resolved if it no longer holds time or availability backs it again) and
     * every time-holding booking changed in the last `lookbackMinutes` (a mismatch opened if one
     * arose). Re-checking a booking already checked changes nothing, so overlapping sweeps are
     * harmless; the lookback spans several sweep periods, so one missed run loses nothing. It
     * also finishes what a crashed reconcile left half done: an open mismatch without its
     * exception gets it (`open`), a resolved one whose exception is still open has it resolved.
     */
    async sweep(lookbackMinutes: number): Promise<Reconciled & { checked: number }> {
      const em = deps.em.fork();
      const found = await rows<HeldBooking>(em, `
        SELECT ${BOOKING_COLUMNS} FROM availability_mismatches am
          JOIN bookings b ON b.id = am.booking_id JOIN models m ON m.id = b.model_id
         WHERE am.resolved_at IS NULL
        UNION
        SELECT ${BOOKING_COLUMNS} FROM bookings b JOIN models m ON m.id = b.model_id
         WHERE b.updated_at > now() - make_interval(mins => :lookback) AND b.status IN (${holdingList})`, { lookback: lookbackMinutes });
      const result = await reconcile(em, found);
      // A mismatch resolved by a run that died before closing its exception: close it now.
      const stranded = await rows<{ id: string; exception_id: string }>(em, `
        SELECT am.id, am.exception_id FROM availability_mismatches am JOIN exceptions e ON e.id = am.exception_id
         WHERE am.resolved_at IS NOT NULL AND e.status = ANY(:open::text[])`, { open: `{${OPEN_EXCEPTION_STATUSES.join(',')}}` });
      for (const m of stranded) await closeException(em, m.exception_id, m.id, 'the mismatch was resolved');
      return { ...result, checked: found.length };
    },

    /** A person resolved the mismatch: its exception is resolved too. */
    closeExceptionOf: (exceptionId: string | null, mismatchId: string, reason: string) => closeException(deps.em.fork(), exceptionId, mismatchId, reason),
  };
}

export type MismatchService = ReturnType<typeof createMismatchService>;
