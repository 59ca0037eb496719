/**
 * CSV reports (issue 14 item 8): requesting one (the caller's right for its kind, a valid
 * period), building it on the heavy queue (one SQL query over the period, written as CSV with
 * csv-stringify to the file store, rows counted as they are written), and reading it back for
 * an authorised download. Periods are [from, to) instants; bookings count by their start,
 * inquiries and work items by their creation; days, weeks and months are London's.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { stringify } from 'csv-stringify/sync';
import { assertPermission } from '../domain/access.ts';
import { notFound } from '../domain/errors.ts';
import { assertReportPeriod, REPORT_PERMISSION, reportFileName, type ReportGranularity, type ReportKind, type ReportStatus } from '../domain/reports.ts';
import type { FileStorage, StoredFile } from '../platform/file-storage.ts';
import { BACKGROUND_TASK_QUEUE } from '../workflows/task-queues.ts';
import { generateReportWorkflowType, reportWorkflowId, type ReportInput } from '../workflows/reports/messages.ts';
import type { Caller, ServiceDeps } from './context.ts';
import { isUuid } from './rows.ts';

export interface ReportDeps extends ServiceDeps {
  /** Only building and downloading need the file store. */
  readonly storage?: FileStorage | undefined;
}

export interface ReportRequest {
  readonly kind: ReportKind;
  readonly from: Date;
  readonly to: Date;
  readonly granularity: ReportGranularity;
}

export interface ReportView {
  readonly id: string;
  readonly kind: ReportKind;
  readonly status: ReportStatus;
  readonly from: Date;
  readonly to: Date;
  readonly granularity: ReportGranularity;
  readonly rowsTotal: number | null;
  readonly rowsWritten: number;
  readonly failure: string | null;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
  readonly fileName: string;
}

interface ReportRow {
  id: string; kind: ReportKind; status: ReportStatus; period_from: Date; period_to: Date; params: { granularity?: ReportGranularity };
  rows_total: number | null; rows_written: number; storage_key: string | null; failure: string | null; created_at: Date; finished_at: Date | null;
}

/** Rows written between progress updates (and heartbeats). */
const BATCH = 500;

const LONDON = `'Europe/London'`;

