/**
 * The Action Center's read (seed §5) in one SQL statement: the viewer's open tasks and
 * exceptions (assigned to them or unassigned), each group's page in sortActionItems order
 * (domain/action-items.ts, here as SQL sort keys), the counts, and what each item is about.
 * Served by the partial "open" indexes of Migration20261124190000_search_indexes.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { ACTION_GROUPS, type ActionGroup } from '../../domain/action-items.ts';
import { sqlList } from '../../domain/formats.ts';
import { OPEN_EXCEPTION_STATUSES, OPEN_TASK_STATUSES } from '../../domain/lifecycles.ts';
import { badCursor } from '../graphql/connection.ts';
import { Params, queryRows } from './statements.ts';

/** Midnight for "completed today": the agency works on London time. */
export const AGENCY_TIME_ZONE = 'Europe/London';

export interface ActionItemRow {
  readonly grp: ActionGroup;
  readonly kind: 'task' | 'exception';
  readonly id: string;
  readonly ref: string;
  readonly type: string;
  readonly title: string;
  readonly status: string;
  readonly level: string;
  readonly severity_rank: number;
  readonly sla_breached: boolean;
  readonly sla_deadline_at: Date | null;
  readonly sla_warning_at: Date | null;
  readonly created_at: Date;
  readonly assigned_to: string | null;
  readonly entity_type: string;
  readonly entity_id: string;
  readonly group_count: number;
  readonly has_more: boolean;
  // What the item is about (only the columns of its entity type are set).
  readonly entity_ref: string | null;
  readonly entity_status: string | null;
  readonly entity_assignee: string | null;
  readonly entity_name: string | null;
  readonly model_name: string | null;
  readonly location_title: string | null;
  readonly client_name: string | null;
  readonly client_email: string | null;
  readonly client_phone: string | null;
  readonly start_at: Date | null;
  readonly start_local: string | null;
}

export interface ActionCenterCountsRow {
  readonly urgent: number;
  readonly high: number;
  readonly normal: number;
  readonly total: number;
  readonly breached: number;
  readonly completed_today: number;
  /** Midnight today, agency time: where completed_today starts. */
  readonly completed_since: Date;
}

export interface ActionCenterRead {
  readonly counts: ActionCenterCountsRow;
  readonly items: ActionItemRow[];
}

/** The position of an item in its group's order: what cursors carry. */
export interface ActionCursor {
  readonly severityRank: number;
  readonly breached: boolean;
  /** ISO instant, or 'infinity' for an item without an SLA (sorted last, as NULLS LAST). */
  readonly deadline: string;
  readonly createdAt: string;
  readonly id: string;
}

export function encodeActionCursor(row: ActionItemRow): string {
  const c: ActionCursor = {
    severityRank: row.severity_rank, breached: row.sla_breached, deadline: row.sla_deadline_at ? new Date(row.sla_deadline_at).toISOString() : 'infinity',
    createdAt: new Date(row.created_at).toISOString(), id: row.id,
  };
  return Buffer.from(JSON.stringify([c.severityRank, c.breached, c.deadline, c.createdAt, c.id])).toString('base64url');
}

export function decodeActionCursor(cursor: string): ActionCursor {
  const invalid = badCursor;
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parts) || parts.length !== 5) throw invalid();
  const [severityRank, breached, deadline, createdAt, id] = parts as [unknown, unknown, unknown, unknown, unknown];
  const isInstant = (v: unknown) => typeof v === 'string' && !Number.isNaN(new Date(v).getTime());
  if (!Number.isInteger(severityRank) || typeof breached !== 'boolean' || !(deadline === 'infinity' || isInstant(deadline)) || !isInstant(createdAt)
    || typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) throw invalid();
  return { severityRank: severityRank as number, breached, deadline: deadline as string, createdAt: createdAt as string, id };
}

