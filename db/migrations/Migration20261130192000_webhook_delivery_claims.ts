import { Migration } from '@mikro-orm/migrations';

/**
 * Stored Stripe webhooks are delivered by the workers, not by the API process that acknowledged
 * them (its event loop serves acknowledgements only). A worker claims a batch of stored, not yet
 * signalled rows for a while (`delivery_claimed_until`), so workers running side by side do not
 * signal the same event twice; a claim left by a worker that died expires and another takes it.
 * The claim reads rows still `received`, oldest first: the partial index idx_webhooks_in_undelivered.
 */
export class Migration20261130192000_webhook_delivery_claims extends Migration {
  override name = 'Migration20261130192000_webhook_delivery_claims';

  override up(): void {
    this.addSql(`alter table "webhooks_in" add column "delivery_claimed_until" timestamptz(3) null;`);
  }

  override down(): void {
    this.addSql(`alter table "webhooks_in" drop column "delivery_claimed_until";`);
  }
}
