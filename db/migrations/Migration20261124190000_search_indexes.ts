import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes behind unified search and the Action Center (api/read-models/).
 *
 * Search: pg_trgm GIN indexes serve `ILIKE '%text%'` and word similarity `<%` (the fuzzy pass) on names,
 * emails and phone digits (a phone is matched on its digits, so "+44 7700 900123" finds
 * "+447700900123"); full-text GIN indexes serve phrases over subjects, summaries and types
 * ("payment failed" finds type payment_failed). The expressions here are repeated verbatim by
 * api/read-models/search.ts: an index is used only when the query spells the same expression.
 * Refs (B-1235 ...) already have their unique indexes.
 *
 * Action Center: partial indexes over the open statuses only (the rows it reads are a small
 * fraction of each table), and over finished rows for "completed today".
 */
export class Migration20261124190000_search_indexes extends Migration {
  override name = 'Migration20261124190000_search_indexes';

  override up(): void {
    this.addSql('create extension if not exists pg_trgm;');

    const trigram: Array<[string, string, string]> = [
      ['idx_clients_full_name_trgm', 'clients', 'full_name'],
      ['idx_clients_email_trgm', 'clients', 'email'],
      ['idx_clients_phone_digits_trgm', 'clients', `regexp_replace(phone, '\\D', '', 'g')`],
      ['idx_inquiries_client_name_trgm', 'inquiries', 'client_name'],
      ['idx_inquiries_client_email_trgm', 'inquiries', 'client_email'],
      ['idx_inquiries_client_phone_digits_trgm', 'inquiries', `regexp_replace(client_phone, '\\D', '', 'g')`],
      ['idx_models_name_trgm', 'models', 'name'],
      ['idx_models_public_code_trgm', 'models', 'public_code'],
    ];
    for (const [name, table, expression] of trigram) {
      this.addSql(`create index if not exists "${name}" on "${table}" using gin ((${expression}) gin_trgm_ops);`);
    }

    const fullText: Array<[string, string, string]> = [
      ['idx_inquiries_fts', 'inquiries', `to_tsvector('english', coalesce(subject, '') || ' ' || coalesce(message, ''))`],
      ['idx_tasks_fts', 'tasks', `to_tsvector('english', subject || ' ' || replace(type, '_', ' '))`],
      ['idx_exceptions_fts', 'exceptions', `to_tsvector('english', summary || ' ' || replace(type, '_', ' '))`],
    ];
    for (const [name, table, expression] of fullText) {
      this.addSql(`create index if not exists "${name}" on "${table}" using gin ((${expression}));`);
    }

    // A whole email address is found by equality, case-insensitively.
    this.addSql(`create index if not exists "idx_clients_email_lower" on "clients" (lower(email));`);
    this.addSql(`create index if not exists "idx_inquiries_client_email_lower" on "inquiries" (lower(client_email));`);

    this.addSql(`create index if not exists "idx_tasks_open_assignee" on "tasks" ("assigned_to", "created_at") where status in ('open', 'in_progress');`);
    this.addSql(`create index if not exists "idx_exceptions_open_assignee" on "exceptions" ("assigned_to", "created_at") where status in ('open', 'investigating');`);
    this.addSql(`create index if not exists "idx_tasks_done_assignee" on "tasks" ("assigned_to", "completed_at") where status = 'done';`);
    this.addSql(`create index if not exists "idx_exceptions_resolved_by" on "exceptions" ("resolved_by", "resolved_at") where resolved_at is not null;`);
  }

  override down(): void {
    for (const name of [
      'idx_clients_full_name_trgm', 'idx_clients_email_trgm', 'idx_clients_phone_digits_trgm', 'idx_inquiries_client_name_trgm',
      'idx_inquiries_client_email_trgm', 'idx_inquiries_client_phone_digits_trgm', 'idx_models_name_trgm', 'idx_models_public_code_trgm',
      'idx_inquiries_fts', 'idx_tasks_fts', 'idx_exceptions_fts', 'idx_clients_email_lower', 'idx_inquiries_client_email_lower',
      'idx_tasks_open_assignee', 'idx_exceptions_open_assignee', 'idx_tasks_done_assignee', 'idx_exceptions_resolved_by',
    ]) {
      this.addSql(`drop index if exists "${name}";`);
    }
  }
}
