import { Migration } from '@mikro-orm/migrations';

/**
 * A booking shows its hold deadline (`expires_at`) only while it waits for confirmation or once
 * it has expired (domain/booking.ts showsHoldDeadline); the transition store clears it as a
 * booking leaves the hold. Bookings that left it before that rule keep a stale deadline: cleared
 * here. (Not a status write, so the status guard does not apply.) The statuses are written as
 * they were when this migration was made.
 */
export class Migration20261130134500_hold_deadline_cleared extends Migration {
  override name = 'Migration20261130134500_hold_deadline_cleared';

  override up(): void {
    this.addSql(`UPDATE bookings SET expires_at = NULL WHERE expires_at IS NOT NULL AND status NOT IN ('pending', 'deposit_required', 'expired')`);
  }

  override down(): void {
    // The cleared deadlines were stale; nothing to restore.
  }
}
