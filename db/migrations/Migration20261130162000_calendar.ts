import { Migration } from '@mikro-orm/migrations';

/**
 * Calendar integration (issue 14 item 4; seed §3 Integration type `calendar`), kept in tables of
 * its own (the `integrations` table holds the channels' settings):
 * - `calendar_feeds`: one per model, the SHA-256 of the secret token of its ICS feed URL (the
 *   token itself is shown once, when issued); revoking clears the hash, so the old URL is 404.
 * - `calendar_imports`: external calendars (an ICS URL per model) imported on a Schedule, with
 *   the last run's outcome.
 * - `availability_slots.calendar_import_id` / `external_uid`: which import wrote a `sync` slot
 *   and which event (with its occurrence) it stands for, so a re-import replaces exactly that
 *   import's slots (one slot per event occurrence: a unique index).
 * - `idx_bookings_updated`: the availability mismatch sweep re-checks bookings changed in the last
 *   minutes (by a timer or a webhook, outside services/), found by this index.
 */
export class Migration20261130162000_calendar extends Migration {
  override name = 'Migration20261130162000_calendar';

  override up(): void {
    this.addSql(`
      CREATE TABLE "calendar_feeds" (
        "model_id" uuid PRIMARY KEY REFERENCES "models" ("id") ON DELETE CASCADE,
        "token_hash" text UNIQUE,
        "issued_at" timestamptz NOT NULL DEFAULT now(),
        "issued_by" uuid REFERENCES "users" ("id"),
        "revoked_at" timestamptz,
        "last_fetched_at" timestamptz,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      );`);
    this.addSql(`
      CREATE TABLE "calendar_imports" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "model_id" uuid NOT NULL REFERENCES "models" ("id") ON DELETE CASCADE,
        "name" text NOT NULL,
        "url" text NOT NULL,
        "busy_as" text NOT NULL DEFAULT 'unavailable',
        "status" text NOT NULL DEFAULT 'active',
        "created_by" uuid REFERENCES "users" ("id"),
        "last_run_at" timestamptz,
        "last_success_at" timestamptz,
        "last_status" text NOT NULL DEFAULT 'never',
        "last_error" text,
        "last_event_count" int,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "calendar_imports_busy_as" CHECK ("busy_as" IN ('unavailable', 'tentative')),
        CONSTRAINT "calendar_imports_model_url" UNIQUE ("model_id", "url")
      );`);
    this.addSql('CREATE INDEX "idx_calendar_imports_status" ON "calendar_imports" ("status", "last_run_at");');
    this.addSql('ALTER TABLE "availability_slots" ADD COLUMN "calendar_import_id" uuid REFERENCES "calendar_imports" ("id") ON DELETE CASCADE;');
    this.addSql('ALTER TABLE "availability_slots" ADD COLUMN "external_uid" text;');
    this.addSql(`
      CREATE UNIQUE INDEX "idx_availability_slots_import_event" ON "availability_slots" ("calendar_import_id", "external_uid")
       WHERE "calendar_import_id" IS NOT NULL;`);
    this.addSql('CREATE INDEX "idx_bookings_updated" ON "bookings" ("updated_at");');
  }

  override down(): void {
    this.addSql('DROP INDEX IF EXISTS "idx_bookings_updated";');
    this.addSql('DROP INDEX IF EXISTS "idx_availability_slots_import_event";');
    this.addSql('ALTER TABLE "availability_slots" DROP COLUMN IF EXISTS "external_uid", DROP COLUMN IF EXISTS "calendar_import_id";');
    this.addSql('DROP TABLE IF EXISTS "calendar_imports";');
    this.addSql('DROP TABLE IF EXISTS "calendar_feeds";');
  }
}
