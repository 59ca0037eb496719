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
    /** running, done, failed */
    status: p.text().default('running'),
    isTest: p.boolean().default(false),
    startedAt: timestamptz().defaultRaw('now()'),
    finishedAt: timestamptz().nullable(),
    logs: p.json<unknown>().nullable(),
    result: p.json<JsonObject>().nullable(),
  },
  // Deduplication: a rule runs once per event.
  uniques: [{ properties: ['rule', 'eventId'] }],
});
export type AutomationExecution = InferEntity<typeof AutomationExecution>;
