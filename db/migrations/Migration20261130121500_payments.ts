import { Migration } from '@mikro-orm/migrations';

/**
 * Stripe deposits, refunds, webhooks and reconciliation (issue 12).
 *
 * - payments: a refund row points at the payment it refunds (`refunds_payment_id`); the refunded
 *   payment keeps the running total (`amount_refunded`), which the database itself keeps
 *   between 0 and the amount: an over-refund, or the second of two concurrent refunds that
 *   together exceed the payment, fails on the CHECK whatever the caller did. `provider_event_at`
 *   is the provider's time of the last event applied, so an older event arriving late is seen
 *   as out of order. `failure_reason` keeps the provider's decline message.
 * - webhooks_in: `idempotency_key` is the provider's event id (unique per integration since the
 *   initial schema); delivery bookkeeping (`attempts`, `signalled_at`) lets the sweep find rows
 *   stored but never signalled (a crash between receipt and signal).
 * - reconciliation_reports / reconciliation_mismatches: Finance's report of each run.
 */
export class Migration20261130121500_payments extends Migration {
  override name = 'Migration20261130121500_payments';

  override up(): void {
    this.addSql(`alter table "payments"
      add column "refunds_payment_id" uuid null references "payments" ("id"),
      add column "amount_refunded" numeric(10,2) not null default 0,
      add column "provider_event_at" timestamptz null,
      add column "failure_reason" text null,
      add constraint "payments_amount_refunded_within" check ("amount_refunded" >= 0 and "amount_refunded" <= "amount"),
      add constraint "payments_type_known" check ("type" in ('deposit', 'full', 'refund')),
      add constraint "payments_status_known" check ("status" in ('pending', 'succeeded', 'failed', 'cancelled'));`);
    this.addSql(`create index "idx_payments_refunds" on "payments" ("refunds_payment_id") where "refunds_payment_id" is not null;`);
    this.addSql(`create index "idx_payments_created" on "payments" ("created_at");`);
    this.addSql(`alter table "webhooks_in"
      add column "attempts" int not null default 0,
      add column "signalled_at" timestamptz null,
      add column "entity_type" text null,
      add column "entity_id" uuid null;`);
    this.addSql(`create index "idx_webhooks_in_undelivered" on "webhooks_in" ("received_at") where "status" = 'received';`);
    this.addSql(`create table "reconciliation_reports" (
      "id" uuid not null default gen_random_uuid(),
      "provider" text not null,
      "period_from" timestamptz not null,
      "period_to" timestamptz not null,
      "started_at" timestamptz not null default now(),
      "finished_at" timestamptz null,
      "status" text not null default 'running',
      "ours_checked" int not null default 0,
      "provider_checked" int not null default 0,
      "mismatch_count" int not null default 0,
      "error" text null,
      primary key ("id"));`);
    this.addSql(`create index "idx_reconciliation_reports_started" on "reconciliation_reports" ("started_at");`);
    this.addSql(`create table "reconciliation_mismatches" (
      "id" uuid not null default gen_random_uuid(),
      "report_id" uuid not null references "reconciliation_reports" ("id") on delete cascade,
      "kind" text not null,
      "provider_payment_id" text null,
      "payment_id" uuid null references "payments" ("id"),
      "booking_id" uuid null references "bookings" ("id"),
      "our_amount" numeric(10,2) null,
      "provider_amount" numeric(10,2) null,
      "currency" text null,
      "detail" text not null,
      "exception_id" uuid null,
      primary key ("id"));`);
    this.addSql(`create index "idx_reconciliation_mismatches_report" on "reconciliation_mismatches" ("report_id");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "reconciliation_mismatches";`);
    this.addSql(`drop table if exists "reconciliation_reports";`);
    this.addSql(`drop index if exists "idx_webhooks_in_undelivered";`);
    this.addSql(`alter table "webhooks_in" drop column "attempts", drop column "signalled_at", drop column "entity_type", drop column "entity_id";`);
    this.addSql(`drop index if exists "idx_payments_created";`);
    this.addSql(`drop index if exists "idx_payments_refunds";`);
    this.addSql(`alter table "payments" drop constraint "payments_status_known", drop constraint "payments_type_known", drop constraint "payments_amount_refunded_within",
      drop column "failure_reason", drop column "provider_event_at", drop column "amount_refunded", drop column "refunds_payment_id";`);
  }
}
