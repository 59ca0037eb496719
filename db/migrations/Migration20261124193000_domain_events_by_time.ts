import { Migration } from '@mikro-orm/migrations';

/**
 * Events in commit-time order: the realtime catch-up after a lost LISTEN connection reads
 * "everything since T" and must not scan the whole table to do it.
 */
export class Migration20261124193000_domain_events_by_time extends Migration {
  override name = 'Migration20261124193000_domain_events_by_time';

  override up(): void {
    this.addSql(`create index if not exists "idx_domain_events_created" on "domain_events" ("created_at", "id");`);
  }

  override down(): void {
    this.addSql(`drop index if exists "idx_domain_events_created";`);
  }
}
