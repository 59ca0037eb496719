/**
 * Running an action: the mutation through urql (which adds the Idempotency-Key), its optimistic
 * effect on the list (logic/optimistic.ts), and the server's message when it refuses. Every
 * change an operator makes goes through here, from a button, a shortcut or the palette.
 */
import type { Client, CombinedError } from '@urql/core';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { SignedInUser } from '../auth/session.ts';
import {
  AddNoteDocument, AssignDocument, ChangeStatusDocument, CompleteTaskDocument,
  type LifecycleEntityType, type QuickActionFieldsFragment,
} from '../graphql/generated.ts';
import type { Effect, OptimisticActions } from '../logic/optimistic.ts';

/** Final statuses: the item is no longer work, it leaves the Action Center. */
const FINAL = new Set(['done', 'failed', 'cancelled', 'resolved', 'dismissed']);

export interface Workbench {
  readonly client: Client;
  readonly optimistic: OptimisticActions;
  readonly user: SignedInUser;
  /** Called after a change the server accepted: views refetch what they show. */
  readonly changed: () => void;
}

/** The server's own message (the first GraphQL error), or what went wrong on the way. */
export function errorText(error: CombinedError): string {
  const first = error.graphQLErrors[0];
  if (first) return first.message;
  return error.networkError ? `The server could not be reached (${error.networkError.message}).` : error.message;
}

async function mutate<D, V extends object>(client: Client, document: TypedDocumentNode<D, V>, variables: V): Promise<string | null> {
  const result = await client.mutation(document, variables).toPromise();
  return result.error ? errorText(result.error) : null;
}

/** Runs `steps` in order with `effect` shown at once; the first refusal rolls it back. */
export async function perform(wb: Workbench, itemId: string, label: string, effect: Effect, steps: Array<() => Promise<string | null>>): Promise<string | null> {
  const token = wb.optimistic.begin(itemId, label, effect);
  for (const step of steps) {
    const refusal = await step();
    if (refusal) {
      wb.optimistic.rollback(token, refusal);
      wb.changed();
      return refusal;
    }
  }
  wb.optimistic.settle(token);
  wb.changed();
  return null;
}

/** What a status change may carry besides its target (domain/guards.ts changeInputs says when). */
export interface ChangeData {
  readonly depositAmount?: string;
  readonly depositRequired?: string;
  readonly closedReason?: string;
}

export function changeStatus(wb: Workbench, entity: { type: LifecycleEntityType; id: string }, to: string, reason?: string, data: ChangeData = {}) {
  return () => mutate(wb.client, ChangeStatusDocument, { input: { entity, to, reason: reason ?? null, ...data } });
}

export function assign(wb: Workbench, entity: { type: LifecycleEntityType; id: string }, assigneeId: string | null) {
  return () => mutate(wb.client, AssignDocument, { input: { entity, assigneeId } });
}

export function addNote(wb: Workbench, entity: { type: LifecycleEntityType; id: string }, text: string) {
  return () => mutate(wb.client, AddNoteDocument, { input: { entity, text } });
}

export function completeTask(wb: Workbench, id: string, reason: string) {
  return () => mutate(wb.client, CompleteTaskDocument, { id, reason });
}

export interface ItemRef {
  readonly kind: 'task' | 'exception';
  readonly id: string;
  readonly type: string;
}

/** What a quick action from the API does to the list at once. */
export function effectOf(item: ItemRef, action: QuickActionFieldsFragment, viewerId: string): Effect {
  if (action.kind === 'TRANSITION') {
    if (action.entityId !== item.id) return { kind: 'remove' }; // confirming the booking finishes the task (below)
    return action.toStatus && FINAL.has(action.toStatus) ? { kind: 'remove' } : { kind: 'patch', patch: { status: action.toStatus } };
  }
  if (action.kind === 'ASSIGN_TO_ME') return { kind: 'patch', patch: { assigneeId: viewerId } };
  return { kind: 'patch', patch: {} };
}

/** A quick action from the API on an Action Center item. `text`: the note's text (ADD_NOTE). */
export function runQuickAction(wb: Workbench, item: ItemRef, action: QuickActionFieldsFragment, text?: string): Promise<string | null> {
  const entity = { type: action.entityType, id: action.entityId };
  const effect = effectOf(item, action, wb.user.id);
  switch (action.kind) {
    case 'TRANSITION': {
      const steps = [changeStatus(wb, entity, action.toStatus ?? '', 'From the Action Center')];
      // "✅ Confirm" on a confirm_booking task: the booking is confirmed, so the task is done.
      if (action.entityId !== item.id && item.kind === 'task') steps.push(completeTask(wb, item.id, `${action.label}: done`));
      return perform(wb, item.id, action.label, effect, steps);
    }
    case 'ASSIGN_TO_ME':
      return perform(wb, item.id, action.label, effect, [assign(wb, entity, wb.user.id)]);
    case 'ADD_NOTE':
      return perform(wb, item.id, action.label, effect, [addNote(wb, entity, text ?? '')]);
    default:
      return Promise.resolve(`Unknown action ${String(action.kind)}.`);
  }
}

/** Assigning to someone else takes the item off this viewer's list. */
export function assignTo(wb: Workbench, item: ItemRef, assigneeId: string, name: string): Promise<string | null> {
  const effect: Effect = assigneeId === wb.user.id ? { kind: 'patch', patch: { assigneeId } } : { kind: 'remove' };
  return perform(wb, item.id, `Assign to ${name}`, effect, [assign(wb, { type: item.kind, id: item.id }, assigneeId)]);
}
