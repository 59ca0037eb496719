import { Migration } from '@mikro-orm/migrations';

/**
 * "Every status change goes through the entity's workflow", kept by the database itself: a
 * trigger on each lifecycle table refuses an UPDATE that changes `status`, and an INSERT whose
 * status is not the lifecycle's initial one (domain/lifecycles.ts: new, draft, open, open),
 * unless the transaction set `virel.lifecycle_store` to on, which only the lifecycle store's
 * transition statement does (activities/store/transitions.ts). The initial statuses are written
 * here as they were when this migration was made; test/status-writes.test.ts compares them with
 * domain/.
 */
const TABLES: Array<[table: string, initial: string]> = [['inquiries', 'new'], ['bookings', 'draft'], ['tasks', 'open'], ['exceptions', 'open']];

export class Migration20261130093000_status_writes_guard extends Migration {
  override name = 'Migration20261130093000_status_writes_guard';

  override up(): void {
    this.addSql(`
      CREATE OR REPLACE FUNCTION virel_guard_status_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF coalesce(current_setting('virel.lifecycle_store', true), '') = 'on' THEN
          RETURN NEW;
        END IF;
        IF TG_OP = 'INSERT' THEN
          IF NEW.status IS DISTINCT FROM TG_ARGV[0] THEN
            RAISE EXCEPTION 'lifecycle status write refused: a new row of % starts as %, not %', TG_TABLE_NAME, TG_ARGV[0], NEW.status
              USING HINT = 'Create it in its initial status; later statuses come from its workflow (a transition).';
          END IF;
        ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
          RAISE EXCEPTION 'lifecycle status write refused: % % may change status (% to %) only through its workflow', TG_TABLE_NAME, OLD.id, OLD.status, NEW.status
            USING HINT = 'Send the transition to the entity''s workflow; only the lifecycle store writes status.';
        END IF;
        RETURN NEW;
      END $$;`);
    for (const [table, initial] of TABLES) {
      this.addSql(`
        CREATE TRIGGER status_writes_guard BEFORE INSERT OR UPDATE OF status ON "${table}"
          FOR EACH ROW EXECUTE FUNCTION virel_guard_status_write('${initial}');`);
    }
  }

  override down(): void {
    for (const [table] of TABLES) this.addSql(`DROP TRIGGER IF EXISTS status_writes_guard ON "${table}";`);
    this.addSql('DROP FUNCTION IF EXISTS virel_guard_status_write();');
  }
}
