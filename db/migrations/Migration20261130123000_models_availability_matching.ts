import { Migration } from '@mikro-orm/migrations';

/**
 * Models, availability and matching (issue 14, items 2, 5, 6):
 * - `model_locations`: the districts a model serves besides her base (seed §3 "Locations (base +
 *   served districts)"), read by matching and by the availability of a location.
 * - the permission `models.internal` (internal notes and rating; not for Content Managers),
 *   granted to the roles domain/access.ts gives it when the roles already exist (a database
 *   seeded before this migration); a new database is seeded from domain/ after migrating.
 * - indexes for the availability and matching reads: slots by model and time range (GiST, for
 *   overlap queries without a lower bound on the start), bookings by (model, status, start) for a
 *   model's recent no-shows and cancellations, and one open mismatch per booking and kind.
 */
export class Migration20261130123000_models_availability_matching extends Migration {
  override name = 'Migration20261130123000_models_availability_matching';

  override up(): void {
    this.addSql(`
      CREATE TABLE "model_locations" (
        "model_id" uuid NOT NULL REFERENCES "models" ("id") ON DELETE CASCADE,
        "location_id" uuid NOT NULL REFERENCES "locations" ("id"),
        PRIMARY KEY ("model_id", "location_id")
      );`);
    this.addSql('CREATE INDEX "idx_model_locations_location" ON "model_locations" ("location_id");');
    this.addSql(`
      INSERT INTO permissions (code, description)
      SELECT 'models.internal', 'See and edit internal notes and ratings of models (editing also needs models.write)'
       WHERE EXISTS (SELECT 1 FROM roles)
      ON CONFLICT (code) DO NOTHING;`);
    this.addSql(`
      INSERT INTO role_permissions (role_id, permission_id)
      SELECT r.id, p.id FROM roles r JOIN permissions p ON p.code = 'models.internal'
       WHERE r.code IN ('OWNER', 'OPS_MANAGER', 'OPERATOR', 'READ_ONLY')
      ON CONFLICT DO NOTHING;`);
    this.addSql(`CREATE INDEX "idx_availability_slots_model_range" ON "availability_slots" USING gist ("model_id", tstzrange("start_at", "end_at", '[)'));`);
    this.addSql('CREATE INDEX "idx_bookings_model_status_start" ON "bookings" ("model_id", "status", "start_at");');
    this.addSql(`ALTER TABLE "availability_mismatches" ADD COLUMN "booking_id" uuid REFERENCES "bookings" ("id");`);
    this.addSql(`ALTER TABLE "availability_mismatches" ADD COLUMN "kind" text;`);
    this.addSql(`ALTER TABLE "availability_mismatches" ADD COLUMN "exception_id" uuid;`);
    this.addSql(`
      CREATE UNIQUE INDEX "idx_availability_mismatches_open_booking" ON "availability_mismatches" ("booking_id", "kind")
       WHERE "resolved_at" IS NULL AND "booking_id" IS NOT NULL;`);
  }

  override down(): void {
    this.addSql('DROP INDEX IF EXISTS "idx_availability_mismatches_open_booking";');
    this.addSql('DROP INDEX IF EXISTS "idx_bookings_model_status_start";');
    this.addSql('DROP INDEX IF EXISTS "idx_availability_slots_model_range";');
    this.addSql('ALTER TABLE "availability_mismatches" DROP COLUMN IF EXISTS "exception_id", DROP COLUMN IF EXISTS "kind", DROP COLUMN IF EXISTS "booking_id";');
    this.addSql(`DELETE FROM role_permissions WHERE permission_id IN (SELECT id FROM permissions WHERE code = 'models.internal');`);
    this.addSql(`DELETE FROM permissions WHERE code = 'models.internal';`);
    this.addSql('DROP TABLE IF EXISTS "model_locations";');
  }
}
