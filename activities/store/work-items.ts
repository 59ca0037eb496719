/**
 * Tasks and exceptions: the Action Center's work items. Created by their lifecycle's first
 * activity with an SLA from `sla_policies`; escalated by their lifecycle when the SLA breaches.
 */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditLog, Exception, Task } from '../../db/entities/index.ts';
import type { Actor } from '../../workflows/lifecycle/messages.ts';
import type { NewException, NewTask } from '../../workflows/work-item/messages.ts';
import type { ActivityDeps } from '../deps.ts';
import { writeChangeRecord } from './change-record.ts';
import { nonRetryable } from './errors.ts';
import { nextRef } from './refs.ts';
import { PRIORITIES, SEVERITIES, findSlaPolicy, pickOpsManager, raised, slaTimes } from './sla.ts';

export interface WorkItemCreated {
  readonly ref: string;
  readonly status: string;
  readonly assigneeId: string | null;
  readonly facts: {
    readonly type: string;
    readonly level: string;
    readonly slaDeadlineAt: string | null;
    readonly slaWarningAt: string | null;
    readonly slaBreached: boolean;
    readonly escalation: Record<string, unknown>;
    readonly subjectType: string;
    readonly subjectId: string;
  };
}

export interface SlaBreachOutcome {
  readonly alreadyApplied: boolean;
  readonly assigneeId: string | null;
  readonly level: string;
  /** Set when the policy asks for an exception to be opened. */
  readonly openException: { type: string; severity: string } | null;
}

type Kind = 'task' | 'exception';

async function slaFor(em: EntityManager, kind: Kind, type: string, level: string, now: Date) {
  const terms = await findSlaPolicy(em, kind === 'task' ? 'task_type' : 'exception_type', type, level);
  return { terms, times: terms ? slaTimes(terms, now) : undefined };
}

