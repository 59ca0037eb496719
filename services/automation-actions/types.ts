/**
 * The contract of an automation action: one module per action type (this folder), each with
 * the shape of its params (checked when a rule is saved), any check that needs data (a role, a
 * user, the trigger's known status), what it would do (testing mode and dry runs), and how it
 * runs through the application-layer commands. Adding an action is one module plus its line in
 * index.ts.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import type { ConditionContext } from '../../domain/automation-conditions.ts';
import type { EventSpec } from '../../domain/automation-events.ts';
import type { ActionType, RuleAction } from '../../domain/automation-rules.ts';
import { DomainError } from '../../domain/errors.ts';
import type { Caller } from '../context.ts';
import type { Services } from '../index.ts';

/** The event an execution runs for. */
export interface ExecutionEvent {
  readonly id: string;
  readonly type: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

/** What an action is about: the event's entity, or the booking / inquiry it concerns. */
export const SUBJECTS = ['event', 'booking', 'inquiry', 'task', 'exception'] as const;
export type Subject = (typeof SUBJECTS)[number];

export interface EntityRef {
  readonly type: string;
  readonly id: string;
}

export interface ActionContext {
  readonly services: Services;
  readonly em: EntityManager;
  /** The platform, keyed by (execution, action): every id and transition id it derives is stable across retries. */
  readonly caller: Caller;
  readonly ruleName: string;
  readonly event: ExecutionEvent;
  /** The rows the conditions read, as loaded when this action runs. */
  readonly facts: ConditionContext;
  /** The entity an action is about, or null when the event concerns none of that type. */
  subject(about: Subject): EntityRef | null;
  /** A choice made once per (execution, action) and replayed on retry (e.g. the round robin's pick). */
  decide<T>(key: string, choose: () => Promise<T>): Promise<T>;
  /** The operations team's configured address on a channel (TELEGRAM_OPS_CHAT_ID, OPS_EMAIL), if any. */
  opsAddress(channel: string): string | undefined;
}

export interface ActionOutcome {
  /** done: it acted; unchanged: nothing to do (already so, nobody to assign); cancelled: a follow-up whose subject moved on. */
  readonly outcome: 'done' | 'unchanged' | 'cancelled';
  readonly detail: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface SaveCheck {
  readonly em: EntityManager;
  readonly trigger: EventSpec;
  /** The params' path in the rule, for VALIDATION messages: `actions.1.params`. */
  readonly field: string;
  /** A trigger filter's fixed value, when the rule has one (e.g. new_status). */
  readonly filters: Readonly<Record<string, unknown>>;
}

export interface ActionModule<P = Record<string, unknown>> {
  readonly type: ActionType;
  readonly params: z.ZodType<P>;
  /** Checks against data and the trigger; throws VALIDATION naming the part. */
  check?(params: P, check: SaveCheck): Promise<void>;
  /** One line: what it would do (testing mode, dry runs). */
  describe(params: P): string;
  run(params: P, context: ActionContext): Promise<ActionOutcome>;
}

export type AnyActionModule = ActionModule<never>;

/** A refusal the action cannot cure by retrying (a coded domain error, or a workflow's refusal), as code + message. */
export function refusalOf(error: unknown): { code: string; message: string } | undefined {
  if (error instanceof DomainError) return { code: error.code, message: error.message };
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    return { code: error.cause.type ?? 'FAILED', message: error.cause.message };
  }
  if (error instanceof ApplicationFailure && error.nonRetryable) return { code: error.type ?? 'FAILED', message: error.message };
  return undefined;
}

export type { RuleAction };
