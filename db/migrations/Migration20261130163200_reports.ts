import { Migration } from '@mikro-orm/migrations';

/**
 * CSV reports on the heavy queue (issue 14 item 8): one row per requested report (kind,
 * period, status written by its workflow only, rows written, where the CSV is kept), and the
 * two permissions that run them: reports.run (owners, ops managers, Finance) and
 * reports.finance (owners and Finance: revenue and deposits by model). On an empty database the
 * reference data seeds the permissions from domain/access.ts instead.
 */
export class Migration20261130163200_reports extends Migration {
  override name = 'Migration20261130163200_reports';

  override up(): void {
    this.addSql(`CREATE TABLE "reports" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
      "kind" text NOT NULL CHECK ("kind" IN ('bookings_by_status', 'conversion_funnel', 'sla_compliance', 'revenue_by_model')),
      "status" text NOT NULL DEFAULT 'queued' CHECK ("status" IN ('queued', 'running', 'ready', 'failed')),
      "period_from" timestamptz NOT NULL,
      "period_to" timestamptz NOT NULL,
      "params" jsonb NOT NULL DEFAULT '{}',
      "rows_total" int NULL,
      "rows_written" int NOT NULL DEFAULT 0,
      "storage_key" text NULL,
      "failure" text NULL,
      "requested_by" uuid NULL REFERENCES "users" ("id"),
      "created_at" timestamptz(3) NOT NULL DEFAULT now(),
      "finished_at" timestamptz NULL
    );`);
    this.addSql('CREATE INDEX "idx_reports_created" ON "reports" ("created_at" DESC);');
    this.addSql(`
      INSERT INTO permissions (code, description)
      SELECT code, description FROM (VALUES
        ('reports.run', 'Run and download operational reports (bookings by status, conversion funnel, SLA compliance)'),
        ('reports.finance', 'Run and download finance reports (revenue and deposits by model)')) AS v(code, description)
       WHERE EXISTS (SELECT 1 FROM roles)
      ON CONFLICT (code) DO NOTHING;`);
    this.addSql(`
      INSERT INTO role_permissions (role_id, permission_id)
      SELECT r.id, p.id FROM roles r JOIN permissions p ON
        (p.code = 'reports.run' AND r.code IN ('OWNER', 'OPS_MANAGER', 'FINANCE')) OR (p.code = 'reports.finance' AND r.code IN ('OWNER', 'FINANCE'))
      ON CONFLICT DO NOTHING;`);
  }

  override down(): void {
    this.addSql(`DELETE FROM role_permissions WHERE permission_id IN (SELECT id FROM permissions WHERE code IN ('reports.run', 'reports.finance'));`);
    this.addSql(`DELETE FROM permissions WHERE code IN ('reports.run', 'reports.finance');`);
    this.addSql('DROP TABLE IF EXISTS "reports";');
  }
}
