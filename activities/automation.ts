/**
 * The automation execution's activities (ops queue, seed §9: 60 s, 5 attempts, 5 s … 80 s):
 * thin wrappers over the engine's steps in services/automation-engine.ts, each with a fresh
 * unit of work. A step that fails transiently throws and is retried; a refused action is a
 * result, not an error.
 */
import type { Client } from '@temporalio/client';
import { createAutomationEngine, type ActionRecord, type BeginExecution, type BeginResult, type EngineOptions } from '../services/automation-engine.ts';
import type { SessionRevoker } from '../services/context.ts';
import type { RuleAction } from '../domain/automation-rules.ts';
import { writeEvent } from '../db/change-log.ts';
import type { ActivityDeps } from './deps.ts';

/** Automation never ends sessions: a revoker that refuses, so a wrong use is loud. */
const noSessions: SessionRevoker = {
  revokeUser: () => Promise.reject(new Error('automation actions do not manage sessions')),
};

export function createAutomationActivities(deps: ActivityDeps & { readonly temporal: Client; readonly opsAddresses?: EngineOptions['opsAddresses'] }) {
  const engine = () => createAutomationEngine({ em: deps.orm.em.fork(), temporal: deps.temporal, sessions: noSessions }, { opsAddresses: deps.opsAddresses });
  return {
    beginExecution(input: BeginExecution): Promise<BeginResult> {
      return engine().begin(input);
    },
    runAction(input: { executionId: string; index: number; action: RuleAction; testing: boolean; ruleName: string; followupOf?: { status: string | null } }): Promise<ActionRecord> {
      return engine().runAction(input);
    },
    markWaiting(input: { executionId: string; index: number; until: string; status?: string | null }): Promise<{ moved: boolean }> {
      return engine().markWaiting(input);
    },
    dropFollowupIfMoved(input: { executionId: string; index: number; action: RuleAction; status: string | null }): Promise<ActionRecord | null> {
      return engine().dropFollowupIfMoved(input);
    },
    /** A scheduled rule's tick as a domain event (change log: timeline + event + NOTIFY), once per tick. */
    async recordScheduleTick(input: { ruleId: string; tickId: string; scheduledAt: string }): Promise<void> {
      await deps.orm.em.fork().transactional((em) => writeEvent(em, {
        entityType: 'automation_rule', entityId: input.ruleId, transitionId: `schedule:${input.tickId}`, actor: { type: 'system' },
        event: { type: 'schedule.tick', payload: { scheduled_at: input.scheduledAt, rule_id: input.ruleId } },
      }));
    },
    finishExecution(input: { executionId: string; status: 'done' | 'failed'; failedAction?: number; error?: string }): Promise<{ paused: boolean }> {
      return engine().finish(input);
    },
  };
}

export type { ActionRecord, BeginResult };
export type AutomationActivities = ReturnType<typeof createAutomationActivities>;
