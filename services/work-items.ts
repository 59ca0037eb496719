/**
 * Tasks and exceptions (the Action Center's work items): creating one starts its lifecycle
 * workflow (update-with-start) and its SLA; completing, resolving and dismissing are Updates
 * of that workflow. Automation's "create a task" action and the API use the same commands.
 */
import { Exception, LIFECYCLE_ROWS, Task, User, type Inquiry } from '../db/entities/index.ts';
import { assertMayAssign, assertPermission, canSee } from '../domain/access.ts';
import { invalidInput } from '../domain/errors.ts';
import type { Priority } from '../domain/inquiry.ts';
import type { LifecycleEntityType } from '../domain/lifecycles.ts';
import type { TransitionResult } from '../workflows/lifecycle/messages.ts';
import type { NewException, NewTask } from '../workflows/work-item/messages.ts';
import { actorOf, newEntityId, transitionIdOf, type Caller, type ServiceDeps } from './context.ts';
import * as commands from './lifecycle-commands.ts';
import { assigneeIdOf, isUuid, lifecycleRowInPolicy } from './rows.ts';

/** What a new work item is about and who gets it. */
interface NewItemCommon {
  readonly entityType: string;
  readonly entityId: string;
  readonly assigneeId?: string | null | undefined;
  readonly details?: Record<string, unknown> | undefined;
}

export interface CreateTask extends NewItemCommon {
  readonly type: string;
  readonly subject: string;
  readonly priority: Priority;
  readonly dueAt?: Date | null | undefined;
}

export interface CreateException extends NewItemCommon {
  readonly type: string;
  readonly severity: NewException['severity'];
  readonly summary: string;
}

export function createWorkItemService(deps: ServiceDeps) {
  const { em, temporal } = deps;

  /**
   * A new work item's assignee exists and is the caller's to choose (assertMayAssign), and the
   * entity it is about is one the caller may see: a task cannot be used to look at a booking
   * outside one's policy (its Action Center summary shows the booking).
   */
  async function assertNewItem(caller: Caller, input: NewItemCommon): Promise<void> {
    assertMayAssign(caller.principal, input.assigneeId);
    if (input.assigneeId && !(await em.findOne(User, { id: input.assigneeId, status: 'active' }))) throw invalidInput('assigneeId', 'no active user with this id');
    if (!(input.entityType in LIFECYCLE_ROWS)) return;
    const entity = LIFECYCLE_ROWS[input.entityType as LifecycleEntityType] as typeof Inquiry;
    const row = isUuid(input.entityId) ? await em.findOne(entity, { id: input.entityId }) : null;
    if (!row || !canSee(caller.principal, assigneeIdOf(row))) throw invalidInput('entityId', `no ${input.entityType} ${input.entityId} that you may see`);
  }

  /** Moves a work item the caller may act on through its workflow. */
  async function move(caller: Caller, kind: 'task' | 'exception', id: string, to: string, reason: string | undefined): Promise<TransitionResult> {
    const row = await lifecycleRowInPolicy(em, caller.principal, kind, id);
    const handle = temporal.workflow.getHandle(commands.workflowIdOfRow(kind, row));
    return commands.transition(handle, to, { actor: actorOf(caller), transitionId: transitionIdOf(caller), reason });
  }

  return {
    async createTask(caller: Caller, input: CreateTask): Promise<Task> {
      assertPermission(caller.principal, 'tasks.write');
      await assertNewItem(caller, input);
      const task: NewTask = {
        id: newEntityId(caller, 'task'), type: input.type, subject: input.subject, priority: input.priority,
        entityType: input.entityType, entityId: input.entityId, assigneeId: input.assigneeId ?? undefined,
        dueAt: input.dueAt?.toISOString(), details: input.details,
      };
      const { created } = await commands.startTask(temporal, task, { actor: actorOf(caller), requestId: caller.requestId }, {
        staticSummary: `Task ${input.type} (${input.priority}) • ${input.subject}`,
      });
      return em.findOneOrFail(Task, { id: created.entityId }, { refresh: true });
    },

    async createException(caller: Caller, input: CreateException): Promise<Exception> {
      assertPermission(caller.principal, 'exceptions.write');
      await assertNewItem(caller, input);
      const exception: NewException = {
        id: newEntityId(caller, 'exception'), type: input.type, severity: input.severity, summary: input.summary,
        entityType: input.entityType, entityId: input.entityId, assigneeId: input.assigneeId ?? undefined, details: input.details,
      };
      const { created } = await commands.startException(temporal, exception, { actor: actorOf(caller), requestId: caller.requestId }, {
        staticSummary: `Exception ${input.type} (${input.severity}) • ${input.summary}`,
      });
      return em.findOneOrFail(Exception, { id: created.entityId }, { refresh: true });
    },

    /** Seed §4 has no open → done: the task's workflow starts an open task first, in the same Update. */
    async completeTask(caller: Caller, id: string, reason?: string): Promise<{ task: Task; transition: TransitionResult }> {
      assertPermission(caller.principal, 'tasks.write');
      const row = await lifecycleRowInPolicy(em, caller.principal, 'task', id);
      const handle = temporal.workflow.getHandle(commands.workflowIdOfRow('task', row));
      const transition = await commands.completeTask(handle, { actor: actorOf(caller), transitionId: transitionIdOf(caller), reason });
      return { task: await em.findOneOrFail(Task, { id: row.id }, { refresh: true }), transition };
    },

    async resolveException(caller: Caller, id: string, resolution: string): Promise<{ exception: Exception; transition: TransitionResult }> {
      assertPermission(caller.principal, 'exceptions.write');
      const transition = await move(caller, 'exception', id, 'resolved', resolution);
      return { exception: await em.findOneOrFail(Exception, { id: transition.entityId }, { refresh: true }), transition };
    },

    async dismissException(caller: Caller, id: string, reason: string): Promise<{ exception: Exception; transition: TransitionResult }> {
      assertPermission(caller.principal, 'exceptions.write');
      const transition = await move(caller, 'exception', id, 'dismissed', reason);
      return { exception: await em.findOneOrFail(Exception, { id: transition.entityId }, { refresh: true }), transition };
    },
  };
}

export type WorkItemService = ReturnType<typeof createWorkItemService>;
