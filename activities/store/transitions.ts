/**
 * The ONE place a lifecycle entity's status column is written (see test/status-writes.test.ts).
 * Each activity commits row + audit_log + entity_timeline + domain_events (+ pg_notify) in one
 * transaction and is keyed by its transition id: after a crash, the retry finds the audit entry
 * of the committed attempt and changes nothing.
 */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditLog, type Booking, type Exception, type Inquiry, type Task, User } from '../../db/entities/index.ts';
import type { LifecycleEntityType } from '../../domain/lifecycles.ts';
import type { Actor } from '../../workflows/lifecycle/messages.ts';
import type { ActivityDeps } from '../deps.ts';
import { writeChangeRecord, writeEventRecord } from './change-record.ts';
import { entityOf, type LifecycleRow } from './entities.ts';
import { nonRetryable } from './errors.ts';
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

const FINAL_TASK = ['done', 'failed', 'cancelled'];
const FINAL_EXCEPTION = ['resolved', 'dismissed'];

async function alreadyApplied(em: EntityManager, entityType: string, entityId: string, transitionId: string): Promise<ChangeOutcome | undefined> {
  const entry = await em.findOne(AuditLog, { entityType, entityId, transitionId });
  if (!entry) return undefined;
  const recorded = { before: (entry.before ?? null) as Record<string, unknown> | null, after: (entry.after ?? null) as Record<string, unknown> | null };
  const facts = { ...(recorded.after ?? {}) };
  delete facts.status;
  delete facts.assigned_to;
  return { alreadyApplied: true, at: entry.createdAt.toISOString(), facts, recorded };
}

async function lockRow(em: EntityManager, entityType: LifecycleEntityType, entityId: string): Promise<LifecycleRow> {
  const row = await em.findOne(entityOf(entityType) as typeof Inquiry, { id: entityId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!row) throw nonRetryable('NOT_FOUND', `No ${entityType} ${entityId}.`, { entityType, entityId });
  return row as LifecycleRow;
}

/** Columns that follow from the new status or come with the request. */
function applyStatusSideEffects(row: LifecycleRow, input: ApplyTransition, now: Date): void {
  const data = input.data ?? {};
  if (input.entityType === 'inquiry') {
    const inquiry = row as Inquiry;
    if (data.depositAmount !== undefined) inquiry.depositAmount = String(data.depositAmount);
    if (data.closedReason !== undefined) inquiry.closedReason = String(data.closedReason);
    if (data.bookingId !== undefined) inquiry.booking = data.bookingId as never;
  } else if (input.entityType === 'booking') {
    const booking = row as Booking;
    if (data.depositRequired !== undefined) booking.depositRequired = String(data.depositRequired);
    if (input.to === 'confirmed') booking.confirmedAt = now;
    if (input.to === 'cancelled') booking.cancelledAt = now;
    if (input.to === 'pending' || input.to === 'deposit_required') booking.expiresAt = (data.expiresAt as string | undefined) ? new Date(String(data.expiresAt)) : booking.expiresAt ?? null;
  } else if (input.entityType === 'task') {
    if (FINAL_TASK.includes(input.to)) (row as Task).completedAt = now;
  } else if (FINAL_EXCEPTION.includes(input.to)) {
    const exception = row as Exception;
    exception.resolvedAt = now;
    exception.resolvedBy = (input.actor.userId ?? null) as never;
  }
}

export function createTransitionStore({ orm }: ActivityDeps) {
  return {
    async applyTransition(input: ApplyTransition): Promise<ChangeOutcome> {
      return orm.em.fork().transactional(async (em) => {
        const done = await alreadyApplied(em, input.entityType, input.entityId, input.transitionId);
        if (done) return done;
        const row = await lockRow(em, input.entityType, input.entityId);
        if (row.status !== input.from) {
          // The workflow is the only writer: a mismatch means a write bypassed it.
          throw nonRetryable('CONFLICT', `${input.entityType} ${input.entityId} is ${row.status} in the database, not ${input.from}.`, {
            entityType: input.entityType, entityId: input.entityId, expected: input.from, actual: row.status,
          });
        }
        const now = new Date(input.at);
        row.status = input.to;
        applyStatusSideEffects(row, input, now);
        await em.flush();
        const payload = {
          ref: row.ref, from: input.from, to: input.to, old_status: input.from, new_status: input.to,
          reason: input.reason ?? null, ...(input.data ?? {}),
        };
        await writeChangeRecord(em, {
          entityType: input.entityType,
          entityId: input.entityId,
          action: 'STATUS_CHANGE',
          eventType: `${input.entityType}.status_changed`,
          transitionId: input.transitionId,
          actor: input.actor,
          before: { status: input.from },
          after: { status: input.to, ...(input.data ?? {}) },
          payload,
          metadata: input.reason ? { reason: input.reason } : undefined,
        });
        return { alreadyApplied: false, at: now.toISOString(), facts: {} };
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
        await writeChangeRecord(em, {
          entityType: input.entityType,
          entityId: input.entityId,
          action: 'ASSIGN',
          eventType: `${input.entityType}.assignment_changed`,
          transitionId: input.transitionId,
          actor: input.actor,
          before: { assigned_to: input.from },
          after: { assigned_to: input.to, ...facts },
          payload: { ref: row.ref, from: input.from, to: input.to, assigned_to: input.to, reason: input.reason ?? null, ...facts },
          metadata: input.reason ? { reason: input.reason } : undefined,
        });
        return { alreadyApplied: false, at: now.toISOString(), facts };
      });
    },

    async addNote(input: { entityType: LifecycleEntityType; entityId: string; text: string; transitionId: string; actor: Actor; at: string }): Promise<ChangeOutcome> {
      return orm.em.fork().transactional(async (em) => {
        const done = await alreadyApplied(em, input.entityType, input.entityId, input.transitionId);
        if (done) return done;
        const row = await lockRow(em, input.entityType, input.entityId);
        await writeChangeRecord(em, {
          entityType: input.entityType,
          entityId: input.entityId,
          action: 'NOTE',
          eventType: `${input.entityType}.note_added`,
          transitionId: input.transitionId,
          actor: input.actor,
          before: null,
          after: { note: input.text },
          payload: { ref: row.ref, note: input.text },
        });
        return { alreadyApplied: false, at: input.at, facts: {} };
      });
    },

    /** A timer's or a lifecycle's event without a state change (reminders, approaching, SLA warnings). */
    async recordEvent(input: { entityType: LifecycleEntityType; entityId: string; eventType: string; transitionId: string; payload: Record<string, unknown> }): Promise<{ eventId: string | null }> {
      return orm.em.fork().transactional((em) => writeEventRecord(em, input));
    },
  };
}