/** Each kind's query over [$1, $2) and its CSV columns, in order. */
const QUERIES: Readonly<Record<ReportKind, (granularity: ReportGranularity) => { sql: string; columns: string[]; periods?: number }>> = {
  bookings_by_status: (granularity) => ({
    columns: ['period_start', 'status', 'currency', 'bookings', 'price_total'],
    sql: `SELECT to_char(date_trunc('${granularity}', b.start_at AT TIME ZONE ${LONDON}), 'YYYY-MM-DD') AS period_start, b.status, b.currency,
            count(*)::int AS bookings, coalesce(sum(b.price_total), 0)::numeric(12,2)::text AS price_total
          FROM bookings b WHERE b.start_at >= ? AND b.start_at < ?
          GROUP BY 1, b.status, b.currency ORDER BY 1, b.status, b.currency`,
  }),
  conversion_funnel: () => ({
    columns: ['source', 'inquiries', 'booked', 'confirmed', 'completed', 'conversion_pct'],
    sql: `WITH funnel AS (
            SELECT i.source, i.id,
              bool_or(b.id IS NOT NULL) AS booked,
              bool_or(b.status IN ('confirmed', 'in_progress', 'completed')) AS confirmed,
              bool_or(b.status = 'completed') AS completed
            FROM inquiries i LEFT JOIN bookings b ON b.inquiry_id = i.id OR b.id = i.booking_id
            WHERE i.created_at >= ? AND i.created_at < ?
            GROUP BY i.source, i.id)
          SELECT source, count(*)::int AS inquiries, count(*) FILTER (WHERE booked)::int AS booked,
            count(*) FILTER (WHERE confirmed)::int AS confirmed, count(*) FILTER (WHERE completed)::int AS completed,
            round(100.0 * count(*) FILTER (WHERE booked) / count(*), 1)::text AS conversion_pct
          FROM funnel GROUP BY source ORDER BY source`,
  }),
  sla_compliance: () => ({
    periods: 2,
    columns: ['policy', 'applies_to', 'key', 'priority', 'deadline_minutes', 'items', 'finished', 'met', 'breached', 'open_in_time', 'compliance_pct'],
    sql: `WITH items AS (
            SELECT 'task_type' AS applies_to, type AS key, priority AS level, coalesce(sla_breached, false) AS breached, sla_deadline_at, completed_at AS done_at
              FROM tasks WHERE created_at >= ? AND created_at < ? AND sla_deadline_at IS NOT NULL
            UNION ALL
            SELECT 'exception_type', type, severity, coalesce(sla_breached, false), sla_deadline_at, resolved_at
              FROM exceptions WHERE created_at >= ? AND created_at < ? AND sla_deadline_at IS NOT NULL)
          SELECT p.name AS policy, p.applies_to, p.key, coalesce(p.priority, 'any') AS priority, p.deadline_minutes,
            count(*)::int AS items, count(*) FILTER (WHERE i.done_at IS NOT NULL)::int AS finished,
            count(*) FILTER (WHERE NOT i.breached AND i.done_at IS NOT NULL AND i.done_at <= i.sla_deadline_at)::int AS met,
            count(*) FILTER (WHERE i.breached)::int AS breached,
            count(*) FILTER (WHERE NOT i.breached AND i.done_at IS NULL)::int AS open_in_time,
            round(100.0 * count(*) FILTER (WHERE NOT i.breached) / count(*), 1)::text AS compliance_pct
          FROM items i
          JOIN LATERAL (SELECT * FROM sla_policies p WHERE p.applies_to = i.applies_to AND p.key = i.key AND (p.priority = i.level OR p.priority IS NULL)
                        ORDER BY p.priority IS NULL LIMIT 1) p ON true
          GROUP BY p.id, p.name, p.applies_to, p.key, p.priority, p.deadline_minutes ORDER BY p.applies_to, p.key, p.priority NULLS LAST`,
  }),
  revenue_by_model: () => ({
    columns: ['model_code', 'model_name', 'currency', 'bookings', 'completed', 'booked_value', 'revenue', 'deposits_paid', 'refunded'],
    sql: `SELECT m.public_code AS model_code, m.name AS model_name, b.currency, count(*)::int AS bookings,
            count(*) FILTER (WHERE b.status = 'completed')::int AS completed,
            coalesce(sum(b.price_total) FILTER (WHERE b.status IN ('confirmed', 'in_progress', 'completed')), 0)::numeric(12,2)::text AS booked_value,
            coalesce(sum(b.price_total) FILTER (WHERE b.status = 'completed'), 0)::numeric(12,2)::text AS revenue,
            coalesce(sum(p.deposits), 0)::numeric(12,2)::text AS deposits_paid, coalesce(sum(p.refunded), 0)::numeric(12,2)::text AS refunded
          FROM bookings b JOIN models m ON m.id = b.model_id
          LEFT JOIN LATERAL (
            SELECT sum(amount) FILTER (WHERE type = 'deposit' AND status = 'succeeded') AS deposits,
                   sum(amount_refunded) FILTER (WHERE type <> 'refund' AND status = 'succeeded') AS refunded
            FROM payments WHERE booking_id = b.id) p ON true
          WHERE b.start_at >= ? AND b.start_at < ?
          GROUP BY m.id, m.public_code, m.name, b.currency ORDER BY m.public_code, b.currency`,
  }),
};

/** Raw rows carry instants as the driver gives them (strings or Dates). */
const instant = (value: Date | string) => new Date(value);

const viewOf = (row: ReportRow): ReportView => ({
  id: row.id, kind: row.kind, status: row.status, from: instant(row.period_from), to: instant(row.period_to), granularity: row.params.granularity ?? 'day',
  rowsTotal: row.rows_total, rowsWritten: row.rows_written, failure: row.failure, createdAt: instant(row.created_at),
  finishedAt: row.finished_at === null ? null : instant(row.finished_at), fileName: reportFileName(row.kind, instant(row.period_from), instant(row.period_to)),
});

