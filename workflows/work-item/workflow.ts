/**
 * Task and exception lifecycles. Both carry an SLA from `sla_policies`: a warning event at
 * the policy's fraction of the deadline (the Action Center turns the item amber), and at the
 * deadline the item is marked breached and escalated as the policy says, possibly opening an
 * exception. Reassignment restarts the clock (see activities/store/sla.ts).
 */
import { ParentClosePolicy, continueAsNew, setHandler, startChild, uuid4 } from '@temporalio/workflow';
import {
  exceptionLifecycle as exceptionMachine, isTerminal, taskLifecycle as taskMachine, type ExceptionStatus, type Lifecycle, type TaskStatus,
} from '../../domain/lifecycles.ts';
import { breachExceptionAssignee, completionSteps } from '../../domain/work-items.ts';
import { toFailure } from '../failures.ts';
import type { LifecycleDefinition, LifecycleMachine, TimerSpec } from '../lifecycle/core.ts';
import type { TransitionResult } from '../lifecycle/messages.ts';
import { runEntityLifecycle } from '../lifecycle/entity-workflow.ts';
import { SA_ENTITY_TYPE, SA_SLA_BREACHED, SA_SLA_DEADLINE } from '../search-attributes.ts';
import { LIFECYCLE_WORKFLOW_TASK_TIMEOUT, WORKFLOW_TASK_QUEUE } from '../task-queues.ts';
import {
  completeTaskUpdate, exceptionWorkflowId, exceptionWorkflowType, type ExceptionWorkflowInput, type TaskWorkflowInput, type WorkItemFacts,
} from './messages.ts';
import { notificationEvents, storeEvents, storeWrites } from '../lifecycle/store.ts';


async function openEscalationException(
  machine: LifecycleMachine<TaskStatus | ExceptionStatus, WorkItemFacts>, kind: 'task' | 'exception', spec: { type: string; severity: string }, assigneeId: string | null,
) {
  const id = uuid4();
  const input: ExceptionWorkflowInput = {
    exception: {
      id, type: spec.type, severity: spec.severity as 'high', entityType: kind, entityId: machine.state.entityId, assigneeId: assigneeId ?? undefined,
      summary: `SLA breached: ${kind} ${machine.state.ref} (${String(machine.state.facts.type)})`,
      details: { sla_deadline_at: machine.state.facts.slaDeadlineAt, escalated_from: machine.state.ref },
    },
    actor: { type: 'system' },
    requestId: `sla-breach:${machine.state.entityId}`,
  };
  // The exception lives on its own: it must outlive this item's workflow.
  await startChild(exceptionWorkflowType, {
    workflowId: exceptionWorkflowId(id),
    taskQueue: WORKFLOW_TASK_QUEUE,
    workflowTaskTimeout: LIFECYCLE_WORKFLOW_TASK_TIMEOUT,
    args: [input],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    typedSearchAttributes: [{ key: SA_ENTITY_TYPE, value: 'exception' }],
    staticSummary: `Exception ${spec.type} (${spec.severity}) • SLA breach of ${machine.state.ref}`,
  });
}

