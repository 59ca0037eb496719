import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AutomationRule } from './automation-rule.ts';
import { createdAt, uuidPk, type JsonObject } from './columns.ts';
import { User } from './user.ts';

/** Every saved form of a rule (domain/automation-rules.ts RuleDefinition); the rule's `version` is the active one. */
export const AutomationRuleVersion = defineEntity({
  name: 'AutomationRuleVersion',
  tableName: 'automation_rule_versions',
  properties: {
    id: uuidPk(),
    rule: () => p.manyToOne(AutomationRule).fieldName('rule_id'),
    version: p.integer(),
    definition: p.json<JsonObject>(),
    /** created, edited, enabled, disabled, restored from N, auto-paused */
    change: p.text(),
    createdBy: () => p.manyToOne(User).nullable().fieldName('created_by').deleteRule('no action'),
    createdAt: createdAt(),
  },
  uniques: [{ name: 'uq_automation_rule_versions', properties: ['rule', 'version'] }],
});
export type AutomationRuleVersion = InferEntity<typeof AutomationRuleVersion>;
