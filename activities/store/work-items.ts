/**
 * Tasks and exceptions: the Action Center's work items. Created by their lifecycle's first
 * activity with an SLA from `sla_policies`; escalated by their lifecycle when the SLA breaches.
 */
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { writeChange } from '../../db/change-log.ts';
import { AuditLog, Exception, Task } from '../../db/entities/index.ts';
import type { Actor } from '../../workflows/lifecycle/messages.ts';
import type { NewException, NewTask } from '../../workflows/work-item/messages.ts';
import type { ActivityDeps } from '../deps.ts';
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
  /** Who owned the item when it breached (before any reassignment by the escalation). */
  readonly previousAssigneeId: string | null;
  readonly level: string;
  /** Set when the policy asks for an exception to be opened. */
  readonly openException: { type: string; severity: string } | null;
}

type Kind = 'task' | 'exception';

interface WorkItemSpec {
  readonly kind: Kind;
  readonly id: string;
  readonly type: string;
  /** Priority of a task, severity of an exception: what SLA policies and escalation key on. */
  readonly level: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly assigneeId: string | null;
  /** The kind's own columns, and what its audit entry and event say about it. */
  readonly columns: Record<string, unknown>;
  readonly described: Record<string, unknown>;
  readonly actor: Actor;
  readonly transitionId: string;
  readonly at: string;
}

/** Creates a task or exception with its SLA (idempotent by id), audit entry and `<kind>.created`. */
async function createWorkItem(em: EntityManager, spec: WorkItemSpec): Promise<WorkItemCreated> {
  const entity = spec.kind === 'task' ? Task : (Exception as unknown as typeof Task);
  const existing = (await em.findOne(entity, { id: spec.id })) as Task | Exception | null;
  // The SLA clock starts at the row's own creation instant (workflow time).
  const now = existing?.createdAt ?? new Date(spec.at);
  const terms = await findSlaPolicy(em, spec.kind === 'task' ? 'task_type' : 'exception_type', spec.type, spec.level);
  const times = terms ? slaTimes(terms, now) : undefined;
  const facts = {
    type: spec.type, level: spec.level, subjectType: spec.subjectType, subjectId: spec.subjectId, slaBreached: existing?.slaBreached ?? false,
    slaDeadlineAt: (existing?.slaDeadlineAt ?? times?.slaDeadlineAt)?.toISOString() ?? null,
    slaWarningAt: (existing?.slaWarningAt ?? times?.slaWarningAt)?.toISOString() ?? null,
    escalation: terms?.escalation ?? {},
  };
  if (existing) return { ref: existing.ref, status: existing.status, assigneeId: (existing.assignedTo as { id: string } | null)?.id ?? null, facts };
  const ref = await nextRef(em, spec.kind);
  em.create(entity, {
    id: spec.id, ref, type: spec.type, entityType: spec.subjectType, entityId: spec.subjectId, assignedTo: spec.assigneeId,
    slaDeadlineAt: times?.slaDeadlineAt ?? null, slaWarningAt: times?.slaWarningAt ?? null, createdAt: now, ...spec.columns,
  } as never);
  await em.flush();
  const snapshot = {
    ref, type: spec.type, ...spec.described, entity_type: spec.subjectType, entity_id: spec.subjectId,
    assigned_to: spec.assigneeId, sla_deadline_at: facts.slaDeadlineAt,
  };
  await writeChange(em, {
    entityType: spec.kind, entityId: spec.id, transitionId: spec.transitionId, actor: spec.actor,
    audit: { action: 'CREATE', before: null, after: { status: 'open', ...snapshot } },
    event: { type: `${spec.kind}.created`, payload: { ...snapshot, status: 'open', [`${spec.kind}Id`]: spec.id } },
  });
  return { ref, status: 'open', assigneeId: spec.assigneeId, facts };
}

export function createWorkItemStore({ orm }: ActivityDeps) {
  return {
    async recordTaskCreated(input: { task: NewTask; actor: Actor; transitionId: string; at: string }): Promise<WorkItemCreated> {
      const t = input.task;
      return orm.em.fork().transactional((em) => createWorkItem(em, {
        kind: 'task', id: t.id, type: t.type, level: t.priority, subjectType: t.entityType, subjectId: t.entityId, assigneeId: t.assigneeId ?? null,
        columns: { priority: t.priority, subject: t.subject, dueAt: t.dueAt ? new Date(t.dueAt) : null, createdBy: input.actor.userId ?? null, details: t.details ?? null },
        described: { priority: t.priority, subject: t.subject },
        actor: input.actor, transitionId: input.transitionId, at: input.at,
      }));
    },

    async recordExceptionCreated(input: { exception: NewException; actor: Actor; transitionId: string; at: string }): Promise<WorkItemCreated> {
      const x = input.exception;
      return orm.em.fork().transactional((em) => createWorkItem(em, {
        kind: 'exception', id: x.id, type: x.type, level: x.severity, subjectType: x.entityType, subjectId: x.entityId, assigneeId: x.assigneeId ?? null,
        columns: { severity: x.severity, summary: x.summary, details: x.details ?? null },
        described: { severity: x.severity, summary: x.summary },
        actor: input.actor, transitionId: input.transitionId, at: input.at,
      }));
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
        const earlier = await em.findOne(AuditLog, { entityType: input.kind, entityId: input.id, transitionId: input.transitionId });
        if (earlier) {
          const previousAssigneeId = (earlier.before?.assigned_to as string | null | undefined) ?? null;
          return { alreadyApplied: true, assigneeId: currentAssignee, previousAssigneeId, level: currentLevel, openException };
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
        await writeChange(em, {
          entityType: input.kind, entityId: input.id, transitionId: input.transitionId, actor: { type: 'system' },
          audit: { action: 'UPDATE', before, after, metadata: { reason: 'SLA deadline passed' } },
          event: {
            type: `${input.kind}.sla_breached`,
            payload: { ref: row.ref, type: row.type, sla_deadline_at: row.slaDeadlineAt?.toISOString() ?? null, ...after, previous_assignee: currentAssignee, escalation: input.escalation },
          },
        });
        return { alreadyApplied: false, assigneeId, previousAssigneeId: currentAssignee, level, openException };
      });
    },
  };
}
