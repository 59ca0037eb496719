import { Migration } from '@mikro-orm/migrations';

/**
 * One open inquiry per inbound conversation, whichever API process delivers its messages.
 *
 * A conversation (the integration code and the client's address: `messages.conversation_key`)
 * was mapped to its inquiry by looking up its latest inbound message; two first messages of a
 * client delivered at the same moment by two processes both found none and opened an inquiry
 * each. `inbound_conversations` holds, per conversation, the reference of the message that opened
 * its current inquiry (the inquiry's `external_ref`, unique with its `source`, so also its workflow
 * id): the first message claims the row (INSERT … ON CONFLICT), every concurrent or later one reads
 * the claim and continues that inquiry, and a message after the inquiry has closed claims the row
 * anew. `opening_webhook_id` is the stored request carrying the opening message, so any process can
 * open the inquiry on the opener's behalf (the same update-with-start) if it gets there first.
 *
 * Existing conversations are carried over: each gets its latest inbound message's inquiry.
 */
export class Migration20261130191000_inbound_conversations extends Migration {
  override name = 'Migration20261130191000_inbound_conversations';

  override up(): void {
    this.addSql(`create table "inbound_conversations" (
      "conversation_key" text not null,
      "source" text not null,
      "opening_ref" text not null,
      "opening_webhook_id" uuid null references "webhooks_in" ("id") on delete set null,
      "opened_at" timestamptz(3) not null default now(),
      primary key ("conversation_key"));`);
    this.addSql(`insert into "inbound_conversations" ("conversation_key", "source", "opening_ref", "opened_at")
      select distinct on (m."conversation_key") m."conversation_key", i."source", i."external_ref", i."created_at"
        from "messages" m join "inquiries" i on i."id" = m."subject_id"
       where m."direction" = 'inbound' and m."conversation_key" is not null and m."subject_type" = 'inquiry' and i."external_ref" is not null
       order by m."conversation_key", m."created_at" desc;`);
  }

  override down(): void {
    this.addSql(`drop table if exists "inbound_conversations";`);
  }
}
