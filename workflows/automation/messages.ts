/**
 * The automation execution workflow's contract: its type, input, result and search attributes.
 * The dispatcher (services/automation-dispatch.ts) starts one per (rule, event); a retry from the
 * failed action starts another run of the same execution with the next attempt.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineSignal } from '@temporalio/workflow';

export const automationExecutionWorkflowType = 'automationExecution';

export interface AutomationExecutionInput {
  readonly ruleId: string;
  readonly eventId: string;
  /** 1 when dispatched; a retry from the failed action counts up. */
  readonly attempt: number;
}

export interface AutomationExecutionResult {
  readonly executionId: string;
  readonly status: 'done' | 'failed' | 'skipped' | 'finished';
  readonly reason?: string;
  readonly actions: ReadonlyArray<{ readonly index: number; readonly type: string; readonly outcome: string }>;
}

/**
 * Sent by the dispatcher to an execution waiting on a follow-up's timer when a status change of
 * the entity it is about is dispatched: the execution re-checks at once and drops the follow-up
 * if its subject moved on (the timer's own check when it fires stays as the backstop).
 */
export const subjectMovedSignal = defineSignal<[{ readonly eventId: string }]>('subjectMoved');

/** Findable in the Temporal UI: `VirelRuleId = '…'`, `VirelEventId = '…'`, `VirelEventType = 'payment.failed'`. */
export const SA_RULE_ID = defineSearchAttributeKey('VirelRuleId', SearchAttributeType.KEYWORD);
export const SA_EVENT_ID = defineSearchAttributeKey('VirelEventId', SearchAttributeType.KEYWORD);
export const SA_EVENT_TYPE = defineSearchAttributeKey('VirelEventType', SearchAttributeType.KEYWORD);
export const AUTOMATION_SEARCH_ATTRIBUTES = [SA_RULE_ID, SA_EVENT_ID, SA_EVENT_TYPE] as const;

/** The workflow id of an execution's attempt (the first is the dispatched one). */
export function attemptWorkflowId(baseId: string, attempt: number): string {
  return attempt <= 1 ? baseId : `${baseId}:retry:${attempt}`;
}

/** A scheduled rule's firing: writes its `schedule.tick` event (services/automation-schedules.ts). */
export const automationScheduleTickWorkflowType = 'automationScheduleTick';

export interface ScheduleTickInput {
  readonly ruleId: string;
}

/** The Temporal Schedule of a rule with a cron. */
export function scheduleIdOf(ruleId: string): string {
  return `automation-rule:${ruleId}`;
}
