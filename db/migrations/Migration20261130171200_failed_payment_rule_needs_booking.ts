import { Migration } from '@mikro-orm/migrations';
import { SHIPPED_RULES } from '../seed/reference-data.ts';

/**
 * Deposits can now be asked of an inquiry (no booking yet). Seed rule 4 ("Escalate failed
 * payments") raises its exception about the booking and sends the booking back to
 * deposit_required, which an inquiry's failed deposit does not have: every such failure would
 * be a failed execution (and enough of them would pause the rule). The rule gains the condition
 * `booking.id exists`, as a new version, unless a manager has saved a version of it since (their
 * rule, left as they made it). An empty database gets it from the seed.
 */
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;
const json = (value: unknown) => `${literal(JSON.stringify(value))}::jsonb`;
const RULE_4 = SHIPPED_RULES.find((r) => r.name === 'Escalate failed payments');

export class Migration20261130171200_failed_payment_rule_needs_booking extends Migration {
  override name = 'Migration20261130171200_failed_payment_rule_needs_booking';

  override up(): void {
    if (!RULE_4) throw new Error('the shipped rule "Escalate failed payments" is missing from the seed');
    this.addSql(`WITH changed AS (
      UPDATE automation_rules r SET description = ${literal(RULE_4.description ?? "")}, conditions = ${json(RULE_4.conditions)}, version = r.version + 1, updated_at = now()
       WHERE r.name = ${literal(RULE_4.name)} AND r.version = 1
         AND NOT EXISTS (SELECT 1 FROM automation_rule_versions v WHERE v.rule_id = r.id AND v.version > 1)
      RETURNING r.id, r.version)
    INSERT INTO automation_rule_versions (rule_id, version, definition, change)
    SELECT id, version, ${json(RULE_4)}, 'shipped update: only payments of a booking (an inquiry''s deposit has none)' FROM changed`);
  }

  override down(): void {
    // The newer version stays in the history; a manager may restore version 1.
  }
}
