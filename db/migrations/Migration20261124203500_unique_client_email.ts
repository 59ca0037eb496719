import { Migration } from '@mikro-orm/migrations';

/**
 * One client per email address, enforced by the database: two inquiries from a new address that
 * arrive at once (or two operators creating the same client) cannot make two clients. The losing
 * intake transaction retries and finds the client the other created; the API answers CONFLICT.
 */
export class Migration20261124203500_unique_client_email extends Migration {
  override name = 'Migration20261124203500_unique_client_email';

  override up(): void {
    this.addSql(`create unique index if not exists "uq_clients_email_lower" on "clients" (lower(email)) where email is not null;`);
  }

  override down(): void {
    this.addSql(`drop index if exists "uq_clients_email_lower";`);
  }
}