export interface ActionCenterQuery {
  readonly viewerId: string;
  readonly includeTasks: boolean;
  readonly includeExceptions: boolean;
  /** Items per group (the statement fetches one more to know whether there is a next page). */
  readonly first: number;
  /** Only this group (a further page). */
  readonly group?: ActionGroup;
  readonly after?: ActionCursor;
}

// The seed's severityOrder as SQL; a task's priority maps as severityOfPriority does (normal → medium).
const RANK = (column: string) => `CASE ${column} WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'low' THEN 3 ELSE 2 END`;

/**
 * One round trip, a prepared statement (statements.ts). `counts` always yields one row; the page rows are left-joined to it, so an
 * empty Action Center still returns its counts. The sort key is a row value of non-null
 * columns, so the keyset cursor is one row comparison.
 */
export async function readActionCenter(em: EntityManager, q: ActionCenterQuery): Promise<ActionCenterRead> {
  const params = new Params();
  const bind = (value: unknown) => params.bind(value);
  const me = q.viewerId;
  // Called where its text goes: placeholders bind in the order they appear.
  const pageWhere = () => {
    const filters: string[] = [];
    if (q.group) filters.push(`grp = ${bind(q.group)}`);
    if (q.after) {
      filters.push(`(severity_rank, NOT sla_breached, deadline_key, created_at, id) > (${bind(q.after.severityRank)}::int, ${bind(!q.after.breached)}::boolean, ${bind(q.after.deadline)}::timestamptz, ${bind(q.after.createdAt)}::timestamptz, ${bind(q.after.id)}::uuid)`);
    }
    return filters.length ? `WHERE ${filters.join(' AND ')}` : '';
  };
  const sql = `
    WITH items AS (
      SELECT 'task' AS kind, t.id, t.ref, t.type, t.subject AS title, t.status, t.priority AS level, ${RANK('t.priority')} AS severity_rank,
             t.sla_breached, t.sla_deadline_at, t.sla_warning_at, t.created_at, t.assigned_to, t.entity_type, t.entity_id
        FROM tasks t
       WHERE ${bind(q.includeTasks)}::boolean AND t.status IN (${sqlList(OPEN_TASK_STATUSES)}) AND (t.assigned_to = ${bind(me)} OR t.assigned_to IS NULL)
      UNION ALL
      SELECT 'exception', x.id, x.ref, x.type, x.summary, x.status, x.severity, ${RANK('x.severity')},
             x.sla_breached, x.sla_deadline_at, x.sla_warning_at, x.created_at, x.assigned_to, x.entity_type, x.entity_id
        FROM exceptions x
       WHERE ${bind(q.includeExceptions)}::boolean AND x.status IN (${sqlList(OPEN_EXCEPTION_STATUSES)}) AND (x.assigned_to = ${bind(me)} OR x.assigned_to IS NULL)
    ), keyed AS (
      SELECT items.*,
             CASE WHEN severity_rank = 0 OR sla_breached THEN 'URGENT' WHEN severity_rank = 1 THEN 'HIGH' ELSE 'NORMAL' END AS grp,
             coalesce(sla_deadline_at, 'infinity'::timestamptz) AS deadline_key
        FROM items
    ), today AS (
      SELECT date_trunc('day', now() AT TIME ZONE '${AGENCY_TIME_ZONE}') AT TIME ZONE '${AGENCY_TIME_ZONE}' AS midnight
    ), counts AS (
      SELECT count(*) FILTER (WHERE grp = 'URGENT')::int AS urgent,
             count(*) FILTER (WHERE grp = 'HIGH')::int AS high,
             count(*) FILTER (WHERE grp = 'NORMAL')::int AS normal,
             count(*)::int AS total,
             count(*) FILTER (WHERE sla_breached)::int AS breached,
             ((SELECT count(*) FROM tasks WHERE ${bind(q.includeTasks)}::boolean AND assigned_to = ${bind(me)} AND status = 'done' AND completed_at >= (SELECT midnight FROM today))
              + (SELECT count(*) FROM exceptions WHERE ${bind(q.includeExceptions)}::boolean AND resolved_by = ${bind(me)} AND resolved_at >= (SELECT midnight FROM today)))::int AS completed_today,
             (SELECT midnight FROM today) AS completed_since
        FROM keyed
    ), ranked AS (
      SELECT keyed.*, row_number() OVER (PARTITION BY grp ORDER BY severity_rank, NOT sla_breached, deadline_key, created_at, id) AS rn
        FROM keyed
       ${pageWhere()}
    ), page AS (
      SELECT ranked.*, count(*) OVER (PARTITION BY grp) > ${bind(q.first)} AS has_more
        FROM ranked WHERE rn <= ${bind(q.first + 1)}
    )
    SELECT c.*, p.grp, p.kind, p.id, p.ref, p.type, p.title, p.status, p.level, p.severity_rank, p.sla_breached, p.sla_deadline_at, p.sla_warning_at,
           p.created_at, p.assigned_to, p.entity_type, p.entity_id, p.has_more, p.rn,
           CASE p.grp WHEN 'URGENT' THEN c.urgent WHEN 'HIGH' THEN c.high ELSE c.normal END AS group_count,
           coalesce(b.ref, o.ref) AS entity_ref,
           coalesce(b.status, o.status) AS entity_status,
           coalesce(b.assigned_to, o.assigned_to) AS entity_assignee,
           o.name AS entity_name,
           bm.name AS model_name, bl.title AS location_title,
           coalesce(bc.full_name, o.client_name) AS client_name,
           coalesce(bc.email, o.client_email) AS client_email,
           coalesce(bc.phone, o.client_phone) AS client_phone,
           b.start_at,
           to_char(b.start_at AT TIME ZONE coalesce(bl.timezone, '${AGENCY_TIME_ZONE}'), 'YYYY-MM-DD HH24:MI') AS start_local
      FROM counts c
      LEFT JOIN page p ON true
      LEFT JOIN bookings b ON p.entity_type = 'booking' AND b.id = p.entity_id
      LEFT JOIN models bm ON bm.id = b.model_id
      LEFT JOIN locations bl ON bl.id = b.location_id
      LEFT JOIN clients bc ON bc.id = b.client_id
      -- Items about anything else (rarer): each branch runs only for its own entity type.
      LEFT JOIN LATERAL (
        SELECT i.ref, i.status, i.assigned_to, i.subject AS name, i.client_name, i.client_email, i.client_phone
          FROM inquiries i WHERE p.entity_type = 'inquiry' AND i.id = p.entity_id
        UNION ALL
        SELECT t.ref, t.status, t.assigned_to, t.subject, NULL, NULL, NULL FROM tasks t WHERE p.entity_type = 'task' AND t.id = p.entity_id
        UNION ALL
        SELECT m.public_code, m.status, NULL, m.name, NULL, NULL, NULL FROM models m WHERE p.entity_type = 'model' AND m.id = p.entity_id
        UNION ALL
        SELECT NULL, NULL, NULL, c.full_name, c.full_name, c.email, c.phone FROM clients c WHERE p.entity_type = 'client' AND c.id = p.entity_id
      ) o ON true
     ORDER BY CASE p.grp WHEN 'URGENT' THEN 0 WHEN 'HIGH' THEN 1 ELSE 2 END, p.rn`;
  const rows = await queryRows<ActionCenterCountsRow & Partial<ActionItemRow> & { rn: number | null }>(em, sql, params);
  const first = rows[0];
  const counts: ActionCenterCountsRow = {
    urgent: first?.urgent ?? 0, high: first?.high ?? 0, normal: first?.normal ?? 0, total: first?.total ?? 0,
    breached: first?.breached ?? 0, completed_today: first?.completed_today ?? 0,
    // The counts row is an aggregate: always there (the fallback only satisfies the types).
    completed_since: first?.completed_since ? new Date(first.completed_since) : new Date(),
  };
  const items = rows.filter((r) => r.id && ACTION_GROUPS.includes(r.grp as ActionGroup)) as unknown as ActionItemRow[];
  return { counts, items };
}
