/**
 * The commands every lifecycle entity shares: change its status, assign it, add a note. Each is
 * an Update on the entity's workflow (its validator decides; nothing is written here), made by
 * a caller who may act on the entity. The GraphQL API, automation actions and the web app all
 * come through here.
 */
import type { PermissionCode } from '../domain/access.ts';
import { assertMayAssign, assertPermission } from '../domain/access.ts';
import { claimsTime } from '../domain/booking.ts';
import type { LifecycleEntityType } from '../domain/lifecycles.ts';
import { createMismatchService } from './availability-mismatches.ts';
import { assertModelFree } from './booking-holds.ts';
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

/** The entity's row and workflow, once the caller may change the entity. */
async function entityOf(deps: ServiceDeps, caller: Caller, ref: EntityRef) {
  assertPermission(caller.principal, WRITE_PERMISSION[ref.type]);
  const row = await lifecycleRowInPolicy(deps.em, caller.principal, ref.type, ref.id);
  return { row, handle: deps.temporal.workflow.getHandle(commands.workflowIdOfRow(ref.type, row)) };
}

const workflowOf = async (deps: ServiceDeps, caller: Caller, ref: EntityRef) => (await entityOf(deps, caller, ref)).handle;

export function createLifecycleService(deps: ServiceDeps) {
  const mismatches = createMismatchService(deps);
  return {
    async changeStatus(caller: Caller, entity: EntityRef, change: StatusChange): Promise<TransitionResult> {
      const { row, handle } = await entityOf(deps, caller, entity);
      // A booking starting to hold its model's time: CONFLICT naming the other booking before
      // anything reaches the workflow's history (validators cannot query; the store's write is
      // refused by the database if a concurrent request got there first).
      if (entity.type === 'booking' && claimsTime({ fromStatus: row.status, toStatus: change.to, moves: false })) await assertModelFree(deps.em, row.id);
      const result = await commands.transition(handle, change.to, {
        actor: actorOf(caller), transitionId: transitionIdOf(caller), reason: change.reason, data: { ...change.data },
      });
      // Holding time or letting it go: does availability back the booking (mismatches open or close)?
      if (entity.type === 'booking') await mismatches.reconcileBooking(row.id);
      return result;
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
