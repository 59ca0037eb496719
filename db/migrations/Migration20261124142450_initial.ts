import { Migration } from '@mikro-orm/migrations';

export class Migration20261124142450_initial extends Migration {

  override name = 'Migration20261124142450_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "attributes" ("id" uuid not null default gen_random_uuid(), "code" text not null, "name" text not null, "is_filterable" boolean null default true, "is_public" boolean null default true, "data_type" text not null default 'enum', "status" text not null default 'active', primary key ("id"));`);
    this.addSql(`alter table "attributes" add constraint "attributes_code_unique" unique ("code");`);

    this.addSql(`create table "attribute_values" ("id" uuid not null default gen_random_uuid(), "attribute_id" uuid not null, "value" text not null, "sort_order" int null default 0, "status" text not null default 'active', primary key ("id"));`);
    this.addSql(`alter table "attribute_values" add constraint "attribute_values_attribute_id_value_unique" unique ("attribute_id", "value");`);

    this.addSql(`create table "automation_rules" ("id" uuid not null default gen_random_uuid(), "name" text not null, "description" text null, "status" text not null default 'active', "trigger" text not null, "trigger_filters" jsonb null, "schedule" text null, "conditions" jsonb not null, "actions" jsonb not null, "limits" jsonb null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);

    this.addSql(`create table "automation_executions" ("id" uuid not null default gen_random_uuid(), "rule_id" uuid not null, "event_id" uuid not null, "status" text not null default 'running', "is_test" boolean not null default false, "started_at" timestamptz not null default now(), "finished_at" timestamptz null, "logs" jsonb null, "result" jsonb null, primary key ("id"));`);
    this.addSql(`alter table "automation_executions" add constraint "automation_executions_rule_id_event_id_unique" unique ("rule_id", "event_id");`);

    this.addSql(`create table "categories" ("id" uuid not null default gen_random_uuid(), "title" text not null, "slug" text not null, "h1" text null, "intro_html" text null, "description_html" text null, "status" text not null default 'active', "is_popular" boolean null default false, "seo_title" text null, "seo_description" text null, "seo_keywords" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "categories" add constraint "categories_slug_unique" unique ("slug");`);

    this.addSql(`create table "clients" ("id" uuid not null default gen_random_uuid(), "full_name" text null, "email" text null, "phone" text null, "preferred_channel" text null, "tags" text[] null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "idx_clients_email" on "clients" ("email");`);
    this.addSql(`create index "idx_clients_phone" on "clients" ("phone");`);

    this.addSql(`create table "idempotency_keys" ("id" uuid not null default gen_random_uuid(), "key" text not null, "user_id" uuid null, "operation" text not null, "request_hash" text not null, "response" jsonb null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "idempotency_keys" add constraint "uq_idempotency_keys_user_key" unique ("user_id", "key");`);

    this.addSql(`create table "integrations" ("id" uuid not null default gen_random_uuid(), "code" text not null, "name" text not null, "type" text not null, "status" text not null default 'active', "config" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "integrations" add constraint "integrations_code_unique" unique ("code");`);

    this.addSql(`create table "locations" ("id" uuid not null default gen_random_uuid(), "title" text not null, "slug" text not null, "county" text null, "country" text null default 'UK', "timezone" text null default 'Europe/London', "latitude" numeric(9,6) null, "longitude" numeric(9,6) null, "status" text not null default 'active', "is_popular" boolean null default false, primary key ("id"));`);
    this.addSql(`alter table "locations" add constraint "locations_slug_unique" unique ("slug");`);

    this.addSql(`create table "call_rates" ("id" uuid not null default gen_random_uuid(), "location_id" uuid null, "currency" text not null default 'GBP', "duration_minutes" int not null, "price" numeric(10,2) not null, "status" text not null default 'active', primary key ("id"));`);

    this.addSql(`create table "models" ("id" uuid not null default gen_random_uuid(), "public_code" text not null, "name" text not null, "slug" text not null, "primary_location_id" uuid null, "status" text not null default 'active', "visibility" text not null default 'public', "rating_internal" numeric(3,2) null, "notes_internal" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "models" add constraint "models_public_code_unique" unique ("public_code");`);
    this.addSql(`alter table "models" add constraint "models_slug_unique" unique ("slug");`);
    this.addSql(`create index "idx_models_status_visibility" on "models" ("status", "visibility");`);
    this.addSql(`create index "idx_models_location" on "models" ("primary_location_id");`);
    this.addSql(`alter table "models" add constraint "idx_models_slug" unique ("slug");`);

    this.addSql(`create table "availability_slots" ("id" uuid not null default gen_random_uuid(), "model_id" uuid not null, "start_at" timestamptz not null, "end_at" timestamptz not null, "status" text not null default 'available', "source" text null default 'manual', "confidence" numeric(3,2) null default 1.0, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "idx_availability_slots_model" on "availability_slots" ("model_id", "start_at");`);
    this.addSql(`create index "idx_availability_slots_status" on "availability_slots" ("status", "start_at");`);

    this.addSql(`create table "availability_rules" ("id" uuid not null default gen_random_uuid(), "name" text not null, "scope" text not null, "location_id" uuid null, "model_id" uuid null, "rule" jsonb not null, "status" text not null default 'active', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);

    this.addSql(`create table "availability_mismatches" ("id" uuid not null default gen_random_uuid(), "model_id" uuid not null, "expected_status" text not null, "actual_status" text not null, "detected_at" timestamptz not null, "severity" text not null, "context" jsonb null, "resolved_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "idx_availability_mismatches_detected" on "availability_mismatches" ("detected_at");`);
    this.addSql(`create index "idx_availability_mismatches_model" on "availability_mismatches" ("model_id", "resolved_at");`);

    this.addSql(`create table "model_attributes" ("model_id" uuid not null, "attribute_value_id" uuid not null, primary key ("model_id", "attribute_value_id"));`);

    this.addSql(`create table "model_categories" ("model_id" uuid not null, "category_id" uuid not null, primary key ("model_id", "category_id"));`);

    this.addSql(`create table "model_media" ("id" uuid not null default gen_random_uuid(), "model_id" uuid not null, "type" text not null, "storage_key" text not null, "url" text not null, "checksum" text null, "is_primary" boolean null default false, "is_public" boolean null default true, "sort_order" int null default 0, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "idx_model_media_model" on "model_media" ("model_id");`);
    this.addSql(`create index "idx_model_media_primary" on "model_media" ("model_id", "is_primary");`);

    this.addSql(`create table "model_stats" ("model_id" uuid not null, "age" int null, "height" int null, "weight" int null, "dress_size" text null, "bust_size" text null, "bust_type" text null, "hair_colour" text null, "eye_colour" text null, "smoking_status" text null, "tattoo_status" text null, "piercing_status" text null, "orientation" text null, "nationality" text null, "languages" text[] null, "uniforms" text[] null, primary key ("model_id"));`);

    this.addSql(`create table "permissions" ("id" uuid not null default gen_random_uuid(), "code" text not null, "description" text null, primary key ("id"));`);
    this.addSql(`alter table "permissions" add constraint "permissions_code_unique" unique ("code");`);

    this.addSql(`create table "roles" ("id" uuid not null default gen_random_uuid(), "code" text not null, "name" text not null, "description" text null, primary key ("id"));`);
    this.addSql(`alter table "roles" add constraint "roles_code_unique" unique ("code");`);

    this.addSql(`create table "role_permissions" ("role_id" uuid not null, "permission_id" uuid not null, primary key ("role_id", "permission_id"));`);

    this.addSql(`create table "services" ("id" uuid not null default gen_random_uuid(), "title" text not null, "slug" text not null, "status" text not null default 'active', "is_popular" boolean null default false, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "services" add constraint "services_slug_unique" unique ("slug");`);

    this.addSql(`create table "model_services" ("model_id" uuid not null, "service_id" uuid not null, "is_enabled" boolean null default true, primary key ("model_id", "service_id"));`);

    this.addSql(`create table "sla_policies" ("id" uuid not null default gen_random_uuid(), "name" text not null, "applies_to" text not null, "key" text not null, "priority" text null, "deadline_minutes" int not null, "warning_fraction" numeric(3,2) not null default 0.8, "escalation" jsonb null, "status" text not null default 'active', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "sla_policies" add constraint "uq_sla_policies_key" unique ("applies_to", "key", "priority");`);

    this.addSql(`create table "users" ("id" uuid not null default gen_random_uuid(), "email" text not null, "phone" text null, "name" text not null, "password_hash" text not null, "status" text not null default 'active', "last_login_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);
    this.addSql(`create index "idx_users_email" on "users" ("email");`);
    this.addSql(`create index "idx_users_status" on "users" ("status");`);

    this.addSql(`create table "tasks" ("id" uuid not null default gen_random_uuid(), "ref" text not null, "type" text not null, "status" text not null default 'open', "priority" text not null default 'normal', "subject" text not null, "entity_type" text not null, "entity_id" uuid not null, "assigned_to" uuid null, "due_at" timestamptz null, "sla_deadline_at" timestamptz null, "sla_warning_at" timestamptz null, "sla_breached" boolean not null default false, "sla_breached_at" timestamptz null, "completed_at" timestamptz null, "created_by" uuid null, "details" jsonb null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "tasks" add constraint "tasks_ref_unique" unique ("ref");`);
    this.addSql(`create index "idx_tasks_assigned_status" on "tasks" ("assigned_to", "status");`);
    this.addSql(`create index "idx_tasks_status_sla" on "tasks" ("status", "sla_deadline_at");`);
    this.addSql(`create index "idx_tasks_entity" on "tasks" ("entity_type", "entity_id");`);
    this.addSql(`create index "idx_tasks_sla_breached_status" on "tasks" ("sla_breached", "status");`);

    this.addSql(`create table "refresh_tokens" ("id" uuid not null default gen_random_uuid(), "user_id" uuid not null, "family_id" uuid not null, "token_hash" text not null, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, "rotated_at" timestamptz null, "revoked_at" timestamptz null, "revoked_reason" text null, "ip" text null, "user_agent" text null, primary key ("id"));`);
    this.addSql(`alter table "refresh_tokens" add constraint "refresh_tokens_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "idx_refresh_tokens_family" on "refresh_tokens" ("family_id");`);
    this.addSql(`create index "idx_refresh_tokens_user" on "refresh_tokens" ("user_id");`);

    this.addSql(`create table "exceptions" ("id" uuid not null default gen_random_uuid(), "ref" text not null, "type" text not null, "status" text not null default 'open', "severity" text not null, "entity_type" text not null, "entity_id" uuid not null, "summary" text not null, "details" jsonb null, "assigned_to" uuid null, "sla_deadline_at" timestamptz null, "sla_warning_at" timestamptz null, "sla_breached" boolean not null default false, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "resolved_at" timestamptz null, "resolved_by" uuid null, primary key ("id"));`);
    this.addSql(`alter table "exceptions" add constraint "exceptions_ref_unique" unique ("ref");`);
    this.addSql(`create index "idx_exceptions_status_severity" on "exceptions" ("status", "severity");`);
    this.addSql(`create index "idx_exceptions_entity" on "exceptions" ("entity_type", "entity_id");`);
    this.addSql(`create index "idx_exceptions_assigned_status" on "exceptions" ("assigned_to", "status");`);

    this.addSql(`create table "entity_timeline" ("id" uuid not null default gen_random_uuid(), "entity_type" text not null, "entity_id" uuid not null, "event_type" text not null, "payload" jsonb null, "created_by" uuid null, "transition_id" text null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "idx_entity_timeline" on "entity_timeline" ("entity_type", "entity_id", "created_at");`);
    this.addSql(`alter table "entity_timeline" add constraint "uq_entity_timeline_transition" unique ("entity_type", "entity_id", "transition_id", "event_type");`);

    this.addSql(`create table "domain_events" ("id" uuid not null default gen_random_uuid(), "event_type" text not null, "entity_type" text not null, "entity_id" uuid not null, "payload" jsonb not null, "transition_id" text null, "actor_user_id" uuid null, "created_at" timestamptz not null default now(), "published_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "idx_domain_events_type" on "domain_events" ("event_type", "created_at");`);
    this.addSql(`create index "idx_domain_events_published" on "domain_events" ("published_at");`);
    this.addSql(`alter table "domain_events" add constraint "uq_domain_events_transition" unique ("entity_type", "entity_id", "event_type", "transition_id");`);

    this.addSql(`create table "bookings" ("id" uuid not null default gen_random_uuid(), "ref" text not null, "inquiry_id" uuid null, "client_id" uuid not null, "model_id" uuid not null, "location_id" uuid not null, "start_at" timestamptz not null, "end_at" timestamptz not null, "status" text not null default 'draft', "price_total" numeric(10,2) not null, "currency" text not null default 'GBP', "deposit_required" numeric(10,2) null, "deposit_status" text null default 'none', "payment_status" text null default 'unpaid', "assigned_to" uuid null, "notes_internal" text null, "client_confirmed_arrival" boolean not null default false, "expires_at" timestamptz null, "confirmed_at" timestamptz null, "cancelled_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "bookings" add constraint "bookings_ref_unique" unique ("ref");`);
    this.addSql(`create index "idx_bookings_model_start" on "bookings" ("model_id", "start_at");`);
    this.addSql(`create index "idx_bookings_client" on "bookings" ("client_id", "created_at");`);
    this.addSql(`create index "idx_bookings_status_start" on "bookings" ("status", "start_at");`);
    this.addSql(`create index "idx_bookings_assigned" on "bookings" ("assigned_to", "status");`);

    this.addSql(`create table "payments" ("id" uuid not null default gen_random_uuid(), "booking_id" uuid not null, "provider" text not null, "provider_payment_id" text null, "type" text not null, "status" text not null default 'pending', "amount" numeric(10,2) not null, "currency" text not null default 'GBP', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "raw" jsonb null, primary key ("id"));`);
    this.addSql(`create index "idx_payments_booking" on "payments" ("booking_id");`);
    this.addSql(`alter table "payments" add constraint "payments_provider_provider_payment_id_unique" unique ("provider", "provider_payment_id");`);

    this.addSql(`create table "inquiries" ("id" uuid not null default gen_random_uuid(), "ref" text not null, "source" text not null, "external_ref" text null, "client_id" uuid null, "client_name" text null, "client_email" text null, "client_phone" text null, "status" text not null default 'new', "priority" text not null default 'normal', "subject" text null, "message" text null, "requested_location_id" uuid null, "requested_services" jsonb null, "requested_time_from" timestamptz null, "requested_time_to" timestamptz null, "deposit_amount" numeric(10,2) null, "assigned_to" uuid null, "booking_id" uuid null, "closed_reason" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "inquiries" add constraint "inquiries_ref_unique" unique ("ref");`);
    this.addSql(`create index "idx_inquiries_status_priority" on "inquiries" ("status", "priority");`);
    this.addSql(`create index "idx_inquiries_assigned" on "inquiries" ("assigned_to", "status");`);
    this.addSql(`create index "idx_inquiries_created" on "inquiries" ("created_at");`);
    this.addSql(`alter table "inquiries" add constraint "inquiries_source_external_ref_unique" unique ("source", "external_ref");`);

    this.addSql(`create table "inquiry_matches" ("id" uuid not null default gen_random_uuid(), "inquiry_id" uuid not null, "model_id" uuid not null, "score" numeric(5,2) null, "reason" jsonb null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "idx_inquiry_matches_inquiry" on "inquiry_matches" ("inquiry_id");`);
    this.addSql(`create index "idx_inquiry_matches_model" on "inquiry_matches" ("model_id");`);

    this.addSql(`create table "booking_timeline" ("id" uuid not null default gen_random_uuid(), "booking_id" uuid not null, "event_type" text not null, "payload" jsonb null, "created_by" uuid null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "idx_booking_timeline" on "booking_timeline" ("booking_id", "created_at");`);

    this.addSql(`create table "booking_services" ("booking_id" uuid not null, "service_id" uuid not null, primary key ("booking_id", "service_id"));`);

    this.addSql(`create table "audit_log" ("id" uuid not null default gen_random_uuid(), "actor_user_id" uuid null, "actor_type" text not null default 'user', "action" text not null, "entity_type" text not null, "entity_id" uuid not null, "before" jsonb null, "after" jsonb null, "ip" text null, "user_agent" text null, "metadata" jsonb null, "transition_id" text null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`create index "idx_audit_log_entity" on "audit_log" ("entity_type", "entity_id", "created_at");`);
    this.addSql(`create index "idx_audit_log_actor" on "audit_log" ("actor_user_id", "created_at");`);
    this.addSql(`create index "idx_audit_log_created" on "audit_log" ("created_at");`);
    this.addSql(`alter table "audit_log" add constraint "uq_audit_log_transition" unique ("entity_type", "entity_id", "transition_id");`);

    this.addSql(`create table "user_roles" ("user_id" uuid not null, "role_id" uuid not null, primary key ("user_id", "role_id"));`);

    this.addSql(`create table "webhooks_in" ("id" uuid not null default gen_random_uuid(), "integration_id" uuid not null, "event_type" text not null, "headers" jsonb null, "payload" jsonb not null, "received_at" timestamptz not null default now(), "processed_at" timestamptz null, "status" text not null default 'received', "error" text null, "idempotency_key" text null, primary key ("id"));`);
    this.addSql(`create index "idx_webhooks_in_integration" on "webhooks_in" ("integration_id", "received_at");`);
    this.addSql(`create index "idx_webhooks_in_status" on "webhooks_in" ("status", "received_at");`);
    this.addSql(`alter table "webhooks_in" add constraint "webhooks_in_integration_id_idempotency_key_unique" unique ("integration_id", "idempotency_key");`);

    this.addSql(`create table "webhooks_out" ("id" uuid not null default gen_random_uuid(), "integration_id" uuid not null, "event_type" text not null, "target_url" text not null, "payload" jsonb not null, "created_at" timestamptz not null default now(), "sent_at" timestamptz null, "status" text not null default 'pending', "attempts" int null default 0, "last_error" text null, primary key ("id"));`);
    this.addSql(`create index "idx_webhooks_out_status" on "webhooks_out" ("status", "created_at");`);

    this.addSql(`alter table "attribute_values" add constraint "attribute_values_attribute_id_foreign" foreign key ("attribute_id") references "attributes" ("id");`);

    this.addSql(`alter table "automation_executions" add constraint "automation_executions_rule_id_foreign" foreign key ("rule_id") references "automation_rules" ("id");`);

    this.addSql(`alter table "call_rates" add constraint "call_rates_location_id_foreign" foreign key ("location_id") references "locations" ("id") on delete no action;`);

    this.addSql(`alter table "models" add constraint "models_primary_location_id_foreign" foreign key ("primary_location_id") references "locations" ("id") on delete no action;`);

    this.addSql(`alter table "availability_slots" add constraint "availability_slots_model_id_foreign" foreign key ("model_id") references "models" ("id");`);

    this.addSql(`alter table "availability_rules" add constraint "availability_rules_location_id_foreign" foreign key ("location_id") references "locations" ("id") on delete no action;`);
    this.addSql(`alter table "availability_rules" add constraint "availability_rules_model_id_foreign" foreign key ("model_id") references "models" ("id") on delete no action;`);

    this.addSql(`alter table "availability_mismatches" add constraint "availability_mismatches_model_id_foreign" foreign key ("model_id") references "models" ("id");`);

    this.addSql(`alter table "model_attributes" add constraint "model_attributes_model_id_foreign" foreign key ("model_id") references "models" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "model_attributes" add constraint "model_attributes_attribute_value_id_foreign" foreign key ("attribute_value_id") references "attribute_values" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "model_categories" add constraint "model_categories_model_id_foreign" foreign key ("model_id") references "models" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "model_categories" add constraint "model_categories_category_id_foreign" foreign key ("category_id") references "categories" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "model_media" add constraint "model_media_model_id_foreign" foreign key ("model_id") references "models" ("id");`);

    this.addSql(`alter table "model_stats" add constraint "model_stats_model_id_foreign" foreign key ("model_id") references "models" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "role_permissions" add constraint "role_permissions_role_id_foreign" foreign key ("role_id") references "roles" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "role_permissions" add constraint "role_permissions_permission_id_foreign" foreign key ("permission_id") references "permissions" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "model_services" add constraint "model_services_model_id_foreign" foreign key ("model_id") references "models" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "model_services" add constraint "model_services_service_id_foreign" foreign key ("service_id") references "services" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "tasks" add constraint "tasks_assigned_to_foreign" foreign key ("assigned_to") references "users" ("id") on delete no action;`);
    this.addSql(`alter table "tasks" add constraint "tasks_created_by_foreign" foreign key ("created_by") references "users" ("id") on delete no action;`);

    this.addSql(`alter table "refresh_tokens" add constraint "refresh_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id");`);

    this.addSql(`alter table "exceptions" add constraint "exceptions_assigned_to_foreign" foreign key ("assigned_to") references "users" ("id") on delete no action;`);
    this.addSql(`alter table "exceptions" add constraint "exceptions_resolved_by_foreign" foreign key ("resolved_by") references "users" ("id") on delete no action;`);

    this.addSql(`alter table "entity_timeline" add constraint "entity_timeline_created_by_foreign" foreign key ("created_by") references "users" ("id") on delete no action;`);

    this.addSql(`alter table "bookings" add constraint "bookings_inquiry_id_foreign" foreign key ("inquiry_id") references "inquiries" ("id") on delete no action;`);
    this.addSql(`alter table "bookings" add constraint "bookings_client_id_foreign" foreign key ("client_id") references "clients" ("id");`);
    this.addSql(`alter table "bookings" add constraint "bookings_model_id_foreign" foreign key ("model_id") references "models" ("id");`);
    this.addSql(`alter table "bookings" add constraint "bookings_location_id_foreign" foreign key ("location_id") references "locations" ("id");`);
    this.addSql(`alter table "bookings" add constraint "bookings_assigned_to_foreign" foreign key ("assigned_to") references "users" ("id") on delete no action;`);

    this.addSql(`alter table "payments" add constraint "payments_booking_id_foreign" foreign key ("booking_id") references "bookings" ("id");`);

    this.addSql(`alter table "inquiries" add constraint "inquiries_client_id_foreign" foreign key ("client_id") references "clients" ("id") on delete no action;`);
    this.addSql(`alter table "inquiries" add constraint "inquiries_requested_location_id_foreign" foreign key ("requested_location_id") references "locations" ("id") on delete no action;`);
    this.addSql(`alter table "inquiries" add constraint "inquiries_assigned_to_foreign" foreign key ("assigned_to") references "users" ("id") on delete no action;`);
    this.addSql(`alter table "inquiries" add constraint "inquiries_booking_id_foreign" foreign key ("booking_id") references "bookings" ("id") on delete no action;`);

    this.addSql(`alter table "inquiry_matches" add constraint "inquiry_matches_inquiry_id_foreign" foreign key ("inquiry_id") references "inquiries" ("id");`);
    this.addSql(`alter table "inquiry_matches" add constraint "inquiry_matches_model_id_foreign" foreign key ("model_id") references "models" ("id");`);

    this.addSql(`alter table "booking_timeline" add constraint "booking_timeline_booking_id_foreign" foreign key ("booking_id") references "bookings" ("id");`);
    this.addSql(`alter table "booking_timeline" add constraint "booking_timeline_created_by_foreign" foreign key ("created_by") references "users" ("id") on delete no action;`);

    this.addSql(`alter table "booking_services" add constraint "booking_services_booking_id_foreign" foreign key ("booking_id") references "bookings" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "booking_services" add constraint "booking_services_service_id_foreign" foreign key ("service_id") references "services" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "audit_log" add constraint "audit_log_actor_user_id_foreign" foreign key ("actor_user_id") references "users" ("id") on delete no action;`);

    this.addSql(`alter table "user_roles" add constraint "user_roles_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "user_roles" add constraint "user_roles_role_id_foreign" foreign key ("role_id") references "roles" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "webhooks_in" add constraint "webhooks_in_integration_id_foreign" foreign key ("integration_id") references "integrations" ("id");`);

    this.addSql(`alter table "webhooks_out" add constraint "webhooks_out_integration_id_foreign" foreign key ("integration_id") references "integrations" ("id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "attribute_values" drop constraint "attribute_values_attribute_id_foreign";`);
    this.addSql(`alter table "model_attributes" drop constraint "model_attributes_attribute_value_id_foreign";`);
    this.addSql(`alter table "automation_executions" drop constraint "automation_executions_rule_id_foreign";`);
    this.addSql(`alter table "model_categories" drop constraint "model_categories_category_id_foreign";`);
    this.addSql(`alter table "bookings" drop constraint "bookings_client_id_foreign";`);
    this.addSql(`alter table "inquiries" drop constraint "inquiries_client_id_foreign";`);
    this.addSql(`alter table "webhooks_in" drop constraint "webhooks_in_integration_id_foreign";`);
    this.addSql(`alter table "webhooks_out" drop constraint "webhooks_out_integration_id_foreign";`);
    this.addSql(`alter table "call_rates" drop constraint "call_rates_location_id_foreign";`);
    this.addSql(`alter table "models" drop constraint "models_primary_location_id_foreign";`);
    this.addSql(`alter table "availability_rules" drop constraint "availability_rules_location_id_foreign";`);
    this.addSql(`alter table "bookings" drop constraint "bookings_location_id_foreign";`);
    this.addSql(`alter table "inquiries" drop constraint "inquiries_requested_location_id_foreign";`);
    this.addSql(`alter table "availability_slots" drop constraint "availability_slots_model_id_foreign";`);
    this.addSql(`alter table "availability_rules" drop constraint "availability_rules_model_id_foreign";`);
    this.addSql(`alter table "availability_mismatches" drop constraint "availability_mismatches_model_id_foreign";`);
    this.addSql(`alter table "model_attributes" drop constraint "model_attributes_model_id_foreign";`);
    this.addSql(`alter table "model_categories" drop constraint "model_categories_model_id_foreign";`);
    this.addSql(`alter table "model_media" drop constraint "model_media_model_id_foreign";`);
    this.addSql(`alter table "model_stats" drop constraint "model_stats_model_id_foreign";`);
    this.addSql(`alter table "model_services" drop constraint "model_services_model_id_foreign";`);
    this.addSql(`alter table "bookings" drop constraint "bookings_model_id_foreign";`);
    this.addSql(`alter table "inquiry_matches" drop constraint "inquiry_matches_model_id_foreign";`);
    this.addSql(`alter table "role_permissions" drop constraint "role_permissions_permission_id_foreign";`);
    this.addSql(`alter table "role_permissions" drop constraint "role_permissions_role_id_foreign";`);
    this.addSql(`alter table "user_roles" drop constraint "user_roles_role_id_foreign";`);
    this.addSql(`alter table "model_services" drop constraint "model_services_service_id_foreign";`);
    this.addSql(`alter table "booking_services" drop constraint "booking_services_service_id_foreign";`);
    this.addSql(`alter table "tasks" drop constraint "tasks_assigned_to_foreign";`);
    this.addSql(`alter table "tasks" drop constraint "tasks_created_by_foreign";`);
    this.addSql(`alter table "refresh_tokens" drop constraint "refresh_tokens_user_id_foreign";`);
    this.addSql(`alter table "exceptions" drop constraint "exceptions_assigned_to_foreign";`);
    this.addSql(`alter table "exceptions" drop constraint "exceptions_resolved_by_foreign";`);
    this.addSql(`alter table "entity_timeline" drop constraint "entity_timeline_created_by_foreign";`);
    this.addSql(`alter table "bookings" drop constraint "bookings_assigned_to_foreign";`);
    this.addSql(`alter table "inquiries" drop constraint "inquiries_assigned_to_foreign";`);
    this.addSql(`alter table "booking_timeline" drop constraint "booking_timeline_created_by_foreign";`);
    this.addSql(`alter table "audit_log" drop constraint "audit_log_actor_user_id_foreign";`);
    this.addSql(`alter table "user_roles" drop constraint "user_roles_user_id_foreign";`);
    this.addSql(`alter table "payments" drop constraint "payments_booking_id_foreign";`);
    this.addSql(`alter table "inquiries" drop constraint "inquiries_booking_id_foreign";`);
    this.addSql(`alter table "booking_timeline" drop constraint "booking_timeline_booking_id_foreign";`);
    this.addSql(`alter table "booking_services" drop constraint "booking_services_booking_id_foreign";`);
    this.addSql(`alter table "bookings" drop constraint "bookings_inquiry_id_foreign";`);
    this.addSql(`alter table "inquiry_matches" drop constraint "inquiry_matches_inquiry_id_foreign";`);

    this.addSql(`drop table if exists "attributes" cascade;`);
    this.addSql(`drop table if exists "attribute_values" cascade;`);
    this.addSql(`drop table if exists "automation_rules" cascade;`);
    this.addSql(`drop table if exists "automation_executions" cascade;`);
    this.addSql(`drop table if exists "categories" cascade;`);
    this.addSql(`drop table if exists "clients" cascade;`);
    this.addSql(`drop table if exists "idempotency_keys" cascade;`);
    this.addSql(`drop table if exists "integrations" cascade;`);
    this.addSql(`drop table if exists "locations" cascade;`);
    this.addSql(`drop table if exists "call_rates" cascade;`);
    this.addSql(`drop table if exists "models" cascade;`);
    this.addSql(`drop table if exists "availability_slots" cascade;`);
    this.addSql(`drop table if exists "availability_rules" cascade;`);
    this.addSql(`drop table if exists "availability_mismatches" cascade;`);
    this.addSql(`drop table if exists "model_attributes" cascade;`);
    this.addSql(`drop table if exists "model_categories" cascade;`);
    this.addSql(`drop table if exists "model_media" cascade;`);
    this.addSql(`drop table if exists "model_stats" cascade;`);
    this.addSql(`drop table if exists "permissions" cascade;`);
    this.addSql(`drop table if exists "roles" cascade;`);
    this.addSql(`drop table if exists "role_permissions" cascade;`);
    this.addSql(`drop table if exists "services" cascade;`);
    this.addSql(`drop table if exists "model_services" cascade;`);
    this.addSql(`drop table if exists "sla_policies" cascade;`);
    this.addSql(`drop table if exists "users" cascade;`);
    this.addSql(`drop table if exists "tasks" cascade;`);
    this.addSql(`drop table if exists "refresh_tokens" cascade;`);
    this.addSql(`drop table if exists "exceptions" cascade;`);
    this.addSql(`drop table if exists "entity_timeline" cascade;`);
    this.addSql(`drop table if exists "domain_events" cascade;`);
    this.addSql(`drop table if exists "bookings" cascade;`);
    this.addSql(`drop table if exists "payments" cascade;`);
    this.addSql(`drop table if exists "inquiries" cascade;`);
    this.addSql(`drop table if exists "inquiry_matches" cascade;`);
    this.addSql(`drop table if exists "booking_timeline" cascade;`);
    this.addSql(`drop table if exists "booking_services" cascade;`);
    this.addSql(`drop table if exists "audit_log" cascade;`);
    this.addSql(`drop table if exists "user_roles" cascade;`);
    this.addSql(`drop table if exists "webhooks_in" cascade;`);
    this.addSql(`drop table if exists "webhooks_out" cascade;`);
  }

}
