import { Migration } from '@mikro-orm/migrations';

/**
 * The Stripe webhook endpoint now honours the `stripe` integration's status (testing: received,
 * logged, no effect). Demo data seeded before marked that row `testing` while the status meant
 * nothing, so such an installation would stop applying Stripe's webhooks: the untouched demo row
 * (testing, no secrets ever set) becomes active, as the seed now ships it. A row an admin has
 * configured (secrets set) keeps the status they gave it.
 */
export class Migration20261130171000_stripe_integration_active extends Migration {
  override name = 'Migration20261130171000_stripe_integration_active';

  override up(): void {
    this.addSql(`UPDATE integrations SET status = 'active', updated_at = now()
      WHERE code = 'stripe' AND type = 'stripe' AND status = 'testing' AND NOT (config ? 'secrets')`);
  }

  override down(): void {
    // Nothing to undo: which rows were the untouched demo row is not recorded, and active is what they meant.
  }
}
