import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AutomationExecution } from './automation-execution.ts';
import { createdAt, updatedAt, uuidPk, type JsonObject } from './columns.ts';

export const AutomationRule = defineEntity({
  name: 'AutomationRule',
  tableName: 'automation_rules',
  properties: {
    id: uuidPk(),
    name: p.text(),
    description: p.text().nullable(),
    /** active, disabled, testing */
    status: p.text().default('active'),
    /** inquiry.created, payment.succeeded */
    trigger: p.text(),
    /** Extra filters on the triggering event. */
    triggerFilters: p.json<JsonObject>().nullable(),
    /** Cron expression for scheduled rules. */
    schedule: p.text().nullable(),
    /** IF conditions. */
    conditions: p.json<unknown>(),
    /** THEN actions. */
    actions: p.json<unknown>(),
    /** Rate limits, max executions. */
    limits: p.json<JsonObject>().nullable(),
    /** The active version (automation_rule_versions): every save makes a new one. */
    version: p.integer().default(1),
    /** Why the engine paused the rule (auto-pause); null when a person set its status. */
    pausedReason: p.text().nullable(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    executions: () => p.oneToMany(AutomationExecution).mappedBy('rule'),
  },
});
export type AutomationRule = InferEntity<typeof AutomationRule>;
