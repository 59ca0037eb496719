/**
 * The contract every lifecycle workflow (inquiry, booking, task, exception) shares: one set
 * of Updates and Queries, so the API drives any entity the same way. Each entity's own
 * messages.ts adds its input and creation result.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { LifecycleEntityType, LifecycleStatus } from '../../domain/lifecycles.ts';

/** Who caused a change: a signed-in user, or the platform itself (automation, timers, webhooks). */
export interface Actor {
  readonly type: 'user' | 'system';
  readonly userId?: string | undefined;
}

export interface TransitionRequest<S extends LifecycleStatus = LifecycleStatus> {
  /** A status of the entity's lifecycle (anything else is refused as VALIDATION). */
  readonly to: S;
  /**
   * Caller-supplied and stable across retries (idempotency key, webhook event id, rule
   * execution id): a transition id already applied returns its first result, changes nothing.
   */
  readonly transitionId: string;
  readonly actor: Actor;
  readonly reason?: string | undefined;
  /** Entity fields set together with the status, where the target status needs them (e.g. depositAmount). */
  readonly data?: Readonly<Record<string, unknown>> | undefined;
}

export interface TransitionResult<S extends LifecycleStatus = LifecycleStatus> {
  readonly entityId: string;
  readonly from: S;
  readonly to: S;
  readonly transitionId: string;
  readonly at: string;
  /** True when this transition id had already been applied: nothing changed now. */
  readonly duplicate: boolean;
}

export interface AssignRequest {
  /** The user to assign, or null to unassign. */
  readonly assigneeId: string | null;
  readonly transitionId: string;
  readonly actor: Actor;
  readonly reason?: string | undefined;
}

export interface NoteRequest {
  readonly text: string;
  readonly transitionId: string;
  readonly actor: Actor;
}

export interface ChangeResult {
  readonly entityId: string;
  readonly transitionId: string;
  readonly duplicate: boolean;
}

/** "What happens next": one durable timer of the entity. */
export interface UpcomingTimer {
  readonly name: string;
  readonly at: string;
  readonly description: string;
}

export interface LifecycleSnapshot {
  readonly entityType: LifecycleEntityType;
  readonly entityId: string;
  readonly ref: string | undefined;
  readonly status: LifecycleStatus;
  readonly assigneeId: string | null;
  readonly facts: Readonly<Record<string, unknown>>;
  readonly upcomingTimers: readonly UpcomingTimer[];
  readonly runTransitions: number;
}

export const transitionUpdate = defineUpdate<TransitionResult, [TransitionRequest]>('transition');
export const assignUpdate = defineUpdate<ChangeResult, [AssignRequest]>('assign');
export const addNoteUpdate = defineUpdate<ChangeResult, [NoteRequest]>('addNote');
export const lifecycleStateQuery = defineQuery<LifecycleSnapshot>('lifecycleState');
export const upcomingTimersQuery = defineQuery<UpcomingTimer[]>('upcomingTimers');

export interface Created {
  readonly entityId: string;
  readonly ref: string;
  readonly status: LifecycleStatus;
  /** False when this call found the entity already created by an earlier delivery. */
  readonly firstDelivery: boolean;
}

/**
 * Sent with update-with-start: resolves once the entity's row is committed, so creating an
 * entity is one round trip and a duplicate delivery gets the existing entity back.
 */
export const awaitCreatedUpdate = defineUpdate<Created, [requestId: string]>('awaitCreated');