function workItemDefinition<S extends TaskStatus | ExceptionStatus>(kind: 'task' | 'exception', lifecycle: Lifecycle<S>): LifecycleDefinition<S, WorkItemFacts> {
  return {
    lifecycle,
    timers(state) {
      const f = state.facts;
      if (isTerminal(lifecycle, state.status) || f.slaBreached || typeof f.slaDeadlineAt !== 'string') return [];
      const timers: TimerSpec[] = [];
      if (typeof f.slaWarningAt === 'string') timers.push({ name: 'sla_warning', at: Date.parse(f.slaWarningAt), description: 'SLA warning (item turns amber)' });
      timers.push({ name: 'sla_breach', at: Date.parse(f.slaDeadlineAt), description: 'SLA breach: escalation' });
      return timers;
    },
    async onTimer(timer, machine) {
      const transitionId = `timer:${timer.name}:${timer.at}`;
      if (timer.name === 'sla_warning') {
        await notificationEvents.recordEvent({
          entityType: kind, entityId: machine.state.entityId, eventType: `${kind}.sla_warning`, transitionId,
          payload: { ref: machine.state.ref, sla_deadline_at: machine.state.facts.slaDeadlineAt, assigned_to: machine.state.assigneeId },
        });
        return;
      }
      const escalation = { ...machine.state.facts.escalation };
      const outcome = await storeEvents.markSlaBreached({ kind, id: machine.state.entityId, transitionId, escalation, at: new Date().toISOString() });
      machine.adoptFacts({ slaBreached: true, level: outcome.level });
      machine.adoptAssignee(outcome.assigneeId);
      // An exception about a breach gets no further exception: escalation stops there.
      // (alreadyApplied here only means an earlier attempt of this same escalation committed.)
      if (outcome.openException && machine.state.facts.type !== outcome.openException.type) {
        // Histories recorded before previousAssigneeId existed replay with it absent.
        const owner = outcome.previousAssigneeId ?? null;
        await openEscalationException(machine, kind, outcome.openException, breachExceptionAssignee(owner, outcome.assigneeId));
      }
    },
    searchAttributes(state) {
      const deadline = state.facts.slaDeadlineAt;
      return [
        { key: SA_ENTITY_TYPE, value: kind },
        { key: SA_SLA_DEADLINE, value: typeof deadline === 'string' ? new Date(deadline) : null },
        { key: SA_SLA_BREACHED, value: state.facts.slaBreached === true },
      ];
    },
  };
}

/** completeTask: open → in_progress → done (or in_progress → done) under one lock, so nothing slips between. */
function registerCompletion(machine: LifecycleMachine<TaskStatus, WorkItemFacts>): void {
  setHandler(
    completeTaskUpdate,
    (request) =>
      machine.exclusive(async () => {
        const earlier = machine.previous<TransitionResult<TaskStatus>>(request.transitionId);
        if (earlier) return { ...earlier, duplicate: true };
        let steps: readonly TaskStatus[];
        try {
          // Re-checked under the lock: another change may have moved the task since it was accepted.
          steps = completionSteps(machine.state.status);
        } catch (error) {
          throw toFailure(error);
        }
        let result: TransitionResult | undefined;
        for (const to of steps) {
          const transitionId = to === 'done' ? request.transitionId : `${request.transitionId}:start`;
          result = await machine.applyTransition({ to, transitionId, actor: request.actor, reason: request.reason });
        }
        return result as TransitionResult<TaskStatus>;
      }),
    {
      validator: (request) => {
        if (machine.previous(request.transitionId)) return;
        try {
          completionSteps(machine.state.status);
        } catch (error) {
          throw toFailure(error);
        }
      },
    },
  );
}

export async function taskLifecycle(input: TaskWorkflowInput): Promise<void> {
  await runEntityLifecycle({
    entityId: input.task.id,
    definition: workItemDefinition('task', taskMachine),
    input,
    now: new Date().toISOString(),
    registerExtraHandlers: registerCompletion,
    create: () => storeWrites.recordTaskCreated({ task: input.task, actor: input.actor, transitionId: `create:${input.requestId ?? input.task.id}`, at: new Date().toISOString() }),
    continueAsNew: (carried) => continueAsNew<typeof taskLifecycle>({ ...input, carried }),
  });
}

export async function exceptionLifecycle(input: ExceptionWorkflowInput): Promise<void> {
  await runEntityLifecycle({
    entityId: input.exception.id,
    definition: workItemDefinition('exception', exceptionMachine),
    input,
    now: new Date().toISOString(),
    create: () => storeWrites.recordExceptionCreated({ exception: input.exception, actor: input.actor, transitionId: `create:${input.requestId ?? input.exception.id}`, at: new Date().toISOString() }),
    continueAsNew: (carried) => continueAsNew<typeof exceptionLifecycle>({ ...input, carried }),
  });
}
