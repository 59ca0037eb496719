import { Migration } from '@mikro-orm/migrations';

/**
 * Model media uploaded as files and processed on the heavy queue (issue 14 item 7): a status
 * (uploaded → processing → ready | failed, written only by the media item's workflow), what the
 * file is (content type, size, original name), its rendered sizes and the last error. Rows from
 * before (URL metadata added through GraphQL) are ready as they are. One checksum per model among uploaded files:
 * the same file uploaded twice for a model is the same media item.
 */
export class Migration20261130163000_media_processing extends Migration {
  override name = 'Migration20261130163000_media_processing';

  override up(): void {
    this.addSql(`ALTER TABLE "model_media"
      ADD COLUMN "status" text NOT NULL DEFAULT 'ready',
      ADD COLUMN "content_type" text NULL,
      ADD COLUMN "size_bytes" bigint NULL,
      ADD COLUMN "original_name" text NULL,
      ADD COLUMN "variants" jsonb NOT NULL DEFAULT '[]',
      ADD COLUMN "error" text NULL,
      ADD COLUMN "processed_at" timestamptz NULL,
      ADD CONSTRAINT "model_media_status_check" CHECK ("status" IN ('uploaded', 'processing', 'ready', 'failed'));`);
    this.addSql(`CREATE UNIQUE INDEX "idx_model_media_checksum" ON "model_media" ("model_id", "checksum") WHERE "checksum" IS NOT NULL AND "content_type" IS NOT NULL AND "status" <> 'failed';`);
  }

  override down(): void {
    this.addSql('DROP INDEX IF EXISTS "idx_model_media_checksum";');
    this.addSql(`ALTER TABLE "model_media" DROP CONSTRAINT IF EXISTS "model_media_status_check",
      DROP COLUMN IF EXISTS "status", DROP COLUMN IF EXISTS "content_type", DROP COLUMN IF EXISTS "size_bytes",
      DROP COLUMN IF EXISTS "original_name", DROP COLUMN IF EXISTS "variants", DROP COLUMN IF EXISTS "error", DROP COLUMN IF EXISTS "processed_at";`);
  }
}
