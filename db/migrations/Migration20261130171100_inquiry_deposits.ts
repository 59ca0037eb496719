import { Migration } from '@mikro-orm/migrations';

/**
 * A deposit can be asked of a client while the inquiry waits for it (awaiting_deposit), before
 * any booking exists (seed §4: "awaiting_deposit → converted: deposit received, booking created").
 * Such a payment belongs to the inquiry (`inquiry_id`, no booking yet) and moves to the booking
 * the inquiry is converted into (its booking_id set then); every payment belongs to one or both.
 * The inquiry's `deposit_status` (none, pending, paid, failed) mirrors the booking's column.
 */
export class Migration20261130171100_inquiry_deposits extends Migration {
  override name = 'Migration20261130171100_inquiry_deposits';

  override up(): void {
    this.addSql(`alter table "payments"
      add column "inquiry_id" uuid null references "inquiries" ("id") on delete no action,
      alter column "booking_id" drop not null,
      add constraint "payments_belongs_somewhere" check ("booking_id" is not null or "inquiry_id" is not null);`);
    this.addSql(`create index "idx_payments_inquiry" on "payments" ("inquiry_id") where "inquiry_id" is not null;`);
    this.addSql(`alter table "inquiries"
      add column "deposit_status" text not null default 'none',
      add constraint "inquiries_deposit_status_known" check ("deposit_status" in ('none', 'pending', 'paid', 'failed'));`);
  }

  override down(): void {
    this.addSql(`alter table "inquiries" drop constraint "inquiries_deposit_status_known", drop column "deposit_status";`);
    this.addSql(`drop index "idx_payments_inquiry";`);
    this.addSql(`alter table "payments" drop constraint "payments_belongs_somewhere", drop column "inquiry_id";`);
    this.addSql(`alter table "payments" alter column "booking_id" set not null;`);
  }
}
