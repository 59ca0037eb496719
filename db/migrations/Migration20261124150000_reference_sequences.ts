import { Migration } from '@mikro-orm/migrations';

/**
 * Human-readable references (I-1001, B-1001, T-1001, E-1001) come from one sequence per
 * kind, taken inside the transaction that creates the row.
 */
export class Migration20261124150000_reference_sequences extends Migration {
  override name = 'Migration20261124150000_reference_sequences';

  override up(): void {
    for (const kind of ['inquiry', 'booking', 'task', 'exception']) {
      this.addSql(`create sequence if not exists "${kind}_ref_seq" start with 1001;`);
    }
  }

  override down(): void {
    for (const kind of ['inquiry', 'booking', 'task', 'exception']) {
      this.addSql(`drop sequence if exists "${kind}_ref_seq";`);
    }
  }
}
