import { Migration } from '@mikro-orm/migrations';

/**
 * Integrations as managed data and inbound channels (issue 12 items 4 and 5).
 *
 * - integrations: `type` becomes the provider kind the platform knows how to talk to (stripe,
 *   telegram, whatsapp, smtp, web_form, partner); the seed's coarse types (payment, messaging,
 *   partner) are mapped from the code. Status is one of active / disabled / testing. Secrets live
 *   in `config.secrets` encrypted (platform/secret-box.ts), never in clear.
 * - integration_logs: what an integration did (requests, webhooks in and out, test connections,
 *   errors), for the Integrations Admin; summaries only, never a secret.
 * - messages: inbound messages are stored with the conversation beside the outbound ones
 *   (`direction`), with the conversation they belong to (`conversation_key`: integration code and
 *   the client's address on it); an inbound message has no template, and web forms and partners
 *   are channels too. `received` is an inbound message's status.
 * - the `operator_reply` template: an operator's free-text reply through sendMessage.
 */
export class Migration20261130161000_integrations_channels extends Migration {
  override name = 'Migration20261130161000_integrations_channels';

  override up(): void {
    this.addSql(`update "integrations" set "type" = case
        when "code" in ('stripe', 'telegram', 'whatsapp', 'smtp') then "code"
        when "type" = 'partner' then 'partner'
        when "type" = 'payment' then 'stripe'
        else "type" end;`);
    this.addSql(`alter table "integrations" add constraint "integrations_status_known" check ("status" in ('active', 'disabled', 'testing'));`);
    this.addSql(`alter table "integrations" add constraint "integrations_code_format" check ("code" ~ '^[a-z][a-z0-9_]{1,63}$');`);

    this.addSql(`create table "integration_logs" (
      "id" uuid not null default gen_random_uuid(),
      "integration_id" uuid not null references "integrations" ("id") on delete cascade,
      "kind" text not null,
      "outcome" text not null,
      "summary" text not null,
      "detail" jsonb null,
      "webhook_id" uuid null,
      "created_at" timestamptz(3) not null default now(),
      primary key ("id"),
      constraint "integration_logs_kind_known" check ("kind" in ('request', 'webhook_in', 'webhook_out', 'test_connection', 'error', 'config')),
      constraint "integration_logs_outcome_known" check ("outcome" in ('ok', 'refused', 'failed', 'testing', 'disabled')));`);
    this.addSql(`create index "idx_integration_logs_integration" on "integration_logs" ("integration_id", "created_at");`);

    this.addSql(`alter table "messages"
      add column "direction" text not null default 'outbound',
      add column "conversation_key" text null,
      alter column "template_id" drop not null,
      alter column "template_version" drop not null;`);
    this.addSql(`alter table "messages" drop constraint "messages_channel_check";`);
    this.addSql(`alter table "messages" add constraint "messages_channel_check" check ("channel" in ('email', 'telegram', 'whatsapp', 'web', 'partner'));`);
    this.addSql(`alter table "messages" drop constraint "messages_status_check";`);
    this.addSql(`alter table "messages" add constraint "messages_status_check" check ("status" in ('queued', 'sent', 'failed', 'received'));`);
    this.addSql(`alter table "messages" add constraint "messages_direction_check" check (
      ("direction" = 'outbound' and "template_id" is not null and "channel" in ('email', 'telegram', 'whatsapp') and "status" <> 'received')
      or ("direction" = 'inbound' and "status" = 'received'));`);
    this.addSql(`create index "idx_messages_conversation" on "messages" ("conversation_key", "created_at") where "conversation_key" is not null;`);

    this.addSql(`insert into "message_templates" ("key", "name", "description") values ('operator_reply', 'Operator reply',
      'An operator''s reply to a client on the inquiry''s channel (replyToInquiry): the text as written.') on conflict ("key") do nothing;`);
    this.addSql(`insert into "message_template_versions" ("template_id", "version", "subject", "body_text", "body_html", "variables")
      select "id", 1, 'Re: your request {{inquiry_ref}}', '{{text}}', null,
        '[{"name":"text","description":"The reply as the operator wrote it","example":"Hello, yes: Friday at 7 pm works."},{"name":"inquiry_ref","description":"The inquiry reference","example":"I-1042"}]'::jsonb
      from "message_templates" where "key" = 'operator_reply' on conflict do nothing;`);
  }

  override down(): void {
    this.addSql(`delete from "message_template_versions" where "template_id" in (select "id" from "message_templates" where "key" = 'operator_reply');`);
    this.addSql(`delete from "message_templates" where "key" = 'operator_reply';`);
    this.addSql(`drop index if exists "idx_messages_conversation";`);
    this.addSql(`delete from "messages" where "direction" = 'inbound';`);
    this.addSql(`alter table "messages" drop constraint "messages_direction_check";`);
    this.addSql(`alter table "messages" drop constraint "messages_status_check";`);
    this.addSql(`alter table "messages" add constraint "messages_status_check" check ("status" in ('queued', 'sent', 'failed'));`);
    this.addSql(`alter table "messages" drop constraint "messages_channel_check";`);
    this.addSql(`alter table "messages" add constraint "messages_channel_check" check ("channel" in ('email', 'telegram', 'whatsapp'));`);
    this.addSql(`alter table "messages" drop column "direction", drop column "conversation_key",
      alter column "template_id" set not null, alter column "template_version" set not null;`);
    this.addSql(`drop table if exists "integration_logs";`);
    this.addSql(`alter table "integrations" drop constraint "integrations_code_format";`);
    this.addSql(`alter table "integrations" drop constraint "integrations_status_known";`);
  }
}
