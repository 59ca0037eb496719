import { Migration } from '@mikro-orm/migrations';

/**
 * Idempotency keys belong to a signed-in user: NULL user ids would make the unique (user, key)
 * constraint let duplicates through. Kept for 24 hours; the index serves the expiry sweep.
 */
export class Migration20261124191500_idempotency_keys_per_user extends Migration {
  override name = 'Migration20261124191500_idempotency_keys_per_user';

  override up(): void {
    this.addSql(`delete from "idempotency_keys" where "user_id" is null;`);
    this.addSql(`alter table "idempotency_keys" alter column "user_id" set not null;`);
    this.addSql(`create index if not exists "idx_idempotency_keys_created" on "idempotency_keys" ("created_at");`);
  }

  override down(): void {
    this.addSql(`drop index if exists "idx_idempotency_keys_created";`);
    this.addSql(`alter table "idempotency_keys" alter column "user_id" drop not null;`);
  }
}
