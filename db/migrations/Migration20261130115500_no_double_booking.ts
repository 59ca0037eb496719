import { Migration } from '@mikro-orm/migrations';

/**
 * No double booking, kept by the database itself (issue 14, item 1): two bookings of one model
 * whose held times overlap cannot both be in a time-holding status. A booking holds its model
 * from its start until its end plus the model's turnaround (`models.buffer_minutes`) plus the
 * travel time from its location (`locations.travel_minutes`): both are data, copied into the
 * booking's `held_until` by a trigger whenever its time, model or location is written, so a
 * later change of a buffer does not move bookings already made.
 *
 * The status list is domain/booking.ts TIME_HOLDING_STATUSES as it was when this migration was
 * made; test/domain-sql.test.ts compares the constraint's predicate with domain/. The services
 * check first (a clear CONFLICT naming the other booking before anything reaches a workflow's
 * history); this constraint is the last line against two requests racing past that check.
 */
export class Migration20261130115500_no_double_booking extends Migration {
  override name = 'Migration20261130115500_no_double_booking';

  override up(): void {
    this.addSql('CREATE EXTENSION IF NOT EXISTS btree_gist;');
    this.addSql('ALTER TABLE "models" ADD COLUMN "buffer_minutes" int NOT NULL DEFAULT 0 CHECK ("buffer_minutes" BETWEEN 0 AND 1440);');
    this.addSql('ALTER TABLE "locations" ADD COLUMN "travel_minutes" int NOT NULL DEFAULT 0 CHECK ("travel_minutes" BETWEEN 0 AND 1440);');
    this.addSql('ALTER TABLE "bookings" ADD COLUMN "held_until" timestamptz;');
    this.addSql(`
      CREATE OR REPLACE FUNCTION virel_booking_held_until(p_model uuid, p_location uuid, p_end timestamptz) RETURNS timestamptz
      LANGUAGE sql STABLE AS $$
        SELECT p_end + make_interval(mins => coalesce((SELECT buffer_minutes FROM models WHERE id = p_model), 0)
                                          + coalesce((SELECT travel_minutes FROM locations WHERE id = p_location), 0))
      $$;`);
    this.addSql(`
      CREATE OR REPLACE FUNCTION virel_set_booking_held_until() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.held_until := virel_booking_held_until(NEW.model_id, NEW.location_id, NEW.end_at);
        RETURN NEW;
      END $$;`);
    this.addSql(`
      CREATE TRIGGER booking_held_until BEFORE INSERT OR UPDATE OF start_at, end_at, model_id, location_id ON "bookings"
        FOR EACH ROW EXECUTE FUNCTION virel_set_booking_held_until();`);
    this.addSql('UPDATE "bookings" SET held_until = virel_booking_held_until(model_id, location_id, end_at);');
    this.addSql('ALTER TABLE "bookings" ALTER COLUMN "held_until" SET NOT NULL;');
    this.addSql(`
      ALTER TABLE "bookings" ADD CONSTRAINT bookings_no_double_booking
        EXCLUDE USING gist (model_id WITH =, tstzrange(start_at, held_until, '[)') WITH &&)
        WHERE (status IN ('pending', 'deposit_required', 'confirmed', 'in_progress'));`);
  }

  override down(): void {
    this.addSql('ALTER TABLE "bookings" DROP CONSTRAINT IF EXISTS bookings_no_double_booking;');
    this.addSql('DROP TRIGGER IF EXISTS booking_held_until ON "bookings";');
    this.addSql('DROP FUNCTION IF EXISTS virel_set_booking_held_until();');
    this.addSql('DROP FUNCTION IF EXISTS virel_booking_held_until(uuid, uuid, timestamptz);');
    this.addSql('ALTER TABLE "bookings" DROP COLUMN IF EXISTS "held_until";');
    this.addSql('ALTER TABLE "locations" DROP COLUMN IF EXISTS "travel_minutes";');
    this.addSql('ALTER TABLE "models" DROP COLUMN IF EXISTS "buffer_minutes";');
  }
}
