import { Migration } from '@mikro-orm/migrations';

/**
 * Every list pages by (created_at, id) with a cursor that carries created_at as a JavaScript Date,
 * which holds milliseconds. PostgreSQL's now() has microseconds, so two rows created in the same
 * millisecond (concurrent intake does this) could fall between two pages. Stored at millisecond
 * precision, the value in the cursor is exactly the value in the row.
 */
export class Migration20261124210000_created_at_milliseconds extends Migration {
  override name = 'Migration20261124210000_created_at_milliseconds';

  override up(): void {
    this.addSql(`
      DO $$
      DECLARE col record;
      BEGIN
        FOR col IN
          SELECT table_name FROM information_schema.columns
           WHERE table_schema = current_schema() AND column_name = 'created_at'
             AND data_type = 'timestamp with time zone' AND coalesce(datetime_precision, 6) > 3
        LOOP
          EXECUTE format('ALTER TABLE %I ALTER COLUMN created_at TYPE timestamptz(3)', col.table_name);
        END LOOP;
      END $$;`);
  }

  override down(): void {
    this.addSql(`
      DO $$
      DECLARE col record;
      BEGIN
        FOR col IN
          SELECT table_name FROM information_schema.columns
           WHERE table_schema = current_schema() AND column_name = 'created_at' AND datetime_precision = 3
        LOOP
          EXECUTE format('ALTER TABLE %I ALTER COLUMN created_at TYPE timestamptz', col.table_name);
        END LOOP;
      END $$;`);
  }
}
