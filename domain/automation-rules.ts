/**
 * Automation rules (seed §8) as data: their statuses, the actions they may run, how an
 * execution is named and bounded, and the guards every execution passes (rate limits, chain
 * depth, auto-pause). Pure: the engine (services/automation-engine.ts, workflows/automation/)
 * and the rule validator (services/automation-rules.ts) read these, nothing else decides them.
 */
import type { ConditionNode } from './automation-conditions.ts';

export const RULE_STATUSES = ['active', 'disabled', 'testing'] as const;
export type RuleStatus = (typeof RULE_STATUSES)[number];

/** Rule statuses whose events are dispatched: `testing` runs record what they would do. */
export const DISPATCHED_RULE_STATUSES: readonly RuleStatus[] = ['active', 'testing'];

/** The seven actions of seed §8 (plus add_note), one module each under services/automation-actions/. */
export const ACTION_TYPES = [
  'create_task', 'create_exception', 'update_status', 'assign_operator', 'add_note', 'send_message', 'call_webhook', 'schedule_followup',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export interface RuleAction {
  readonly type: ActionType;
  readonly params: Readonly<Record<string, unknown>>;
}

export interface RuleLimits {
  readonly max_per_hour?: number;
  readonly max_per_day?: number;
}

/** What a rule version holds: everything an execution needs, stored whole in automation_rule_versions. */
export interface RuleDefinition {
  readonly name: string;
  readonly description: string | null;
  readonly status: RuleStatus;
  readonly trigger: string;
  readonly triggerFilters: Readonly<Record<string, unknown>> | null;
  readonly schedule: string | null;
  readonly conditions: ConditionNode | readonly ConditionNode[];
  readonly actions: readonly RuleAction[];
  readonly limits: RuleLimits | null;
}

/** How an execution ended, and why one was skipped. */
export const EXECUTION_STATUSES = ['pending', 'running', 'waiting', 'done', 'failed', 'skipped'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
export const SKIP_REASONS = ['conditions_not_met', 'rate_limited', 'loop_depth', 'rule_disabled'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/**
 * How deep a chain may go: an event caused by a person or a timer is depth 0; an event written
 * by an action of an execution at depth d is depth d + 1. Executions deeper than this are
 * skipped (`loop_depth`), so two rules that trigger each other stop after a few rounds.
 */
export const MAX_CHAIN_DEPTH = 3;

/** The Temporal workflow id of a rule's execution for an event: a second dispatch finds the first. */
export function executionWorkflowId(ruleId: string, eventId: string): string {
  return `automation:${ruleId}:${eventId}`;
}

/**
 * The request key an action runs under (services' Caller.requestKey): derived from (execution,
 * action), so a retried action reaches the same transition id / entity id and changes nothing
 * twice. An event written by it carries the execution id inside its transition id, which is
 * how the dispatcher learns an event's cause (`causeOf`).
 */
export function actionRequestKey(executionId: string, actionIndex: number | string): string {
  return `automation:${executionId}:${actionIndex}`;
}

const CAUSE = /automation:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):/;

/** The statuses that wait for a deposit: paying it moves the subject on as a status change would. */
const WAITING_FOR_DEPOSIT = ['awaiting_deposit', 'deposit_required'];

/**
 * Where a follow-up's subject stands (a row as the engine loads it): its status, and for a
 * subject waiting for its deposit whether the deposit is paid. A follow-up runs only if this is
 * unchanged when its timer ends, so the deposit reminder is dropped once the deposit is paid,
 * even while the inquiry still waits for its conversion (awaiting_deposit).
 */
export function subjectStage(row: Readonly<Record<string, unknown>> | null): string | null {
  if (typeof row?.status !== 'string') return null;
  return WAITING_FOR_DEPOSIT.includes(row.status) && row.deposit_status === 'paid' ? `${row.status} (deposit paid)` : row.status;
}

/** The execution whose action wrote an event (from the event's transition id), if any. */
export function causeOf(transitionId: string | null | undefined): string | undefined {
  return transitionId ? CAUSE.exec(transitionId)?.[1] : undefined;
}

/** Which limit, if any, an execution would exceed given the rule's runs in the last hour / day. */
export function rateLimitExceeded(limits: RuleLimits | null | undefined, runs: { lastHour: number; lastDay: number }): 'max_per_hour' | 'max_per_day' | undefined {
  if (limits?.max_per_hour !== undefined && runs.lastHour >= limits.max_per_hour) return 'max_per_hour';
  if (limits?.max_per_day !== undefined && runs.lastDay >= limits.max_per_day) return 'max_per_day';
  return undefined;
}

/** Auto-pause: of a rule's last AUTO_PAUSE_WINDOW finished executions, this many failed pauses it. */
export const AUTO_PAUSE_WINDOW = 10;
export const AUTO_PAUSE_FAILURES = 8;

/** True when a rule's recent outcomes (newest first, done or failed) call for pausing it. */
export function shouldAutoPause(recent: readonly ('done' | 'failed')[]): boolean {
  const window = recent.slice(0, AUTO_PAUSE_WINDOW);
  return window.length >= AUTO_PAUSE_WINDOW && window.filter((s) => s === 'failed').length >= AUTO_PAUSE_FAILURES;
}

/** Who an assignment goes to: a named user, a strategy, or the least-loaded member of a role. */
export type AssigneeChoice =
  | { readonly kind: 'user'; readonly userId: string }
  | { readonly kind: 'next_available' }
  | { readonly kind: 'least_loaded' }
  | { readonly kind: 'role'; readonly role: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads an `assigned_to` / `strategy` text: a user id, `next_available`, `least_loaded`, or a
 * role code (`FINANCE`), also written as a team (`finance_team`, seed rule 4).
 */
export function parseAssignee(text: string): AssigneeChoice {
  const value = text.trim();
  if (UUID.test(value)) return { kind: 'user', userId: value.toLowerCase() };
  if (value === 'next_available' || value === 'least_loaded') return { kind: value };
  return { kind: 'role', role: value.replace(/_team$/i, '').toUpperCase() };
}