export function createReportService(deps: ReportDeps) {
  const files = (): FileStorage => {
    if (!deps.storage) throw new Error('this report command needs the file store');
    return deps.storage;
  };
  const sql = <T>(query: string, params: unknown[] = [], em: EntityManager = deps.em.fork()) => em.getConnection().execute<T[]>(query, params, 'all', em.getTransactionContext());

  async function rowOf(id: string): Promise<ReportRow> {
    const [row] = isUuid(id) ? await sql<ReportRow>('SELECT * FROM reports WHERE id = ?', [id]) : [];
    if (!row) throw notFound('report', id);
    return row;
  }

  return {
    /** Queues a report and starts its workflow on the heavy queue. */
    async request(caller: Caller, request: ReportRequest): Promise<ReportView> {
      assertPermission(caller.principal, REPORT_PERMISSION[request.kind]);
      assertReportPeriod(request.from, request.to);
      const id = randomUUID();
      await deps.em.fork().transactional(async (em) => {
        await sql('INSERT INTO reports (id, kind, period_from, period_to, params, requested_by) VALUES (?, ?, ?, ?, ?::jsonb, ?)',
          [id, request.kind, request.from, request.to, JSON.stringify({ granularity: request.granularity }), caller.principal.id], em);
        await deps.temporal.workflow.start(generateReportWorkflowType, {
          taskQueue: BACKGROUND_TASK_QUEUE, workflowId: reportWorkflowId(id), args: [{ reportId: id } satisfies ReportInput],
        });
      });
      return viewOf(await rowOf(id));
    },

    /** A report for a caller who may run its kind. */
    async view(caller: Caller, id: string): Promise<ReportView> {
      const row = await rowOf(id);
      assertPermission(caller.principal, REPORT_PERMISSION[row.kind]);
      return viewOf(row);
    },

    /** A ready report's CSV for a caller who may run its kind; NOT_FOUND until it is ready. */
    async download(caller: Caller, id: string): Promise<{ file: StoredFile; name: string }> {
      const row = await rowOf(id);
      assertPermission(caller.principal, REPORT_PERMISSION[row.kind]);
      const file = row.status === 'ready' && row.storage_key ? await files().find(row.storage_key) : undefined;
      if (!file) throw notFound(`ready report (it is ${row.status})`, id);
      return { file, name: viewOf(row).fileName };
    },

    /** The report's workflow moves it on (its activities only). */
    async moveTo(id: string, status: ReportStatus, failure: string | null = null): Promise<void> {
      const finished = status === 'ready' || status === 'failed' ? ', finished_at = now()' : '';
      await sql(`UPDATE reports SET status = ?, failure = ?${finished} WHERE id = ? AND status NOT IN ('ready', 'failed')`, [status, failure, id]);
    },

    /** Runs the report's query and writes its CSV, counting rows as they are written. */
    async build(id: string, heartbeat: (written: number) => void): Promise<void> {
      const row = await rowOf(id);
      const { sql: query, columns, periods = 1 } = QUERIES[row.kind](row.params.granularity ?? 'day');
      const rows = await sql<Record<string, unknown>>(query, Array.from({ length: periods }, () => [row.period_from, row.period_to]).flat());
      await sql('UPDATE reports SET rows_total = ? WHERE id = ?', [rows.length, id]);
      const parts = [stringify([], { header: true, columns })];
      for (let offset = 0; offset < rows.length; offset += BATCH) {
        parts.push(stringify(rows.slice(offset, offset + BATCH), { columns }));
        const written = Math.min(offset + BATCH, rows.length);
        heartbeat(written);
        await sql('UPDATE reports SET rows_written = ? WHERE id = ?', [written, id]);
      }
      const key = `reports/${id}.csv`;
      await files().putBytes(key, parts.join(''));
      await sql('UPDATE reports SET storage_key = ? WHERE id = ?', [key, id]);
    },
  };
}
