import { Migration } from '@mikro-orm/migrations';

/**
 * Stored search vectors: the full-text documents of inquiries, tasks and exceptions as generated
 * columns (`search_vector`), indexed with GIN, in place of the expression indexes of
 * Migration20261124190000_search_indexes. Unified search (api/read-models/search.ts) matches and
 * ranks on the column, so neither the index recheck nor ts_rank_cd recomputes to_tsvector over
 * a row's subject and message. The documents are the same expressions as before (same results).
 */
const VECTORS: Array<[table: string, index: string, oldIndex: string, document: string]> = [
  ['inquiries', 'idx_inquiries_search_vector', 'idx_inquiries_fts', `to_tsvector('english', coalesce(subject, '') || ' ' || coalesce(message, ''))`],
  ['tasks', 'idx_tasks_search_vector', 'idx_tasks_fts', `to_tsvector('english', subject || ' ' || replace(type, '_', ' '))`],
  ['exceptions', 'idx_exceptions_search_vector', 'idx_exceptions_fts', `to_tsvector('english', summary || ' ' || replace(type, '_', ' '))`],
];

export class Migration20261125090000_search_vectors extends Migration {
  override name = 'Migration20261125090000_search_vectors';

  override up(): void {
    for (const [table, index, oldIndex, document] of VECTORS) {
      this.addSql(`alter table "${table}" add column if not exists "search_vector" tsvector generated always as (${document}) stored;`);
      this.addSql(`create index if not exists "${index}" on "${table}" using gin ("search_vector");`);
      this.addSql(`drop index if exists "${oldIndex}";`);
    }
  }

  override down(): void {
    for (const [table, index, oldIndex, document] of VECTORS) {
      this.addSql(`create index if not exists "${oldIndex}" on "${table}" using gin ((${document}));`);
      this.addSql(`drop index if exists "${index}";`);
      this.addSql(`alter table "${table}" drop column if exists "search_vector";`);
    }
  }
}
