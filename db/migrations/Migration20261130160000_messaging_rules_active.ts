import { Migration } from '@mikro-orm/migrations';
import type { RuleDefinition } from '../../domain/automation-rules.ts';
import { SHIPPED_DEPOSIT_REMINDER, SHIPPED_NO_SHOW_RISK } from '../seed/messaging-rules.ts';

/**
 * send_message is an action of the engine now, so seed rules 2 (deposit reminder) and 3 (no-show
 * risk) ship active. A database seeded before has them disabled, as version 1 with params the
 * engine now reads differently (rule 3's alert to the client instead of the ops chat): each is
 * given its shipped definition as a new version, active, unless a manager has saved a version
 * of it since (their rule, left as they made it). An empty database gets them from the seed.
 */
const literal = (value: string | null) => (value === null ? 'null' : `'${value.replace(/'/g, "''")}'`);
const json = (value: unknown) => `${literal(JSON.stringify(value))}::jsonb`;

function switchOn(definition: RuleDefinition): string {
  return `WITH switched AS (
    UPDATE automation_rules r SET description = ${literal(definition.description)}, status = ${literal(definition.status)}, trigger = ${literal(definition.trigger)},
           trigger_filters = ${json(definition.triggerFilters)}, conditions = ${json(definition.conditions)}, actions = ${json(definition.actions)},
           version = r.version + 1, updated_at = now()
     WHERE r.name = ${literal(definition.name)} AND r.version = 1 AND r.status = 'disabled'
       AND NOT EXISTS (SELECT 1 FROM automation_rule_versions v WHERE v.rule_id = r.id AND v.version > 1)
    RETURNING r.id, r.version)
  INSERT INTO automation_rule_versions (rule_id, version, definition, change)
  SELECT id, version, ${json(definition)}, 'shipped update: send_message available, switched on' FROM switched`;
}

export class Migration20261130160000_messaging_rules_active extends Migration {
  override name = 'Migration20261130160000_messaging_rules_active';

  override up(): void {
    this.addSql(switchOn(SHIPPED_DEPOSIT_REMINDER));
    this.addSql(switchOn(SHIPPED_NO_SHOW_RISK));
  }

  override down(): void {
    // Their newer version stays in the history; the rules go back to disabled.
    this.addSql(`UPDATE automation_rules SET status = 'disabled' WHERE name IN (${literal(SHIPPED_DEPOSIT_REMINDER.name)}, ${literal(SHIPPED_NO_SHOW_RISK.name)})`);
  }
}
