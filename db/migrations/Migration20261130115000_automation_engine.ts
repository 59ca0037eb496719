import { Migration } from '@mikro-orm/migrations';

/**
 * The automation engine's tables and columns: rule versions, execution details (skip reason,
 * rule version, event, chain depth and cause, workflow id, failed action), operators' shifts and
 * caps (assign_operator's data), and an index of the outbox's unpublished events.
 *
 * Events written before the engine existed are stamped published: they were never meant to run
 * rules, and an upgraded installation must not replay its history through them. Existing rules
 * get their version 1.
 */
export class Migration20261130115000_automation_engine extends Migration {
  override name = 'Migration20261130115000_automation_engine';

  override up(): void {
    this.addSql(`alter table "automation_rules" add column "version" int not null default 1, add column "paused_reason" text null;`);
    this.addSql(`create table "automation_rule_versions" (
      "id" uuid not null default gen_random_uuid(), "rule_id" uuid not null, "version" int not null, "definition" jsonb not null,
      "change" text not null, "created_by" uuid null, "created_at" timestamptz(3) not null default now(),
      constraint "automation_rule_versions_pkey" primary key ("id"));`);
    this.addSql(`alter table "automation_rule_versions" add constraint "uq_automation_rule_versions" unique ("rule_id", "version");`);
    this.addSql(`alter table "automation_rule_versions" add constraint "automation_rule_versions_rule_id_foreign" foreign key ("rule_id") references "automation_rules" ("id");`);
    this.addSql(`alter table "automation_rule_versions" add constraint "automation_rule_versions_created_by_foreign" foreign key ("created_by") references "users" ("id") on delete no action;`);
    this.addSql(`insert into "automation_rule_versions" ("rule_id", "version", "definition", "change")
      select "id", 1, jsonb_build_object('name', "name", 'description', "description", 'status', "status", 'trigger', "trigger",
        'triggerFilters', "trigger_filters", 'schedule', "schedule", 'conditions', "conditions", 'actions', "actions", 'limits', "limits"), 'created'
      from "automation_rules";`);

    this.addSql(`alter table "automation_executions"
      add column "skip_reason" text null, add column "rule_version" int null, add column "event_type" text null,
      add column "entity_type" text null, add column "entity_id" uuid null, add column "depth" int not null default 0,
      add column "caused_by" uuid null, add column "workflow_id" text null, add column "failed_action" int null,
      add column "error" text null, add column "attempt" int not null default 1;`);
    this.addSql(`create index "idx_automation_executions_rule" on "automation_executions" ("rule_id", "started_at");`);
    this.addSql(`create index "idx_automation_executions_status" on "automation_executions" ("status", "started_at");`);
    this.addSql(`create index "idx_automation_executions_entity" on "automation_executions" ("entity_type", "entity_id");`);

    this.addSql(`create table "operator_shifts" (
      "id" uuid not null default gen_random_uuid(), "user_id" uuid not null, "starts_at" timestamptz not null, "ends_at" timestamptz not null,
      "created_at" timestamptz(3) not null default now(), constraint "operator_shifts_pkey" primary key ("id"));`);
    this.addSql(`alter table "operator_shifts" add constraint "operator_shifts_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`create index "idx_operator_shifts_user" on "operator_shifts" ("user_id", "ends_at");`);
    this.addSql(`create table "operator_capacity" (
      "user_id" uuid not null, "max_open_items" int not null, "last_assigned_at" timestamptz null, "updated_at" timestamptz not null default now(),
      constraint "operator_capacity_pkey" primary key ("user_id"));`);
    this.addSql(`alter table "operator_capacity" add constraint "operator_capacity_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);

    // The dispatcher's scan: unpublished events in commit order, a small partial index.
    this.addSql(`create index "idx_domain_events_unpublished" on "domain_events" ("created_at", "id") where "published_at" is null;`);
    this.addSql(`update "domain_events" set "published_at" = now() where "published_at" is null;`);
  }

  override down(): void {
    this.addSql(`drop index if exists "idx_domain_events_unpublished";`);
    this.addSql(`drop table if exists "operator_capacity";`);
    this.addSql(`drop table if exists "operator_shifts";`);
    this.addSql(`drop index if exists "idx_automation_executions_rule"; drop index if exists "idx_automation_executions_status"; drop index if exists "idx_automation_executions_entity";`);
    this.addSql(`alter table "automation_executions" drop column "skip_reason", drop column "rule_version", drop column "event_type", drop column "entity_type",
      drop column "entity_id", drop column "depth", drop column "caused_by", drop column "workflow_id", drop column "failed_action", drop column "error", drop column "attempt";`);
    this.addSql(`drop table if exists "automation_rule_versions";`);
    this.addSql(`alter table "automation_rules" drop column "version", drop column "paused_reason";`);
  }
}
