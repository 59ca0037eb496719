/**
 * The ONE place a lifecycle entity's status column is written (see test/status-writes.test.ts).
 * Each activity commits row + audit_log + entity_timeline + domain_events (+ pg_notify) in one
 * transaction and is keyed by its transition id: after a crash, the retry finds the audit entry
 * of the committed attempt and changes nothing.
 */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { changeLogParts, named, writeChange, writeEvent } from '../../db/change-log.ts';
import { AuditLog, LIFECYCLE_ROWS, User, type Exception, type Inquiry, type LifecycleRow, type Task } from '../../db/entities/index.ts';
import { AWAITING_CONFIRMATION_STATUSES, showsHoldDeadline } from '../../domain/booking.ts';
import { FINAL_EXCEPTION_STATUSES, FINAL_TASK_STATUSES, type BookingStatus, type LifecycleEntityType } from '../../domain/lifecycles.ts';
import type { Actor } from '../../workflows/lifecycle/messages.ts';
import type { ActivityDeps } from '../deps.ts';
import { asDoubleBooking } from '../../services/booking-holds.ts';
import { coded, nonRetryable } from './errors.ts';
import { restartSlaClock } from './sla.ts';

export interface ApplyTransition {
  readonly entityType: LifecycleEntityType;
  readonly entityId: string;
  readonly from: string;
  readonly to: string;
  readonly transitionId: string;
  readonly actor: Actor;
  readonly reason?: string | undefined;
  readonly data?: Readonly<Record<string, unknown>> | undefined;
  /** Workflow time of the change: timers and stored deadlines share one clock. */
  readonly at: string;
}

export interface ChangeOutcome {
  readonly alreadyApplied: boolean;
  readonly at: string;
  /** Facts the workflow should adopt (e.g. a restarted SLA deadline). */
  readonly facts: Record<string, unknown>;
  /**
   * When already applied: what that earlier application recorded (audit before/after). The
   * workflow adopts it if it is this very request, committed by an attempt whose result was
   * lost in a crash; otherwise it is an old, forgotten id and nothing changes.
   */
  readonly recorded?: { readonly before: Record<string, unknown> | null; readonly after: Record<string, unknown> | null };
}

const FINAL_TASK: readonly string[] = FINAL_TASK_STATUSES;
const FINAL_EXCEPTION: readonly string[] = FINAL_EXCEPTION_STATUSES;

/** The outcome of a change found already committed, from its audit entry. */
function appliedEarlier(createdAt: Date | string, before: Record<string, unknown> | null, after: Record<string, unknown> | null): ChangeOutcome {
  const { status: _status, assigned_to: _assignee, ...facts } = after ?? {};
  return { alreadyApplied: true, at: new Date(createdAt).toISOString(), facts, recorded: { before, after } };
}

async function alreadyApplied(em: EntityManager, entityType: string, entityId: string, transitionId: string): Promise<ChangeOutcome | undefined> {
  const entry = await em.findOne(AuditLog, { entityType, entityId, transitionId });
  return entry ? appliedEarlier(entry.createdAt, entry.before ?? null, entry.after ?? null) : undefined;
}

