/**
 * The commands every lifecycle entity shares: change its status, assign it, add a note. Each is
 * an Update on the entity's workflow (its validator decides; nothing is written here), made by
 * a caller who may act on the entity. The GraphQL API, automation actions and the web app all
 * come through here.
 */
import type { PermissionCode } from '../domain/access.ts';
import { assertMayAssign, assertPermission } from '../domain/access.ts';
import type { LifecycleEntityType } from '../domain/lifecycles.ts';
import type { ChangeResult, TransitionResult } from '../workflows/lifecycle/messages.ts';
import { actorOf, transitionIdOf, type Caller, type ServiceDeps } from './context.ts';
import * as commands from './lifecycle-commands.ts';
import { lifecycleRowInPolicy } from './rows.ts';

export const WRITE_PERMISSION: Readonly<Record<LifecycleEntityType, PermissionCode>> = {
  inquiry: 'inquiries.write', booking: 'bookings.write', task: 'tasks.write', exception: 'exceptions.write',
};

export interface EntityRef {
  readonly type: LifecycleEntityType;
  readonly id: string;
}

/** Data a status may need (domain/guards.ts TRANSITION_DATA_FIELDS says which). */
export interface StatusChange {
  readonly to: string;
  readonly reason?: string | undefined;
  readonly data?: Readonly<Record<string, unknown>> | undefined;
}

/** The entity's workflow, once the caller may change the entity. */
async function workflowOf(deps: ServiceDeps, caller: Caller, ref: EntityRef) {
  assertPermission(caller.principal, WRITE_PERMISSION[ref.type]);
  const row = await lifecycleRowInPolicy(deps.em, caller.principal, ref.type, ref.id);
  return deps.temporal.workflow.getHandle(commands.workflowIdOfRow(ref.type, row));
}

export function createLifecycleService(deps: ServiceDeps) {
  return {
    async changeStatus(caller: Caller, entity: EntityRef, change: StatusChange): Promise<TransitionResult> {
      const handle = await workflowOf(deps, caller, entity);
      return commands.transition(handle, change.to, {
        actor: actorOf(caller), transitionId: transitionIdOf(caller), reason: change.reason, data: { ...change.data },
      });
    },

    async assign(caller: Caller, entity: EntityRef, assigneeId: string | null, reason?: string): Promise<ChangeResult> {
      const handle = await workflowOf(deps, caller, entity);
      assertMayAssign(caller.principal, assigneeId);
      return commands.assign(handle, assigneeId, { actor: actorOf(caller), transitionId: transitionIdOf(caller), reason });
    },

    async addNote(caller: Caller, entity: EntityRef, text: string): Promise<ChangeResult> {
      const handle = await workflowOf(deps, caller, entity);
      return commands.addNote(handle, text, { actor: actorOf(caller), transitionId: transitionIdOf(caller) });
    },
  };
}

export type LifecycleService = ReturnType<typeof createLifecycleService>;
