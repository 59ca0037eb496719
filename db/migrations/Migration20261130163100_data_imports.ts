import { Migration } from '@mikro-orm/migrations';

/**
 * CSV imports of models and clients (issue 14 item 8): one row per import (its file, status
 * and size), one row per (import, phase, CSV row) once that row is checked or applied (what it
 * did: create / update / unchanged / error) and its problems. Progress is counted from the
 * outcomes, which a retried chunk writes again without adding (primary keys), so a worker
 * restart never counts a row twice. Statuses are written by the import's workflow only.
 */
export class Migration20261130163100_data_imports extends Migration {
  override name = 'Migration20261130163100_data_imports';

  override up(): void {
    this.addSql(`CREATE TABLE "data_imports" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
      "kind" text NOT NULL CHECK ("kind" IN ('models', 'clients')),
      "status" text NOT NULL DEFAULT 'uploaded' CHECK ("status" IN ('uploaded', 'checking', 'checked', 'applying', 'applied', 'failed', 'expired')),
      "storage_key" text NOT NULL,
      "checksum" text NOT NULL,
      "original_name" text NULL,
      "total_rows" int NOT NULL DEFAULT 0,
      "failure" text NULL,
      "created_by" uuid NULL REFERENCES "users" ("id"),
      "created_at" timestamptz(3) NOT NULL DEFAULT now(),
      "checked_at" timestamptz NULL,
      "applied_at" timestamptz NULL
    );`);
    this.addSql(`CREATE TABLE "data_import_rows" (
      "import_id" uuid NOT NULL REFERENCES "data_imports" ("id") ON DELETE CASCADE,
      "phase" text NOT NULL CHECK ("phase" IN ('check', 'apply')),
      "row_number" int NOT NULL,
      "outcome" text NOT NULL CHECK ("outcome" IN ('create', 'update', 'unchanged', 'error')),
      "entity_id" uuid NULL,
      "problems" jsonb NOT NULL DEFAULT '[]',
      PRIMARY KEY ("import_id", "phase", "row_number")
    );`);
    this.addSql('CREATE INDEX "idx_data_imports_created" ON "data_imports" ("created_at" DESC);');
  }

  override down(): void {
    this.addSql('DROP TABLE IF EXISTS "data_import_rows";');
    this.addSql('DROP TABLE IF EXISTS "data_imports";');
  }
}
