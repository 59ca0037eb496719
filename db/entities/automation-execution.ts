import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AutomationRule } from './automation-rule.ts';
import { timestamptz, uuidPk, type JsonObject } from './columns.ts';

export const AutomationExecution = defineEntity({
  name: 'AutomationExecution',
  tableName: 'automation_executions',
  properties: {
    id: uuidPk(),
    rule: () => p.manyToOne(AutomationRule).fieldName('rule_id'),
    /** The domain_events row that triggered it (plain UUID, no foreign key, as in the seed). */
    eventId: p.uuid(),
    /** pending (dispatched), running, waiting (a follow-up's timer), done, failed, skipped (domain/automation-rules.ts) */
    status: p.text().default('running'),
    /** conditions_not_met, rate_limited, loop_depth, rule_disabled (when skipped) */
    skipReason: p.text().nullable(),
    /** The rule version it ran (automation_rule_versions.version). */
    ruleVersion: p.integer().nullable(),
    /** The event it ran for, copied for filtering without a join. */
    eventType: p.text().nullable(),
    entityType: p.text().nullable(),
    entityId: p.uuid().nullable(),
    /** 0 for an event caused by a person or a timer; the causing execution's depth + 1 for an action's event. */
    depth: p.integer().default(0),
    /** The execution whose action wrote the triggering event. */
    causedBy: p.uuid().nullable(),
    /** The Temporal workflow that runs it (domain/automation-rules.ts executionWorkflowId; a retry adds its attempt). */
    workflowId: p.text().nullable(),
    /** Index of the action that failed, where a retry starts. */
    failedAction: p.integer().nullable(),
    error: p.text().nullable(),
    /** 1, then one more per retry from the failed action. */
    attempt: p.integer().default(1),
    isTest: p.boolean().default(false),
    startedAt: timestamptz().defaultRaw('now()'),
    finishedAt: timestamptz().nullable(),
    logs: p.json<unknown>().nullable(),
    result: p.json<JsonObject>().nullable(),
  },
  // Deduplication: a rule runs once per event.
  uniques: [{ properties: ['rule', 'eventId'] }],
  indexes: [
    { name: 'idx_automation_executions_rule', properties: ['rule', 'startedAt'] },
    { name: 'idx_automation_executions_status', properties: ['status', 'startedAt'] },
    { name: 'idx_automation_executions_entity', properties: ['entityType', 'entityId'] },
  ],
});
export type AutomationExecution = InferEntity<typeof AutomationExecution>;
