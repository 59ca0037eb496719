import { Migration } from '@mikro-orm/migrations';

/**
 * Every status change of a rule execution NOTIFYs virel_automation_executions (db/execution-notices.ts)
 * in the writing transaction, so subscriptions hear it once it commits. A trigger rather than a
 * NOTIFY beside each UPDATE: the status is written in several places (the dispatcher's insert,
 * the engine's begin, skip, wait and finish, a retry) and none of them can forget it. A rewrite
 * of the same status (an idempotent step run again) announces nothing.
 */
export class Migration20261130165000_automation_execution_notices extends Migration {
  override name = 'Migration20261130165000_automation_execution_notices';

  override up(): void {
    this.addSql(`
      CREATE FUNCTION automation_execution_notice() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status OR NEW.attempt IS DISTINCT FROM OLD.attempt THEN
          PERFORM pg_notify('virel_automation_executions',
            json_build_object('executionId', NEW.id, 'status', NEW.status, 'attempt', NEW.attempt)::text);
        END IF;
        RETURN NULL;
      END $$;`);
    this.addSql(`
      CREATE TRIGGER automation_executions_notice AFTER INSERT OR UPDATE OF status, attempt ON automation_executions
        FOR EACH ROW EXECUTE FUNCTION automation_execution_notice();`);
  }

  override down(): void {
    this.addSql('DROP TRIGGER IF EXISTS automation_executions_notice ON automation_executions;');
    this.addSql('DROP FUNCTION IF EXISTS automation_execution_notice();');
  }
}
