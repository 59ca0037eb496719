import { Migration } from '@mikro-orm/migrations';

/**
 * An Idempotency-Key's reservation is a lease its holder renews while the request runs
 * (api/graphql/idempotency.ts): a request whose API process died stops renewing, and a retry
 * takes the key over seconds later instead of waiting out a fixed timeout. NULL once the
 * result is stored (and on rows written before this migration: those count as expired).
 */
export class Migration20261130113800_idempotency_key_leases extends Migration {
  override name = 'Migration20261130113800_idempotency_key_leases';

  override up(): void {
    this.addSql(`alter table "idempotency_keys" add column "lease_expires_at" timestamptz null;`);
  }

  override down(): void {
    this.addSql(`alter table "idempotency_keys" drop column "lease_expires_at";`);
  }
}