export function createWorkItemStore({ orm }: ActivityDeps) {
  return {
    async recordTaskCreated(input: { task: NewTask; actor: Actor; transitionId: string; at: string }): Promise<WorkItemCreated> {
      return orm.em.fork().transactional(async (em) => {
        const t = input.task;
        const existing = await em.findOne(Task, { id: t.id });
        const now = existing?.createdAt ?? new Date(input.at);
        const { terms, times } = await slaFor(em, 'task', t.type, t.priority, now);
        const facts = {
          type: t.type, level: t.priority, subjectType: t.entityType, subjectId: t.entityId, slaBreached: existing?.slaBreached ?? false,
          slaDeadlineAt: (existing?.slaDeadlineAt ?? times?.slaDeadlineAt)?.toISOString() ?? null,
          slaWarningAt: (existing?.slaWarningAt ?? times?.slaWarningAt)?.toISOString() ?? null,
          escalation: terms?.escalation ?? {},
        };
        if (existing) return { ref: existing.ref, status: existing.status, assigneeId: (existing.assignedTo as { id: string } | null)?.id ?? null, facts };
        const ref = await nextRef(em, 'task');
        em.create(Task, {
          id: t.id, ref, type: t.type, priority: t.priority, subject: t.subject, entityType: t.entityType, entityId: t.entityId,
          assignedTo: t.assigneeId ?? null, dueAt: t.dueAt ? new Date(t.dueAt) : null, createdBy: input.actor.userId ?? null,
          slaDeadlineAt: times?.slaDeadlineAt ?? null, slaWarningAt: times?.slaWarningAt ?? null, details: t.details ?? null,
          createdAt: now, // the SLA clock starts at the row's own creation instant
        });
        await em.flush();
        const snapshot = { ref, type: t.type, priority: t.priority, subject: t.subject, entity_type: t.entityType, entity_id: t.entityId, assigned_to: t.assigneeId ?? null, sla_deadline_at: facts.slaDeadlineAt };
        await writeChangeRecord(em, {
          entityType: 'task', entityId: t.id, action: 'CREATE', eventType: 'task.created', transitionId: input.transitionId,
          actor: input.actor, before: null, after: { status: 'open', ...snapshot }, payload: { ...snapshot, status: 'open', taskId: t.id },
        });
        return { ref, status: 'open', assigneeId: t.assigneeId ?? null, facts };
      });
    },

    async recordExceptionCreated(input: { exception: NewException; actor: Actor; transitionId: string; at: string }): Promise<WorkItemCreated> {
      return orm.em.fork().transactional(async (em) => {
        const x = input.exception;
        const existing = await em.findOne(Exception, { id: x.id });
        const now = existing?.createdAt ?? new Date(input.at);
        const { terms, times } = await slaFor(em, 'exception', x.type, x.severity, now);
        const facts = {
          type: x.type, level: x.severity, subjectType: x.entityType, subjectId: x.entityId, slaBreached: existing?.slaBreached ?? false,
          slaDeadlineAt: (existing?.slaDeadlineAt ?? times?.slaDeadlineAt)?.toISOString() ?? null,
          slaWarningAt: (existing?.slaWarningAt ?? times?.slaWarningAt)?.toISOString() ?? null,
          escalation: terms?.escalation ?? {},
        };
        if (existing) return { ref: existing.ref, status: existing.status, assigneeId: (existing.assignedTo as { id: string } | null)?.id ?? null, facts };
        const ref = await nextRef(em, 'exception');
        em.create(Exception, {
          id: x.id, ref, type: x.type, severity: x.severity, summary: x.summary, details: x.details ?? null, entityType: x.entityType,
          entityId: x.entityId, assignedTo: x.assigneeId ?? null, slaDeadlineAt: times?.slaDeadlineAt ?? null, slaWarningAt: times?.slaWarningAt ?? null,
          createdAt: now,
        });
        await em.flush();
        const snapshot = { ref, type: x.type, severity: x.severity, summary: x.summary, entity_type: x.entityType, entity_id: x.entityId, assigned_to: x.assigneeId ?? null, sla_deadline_at: facts.slaDeadlineAt };
        await writeChangeRecord(em, {
          entityType: 'exception', entityId: x.id, action: 'CREATE', eventType: 'exception.created', transitionId: input.transitionId,
          actor: input.actor, before: null, after: { status: 'open', ...snapshot }, payload: { ...snapshot, status: 'open', exceptionId: x.id },
        });
        return { ref, status: 'open', assigneeId: x.assigneeId ?? null, facts };
      });
    },

    /**
     * The SLA deadline passed: mark the item breached and escalate as the policy says (raise the
     * priority/severity, reassign to the least-loaded ops manager), with audit and
     * `<kind>.sla_breached`. Returns the exception to open, if the policy asks for one.
     */
    async markSlaBreached(input: { kind: Kind; id: string; transitionId: string; escalation: Record<string, unknown>; at: string }): Promise<SlaBreachOutcome> {
      return orm.em.fork().transactional(async (em) => {
        const row = (await em.findOne(input.kind === 'task' ? Task : (Exception as unknown as typeof Task), { id: input.id }, { lockMode: LockMode.PESSIMISTIC_WRITE })) as Task | Exception | null;
        if (!row) throw nonRetryable('NOT_FOUND', `No ${input.kind} ${input.id}.`);
        const currentLevel = 'severity' in row ? row.severity : row.priority;
        const currentAssignee = (row.assignedTo as { id: string } | null)?.id ?? null;
        const openException = (input.escalation.create_exception as { type: string; severity: string } | undefined) ?? null;
        if (await em.findOne(AuditLog, { entityType: input.kind, entityId: input.id, transitionId: input.transitionId })) {
          return { alreadyApplied: true, assigneeId: currentAssignee, level: currentLevel, openException };
        }
        const now = new Date(input.at);
        const level = input.escalation.raise_priority ? raised(currentLevel, 'severity' in row ? SEVERITIES : PRIORITIES) : currentLevel;
        const assigneeId = input.escalation.reassign_to_role === 'OPS_MANAGER' ? ((await pickOpsManager(em)) ?? currentAssignee) : currentAssignee;
        row.slaBreached = true;
        if ('severity' in row) row.severity = level;
        else {
          row.priority = level;
          row.slaBreachedAt = now;
        }
        row.assignedTo = assigneeId as never;
        await em.flush();
        const before = { sla_breached: false, level: currentLevel, assigned_to: currentAssignee };
        const after = { sla_breached: true, level, assigned_to: assigneeId };
        await writeChangeRecord(em, {
          entityType: input.kind, entityId: input.id, action: 'UPDATE', eventType: `${input.kind}.sla_breached`, transitionId: input.transitionId,
          actor: { type: 'system' }, before, after,
          payload: { ref: row.ref, type: row.type, sla_deadline_at: row.slaDeadlineAt?.toISOString() ?? null, ...after, previous_assignee: currentAssignee, escalation: input.escalation },
          metadata: { reason: 'SLA deadline passed' },
        });
        return { alreadyApplied: false, assigneeId, level, openException };
      });
    },
  };
}
