import { Migration } from '@mikro-orm/migrations';

/**
 * Outgoing webhooks (callWebhook, automation's call_webhook) get an integration row of their
 * own, kind `webhook`, code `webhook`: every delivery attempt is written to its integration log
 * (request, receiver's status, duration, error), as inbound webhooks are to theirs, so an
 * Integrations Admin sees both directions in one place. While active, its sealed `signingSecret`
 * (if set) signs the webhooks instead of WEBHOOK_SIGNING_SECRET. Created active with nothing set:
 * deliveries go on exactly as before, now logged.
 */
export class Migration20261130190000_webhook_integration extends Migration {
  override name = 'Migration20261130190000_webhook_integration';

  override up(): void {
    this.addSql(`insert into "integrations" ("code", "name", "type", "status", "config")
      values ('webhook', 'Outgoing webhooks', 'webhook', 'active', '{}') on conflict ("code") do nothing;`);
  }

  override down(): void {
    this.addSql(`delete from "integrations" where "code" = 'webhook' and "type" = 'webhook'
      and not exists (select 1 from "webhooks_in" w where w."integration_id" = "integrations"."id");`);
  }
}
