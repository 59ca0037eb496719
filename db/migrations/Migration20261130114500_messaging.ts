import { Migration } from '@mikro-orm/migrations';

/**
 * The outbound messaging layer and outgoing webhooks (automation issue, reused by operators'
 * replies): message templates with immutable numbered versions (one active), the messages log
 * (one row per idempotency key: the key is what makes a retried send a no-op), a Telegram chat id
 * on clients (email and phone already exist), and on `webhooks_out` the idempotency key, the
 * receiver's last answer and a delivery counter (redeliveries on demand). A rule's webhook goes
 * to any URL, not necessarily a configured integration, so its integration becomes optional.
 */
/** A SQL string literal (standard_conforming_strings: only quotes are doubled). */
const literal = (value: string | null) => (value === null ? 'null' : `'${value.replace(/'/g, "''")}'`);

const SHIPPED_TEMPLATES = [
  {
    key: 'deposit_reminder',
    name: 'Deposit reminder',
    description: 'Sent to the client 2 h into awaiting_deposit when the deposit has not arrived (seed rule 2).',
    subject: 'Your request {{inquiry_ref}}: deposit due',
    bodyText: 'Hello {{client_name}},\n\nWe are holding your request {{inquiry_ref}}. To confirm it, please pay the deposit of {{deposit_amount}}.\n\nThank you,\nVirel',
    bodyHtml: '<p>Hello {{client_name}},</p><p>We are holding your request <strong>{{inquiry_ref}}</strong>. To confirm it, please pay the deposit of <strong>{{deposit_amount}}</strong>.</p><p>Thank you,<br>Virel</p>',
    variables: [
      { name: 'client_name', description: "The client's name", example: 'James' },
      { name: 'inquiry_ref', description: 'The inquiry reference', example: 'I-1042' },
      { name: 'deposit_amount', description: 'Deposit due, with currency', example: '£120.00' },
    ],
  },
  {
    key: 'no_show_alert',
    name: 'No-show risk alert',
    description: 'Alert to the ops Telegram chat 30 min before a confirmed booking whose client has not confirmed arrival (seed rule 3).',
    subject: 'No-show risk: {{booking_ref}}',
    bodyText: 'No-show risk: booking {{booking_ref}} starts at {{start_at}} and the client has not confirmed arrival.',
    bodyHtml: null,
    variables: [
      { name: 'booking_ref', description: 'The booking reference', example: 'B-1235' },
      { name: 'start_at', description: 'Start time, as shown to ops', example: '2026-12-25 19:00' },
    ],
  },
];

export class Migration20261130114500_messaging extends Migration {
  override name = 'Migration20261130114500_messaging';

  override up(): void {
    this.addSql(`create table "message_templates" (
      "id" uuid not null default gen_random_uuid(), "key" text not null, "name" text not null, "description" text null,
      "active_version" int not null default 1, "archived_at" timestamptz null,
      "created_at" timestamptz(3) not null default now(), "updated_at" timestamptz not null default now(),
      primary key ("id"), constraint "message_templates_key_unique" unique ("key"),
      constraint "message_templates_key_format" check ("key" ~ '^[a-z][a-z0-9_]{1,63}$'));`);
    this.addSql(`create table "message_template_versions" (
      "id" uuid not null default gen_random_uuid(), "template_id" uuid not null references "message_templates" ("id"),
      "version" int not null, "subject" text null, "body_text" text not null, "body_html" text null,
      "variables" jsonb not null default '[]', "created_by" uuid null references "users" ("id") on delete no action,
      "created_at" timestamptz(3) not null default now(),
      primary key ("id"), constraint "uq_message_template_versions" unique ("template_id", "version"));`);

    this.addSql(`create table "messages" (
      "id" uuid not null, "idempotency_key" text not null, "channel" text not null, "recipient" text not null,
      "client_id" uuid null references "clients" ("id") on delete no action,
      "template_id" uuid not null references "message_templates" ("id"), "template_version" int not null,
      "subject" text null, "body_text" text not null, "body_html" text null,
      "subject_type" text null, "subject_id" uuid null,
      "status" text not null default 'queued', "attempts" int not null default 0,
      "provider_message_id" text null, "last_error" text null,
      "requested_by" uuid null references "users" ("id") on delete no action,
      "created_at" timestamptz(3) not null default now(), "updated_at" timestamptz not null default now(),
      "sent_at" timestamptz null, "failed_at" timestamptz null,
      primary key ("id"), constraint "messages_idempotency_key_unique" unique ("idempotency_key"),
      constraint "messages_channel_check" check ("channel" in ('email', 'telegram', 'whatsapp')),
      constraint "messages_status_check" check ("status" in ('queued', 'sent', 'failed')));`);
    this.addSql(`create index "idx_messages_status" on "messages" ("status", "created_at");`);
    this.addSql(`create index "idx_messages_channel_status" on "messages" ("channel", "status");`);
    this.addSql(`create index "idx_messages_subject" on "messages" ("subject_type", "subject_id", "created_at");`);
    this.addSql(`create index "idx_messages_client" on "messages" ("client_id", "created_at");`);

    // The templates the seed's shipped rules name (rule 2: deposit_reminder by email; rule 3:
    // no_show_alert by Telegram to the ops chat), as version 1 a manager can edit.
    for (const t of SHIPPED_TEMPLATES) {
      this.addSql(`insert into "message_templates" ("key", "name", "description") values (${literal(t.key)}, ${literal(t.name)}, ${literal(t.description)}) on conflict ("key") do nothing;`);
      this.addSql(`insert into "message_template_versions" ("template_id", "version", "subject", "body_text", "body_html", "variables")
        select "id", 1, ${literal(t.subject)}, ${literal(t.bodyText)}, ${literal(t.bodyHtml)}, ${literal(JSON.stringify(t.variables))}::jsonb
        from "message_templates" where "key" = ${literal(t.key)} on conflict do nothing;`);
    }

    this.addSql(`alter table "clients" add column "telegram_chat_id" text null;`);

    this.addSql(`alter table "webhooks_out" alter column "integration_id" drop not null;`);
    this.addSql(`alter table "webhooks_out" add column "idempotency_key" text null, add column "response_status" int null,
      add column "deliveries" int not null default 1, add column "updated_at" timestamptz not null default now();`);
    this.addSql(`alter table "webhooks_out" add constraint "webhooks_out_idempotency_key_unique" unique ("idempotency_key");`);
    this.addSql(`alter table "webhooks_out" add constraint "webhooks_out_status_check" check ("status" in ('pending', 'sent', 'failed'));`);
  }

  override down(): void {
    this.addSql(`alter table "webhooks_out" drop constraint "webhooks_out_status_check";`);
    this.addSql(`alter table "webhooks_out" drop constraint "webhooks_out_idempotency_key_unique";`);
    this.addSql(`alter table "webhooks_out" drop column "idempotency_key", drop column "response_status", drop column "deliveries", drop column "updated_at";`);
    this.addSql(`alter table "clients" drop column "telegram_chat_id";`);
    this.addSql(`drop table if exists "messages";`);
    this.addSql(`drop table if exists "message_template_versions";`);
    this.addSql(`drop table if exists "message_templates";`);
  }
}