async function lockRow(em: EntityManager, entityType: LifecycleEntityType, entityId: string): Promise<LifecycleRow> {
  const row = await em.findOne(LIFECYCLE_ROWS[entityType] as typeof Inquiry, { id: entityId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!row) throw nonRetryable('NOT_FOUND', `No ${entityType} ${entityId}.`, { entityType, entityId });
  return row as LifecycleRow;
}

/**
 * The transaction-local setting without which the database refuses a status write (see
 * transitionStatement). Set here and nowhere else (test/status-writes.test.ts checks).
 */
const LIFECYCLE_SETTING = 'virel.lifecycle_store';

const TABLE: Record<LifecycleEntityType, string> = { inquiry: 'inquiries', booking: 'bookings', task: 'tasks', exception: 'exceptions' };

/** Columns that follow from the new status or come with the request (names are ours, values bound). */
function statusColumns(input: ApplyTransition, now: Date): Record<string, unknown> {
  const data = input.data ?? {};
  const columns: Record<string, unknown> = {};
  if (input.entityType === 'inquiry') {
    if (data.depositAmount !== undefined) columns.deposit_amount = String(data.depositAmount);
    if (data.closedReason !== undefined) columns.closed_reason = String(data.closedReason);
    if (data.bookingId !== undefined) columns.booking_id = String(data.bookingId);
  } else if (input.entityType === 'booking') {
    if (data.depositRequired !== undefined) columns.deposit_required = String(data.depositRequired);
    if (input.to === 'confirmed') columns.confirmed_at = now;
    if (input.to === 'cancelled') columns.cancelled_at = now;
    if (AWAITING_CONFIRMATION_STATUSES.includes(input.to as BookingStatus) && data.expiresAt) columns.expires_at = new Date(String(data.expiresAt));
    // A booking that no longer holds keeps no hold deadline (confirmed, in progress, cancelled…).
    if (!showsHoldDeadline(input.to as BookingStatus)) columns.expires_at = null;
  } else if (input.entityType === 'task') {
    if (FINAL_TASK.includes(input.to)) columns.completed_at = now;
  } else if (FINAL_EXCEPTION.includes(input.to)) {
    columns.resolved_at = now;
    columns.resolved_by = input.actor.userId ?? null;
  }
  return columns;
}

/**
 * A transition in ONE statement (one round trip; the request path's hottest write): the
 * idempotency check, the guarded status UPDATE, then the change log's CTEs (db/change-log.ts:
 * audit_log, entity_timeline (+ booking_timeline), domain_events and pg_notify). Data-modifying
 * CTEs all run or none do; every INSERT feeds on the UPDATE's RETURNING, so nothing is written
 * unless the row moved.
 *
 * The database refuses a status change unless the transaction set LIFECYCLE_SETTING (migration
 * Migration20261130093000_status_writes_guard); this statement sets it in the UPDATE's own WHERE
 * clause, so it is evaluated for the row before the row is updated (and its trigger fires), and
 * being transaction-local it ends with this statement's implicit transaction.
 */
function transitionStatement(input: ApplyTransition, now: Date) {
  const columns = statusColumns(input, now);
  const set = ['status = :to', 'updated_at = :at', ...Object.keys(columns).map((c) => `${c} = :set_${c}`)].join(', ');
  const log = changeLogParts({
    entityType: input.entityType,
    entityId: input.entityId,
    transitionId: input.transitionId,
    actor: input.actor,
    audit: { action: 'STATUS_CHANGE', before: { status: input.from }, after: { status: input.to, ...(input.data ?? {}) }, metadata: input.reason ? { reason: input.reason } : null },
    event: {
      type: `${input.entityType}.status_changed`,
      payload: { from: input.from, to: input.to, old_status: input.from, new_status: input.to, reason: input.reason ?? null, ...(input.data ?? {}) },
    },
  }, { source: 'moved', refFrom: true });
  return named(`
    WITH prior AS (
      SELECT created_at, before, after FROM audit_log WHERE entity_type = :entityType AND entity_id = :entityId AND transition_id = :transitionId
    ), moved AS (
      UPDATE ${TABLE[input.entityType]} SET ${set}
       WHERE id = :entityId AND status = :from AND NOT EXISTS (SELECT 1 FROM prior)
         AND set_config('${LIFECYCLE_SETTING}', 'on', true) = 'on'
      RETURNING ref
    ), ${log.ctes}
    SELECT (SELECT count(*) FROM moved)::int AS moved,
           (SELECT row_to_json(prior) FROM prior) AS prior,
           (SELECT status FROM ${TABLE[input.entityType]} WHERE id = :entityId) AS current_status,
           ${log.notified}`, {
    ...log.values, to: input.to, from: input.from, at: now,
    ...Object.fromEntries(Object.entries(columns).map(([c, v]) => [`set_${c}`, v])),
  });
}

export function createTransitionStore({ orm }: ActivityDeps) {
  return {
    async applyTransition(input: ApplyTransition): Promise<ChangeOutcome> {
      const now = new Date(input.at);
      const { sql, params } = transitionStatement(input, now);
      const write = () => orm.em.getConnection().execute<Array<{
        moved: number; current_status: string | null; prior: { created_at: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null } | null;
      }>>(sql, params);
      // A booking entering a time-holding status: the exclusion constraint refuses a double
      // booking that raced past the service's check; the caller gets CONFLICT naming the winner.
      const [result] = input.entityType === 'booking' ? await coded(() => asDoubleBooking(orm.em.fork(), input.entityId, {}, write)) : await write();
      if (result?.prior) return appliedEarlier(result.prior.created_at, result.prior.before, result.prior.after);
      if (result?.moved === 1) return { alreadyApplied: false, at: now.toISOString(), facts: {} };
      // The row matched when this statement began but another writer moved it first (a stuck
      // earlier attempt of this same transition): retrying finds that attempt's audit entry.
      if (result?.current_status === input.from) throw new Error(`${input.entityType} ${input.entityId} was changed concurrently; retrying`);
      if (!result?.current_status) throw nonRetryable('NOT_FOUND', `No ${input.entityType} ${input.entityId}.`, { entityType: input.entityType, entityId: input.entityId });
      // The workflow is the only writer: a mismatch means a write bypassed it.
      throw nonRetryable('CONFLICT', `${input.entityType} ${input.entityId} is ${result.current_status} in the database, not ${input.from}.`, {
        entityType: input.entityType, entityId: input.entityId, expected: input.from, actual: result.current_status,
      });
    },

    async applyAssignment(input: {
      entityType: LifecycleEntityType; entityId: string; from: string | null; to: string | null; transitionId: string; actor: Actor; reason?: string | undefined; at: string;
    }): Promise<ChangeOutcome> {
      return orm.em.fork().transactional(async (em) => {
        const done = await alreadyApplied(em, input.entityType, input.entityId, input.transitionId);
        if (done) return done;
        if (input.to) {
          const user = await em.findOne(User, { id: input.to });
          if (!user || user.status !== 'active') {
            throw nonRetryable('VALIDATION', `No active user ${input.to} to assign.`, { field: 'assigneeId' });
          }
        }
        const row = await lockRow(em, input.entityType, input.entityId);
        const now = new Date(input.at);
        (row as Task).assignedTo = (input.to ?? null) as never;
        // A new assignee gets the policy's full SLA (unless the SLA was already breached).
        const facts = input.entityType === 'task' || input.entityType === 'exception' ? await restartSlaClock(em, row as Task | Exception, now) : {};
        await em.flush();
        await writeChange(em, {
          entityType: input.entityType,
          entityId: input.entityId,
          transitionId: input.transitionId,
          actor: input.actor,
          audit: { action: 'ASSIGN', before: { assigned_to: input.from }, after: { assigned_to: input.to, ...facts }, metadata: input.reason ? { reason: input.reason } : undefined },
          event: {
            type: `${input.entityType}.assignment_changed`,
            // The event names its fields as the catalogue does (domain/automation-events.ts); the
            // workflow's facts keep their own camelCase names.
            payload: {
              ref: row.ref, from: input.from, to: input.to, assigned_to: input.to, reason: input.reason ?? null,
              ...('slaDeadlineAt' in facts ? { sla_deadline_at: facts.slaDeadlineAt, sla_warning_at: facts.slaWarningAt } : {}),
            },
          },
        });
        return { alreadyApplied: false, at: now.toISOString(), facts };
      });
    },

    async addNote(input: { entityType: LifecycleEntityType; entityId: string; text: string; transitionId: string; actor: Actor; at: string }): Promise<ChangeOutcome> {
      return orm.em.fork().transactional(async (em) => {
        const done = await alreadyApplied(em, input.entityType, input.entityId, input.transitionId);
        if (done) return done;
        const row = await lockRow(em, input.entityType, input.entityId);
        await writeChange(em, {
          entityType: input.entityType,
          entityId: input.entityId,
          transitionId: input.transitionId,
          actor: input.actor,
          audit: { action: 'NOTE', before: null, after: { note: input.text } },
          event: { type: `${input.entityType}.note_added`, payload: { ref: row.ref, note: input.text } },
        });
        return { alreadyApplied: false, at: input.at, facts: {} };
      });
    },

    /** A timer's or a lifecycle's event without a state change (reminders, approaching, SLA warnings). */
    async recordEvent(input: { entityType: LifecycleEntityType; entityId: string; eventType: string; transitionId: string; payload: Record<string, unknown> }): Promise<{ eventId: string | null }> {
      const { eventType, payload, ...change } = input;
      return orm.em.fork().transactional((em) => writeEvent(em, { ...change, actor: { type: 'system' }, event: { type: eventType, payload } }));
    },
  };
}
