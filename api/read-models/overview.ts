/**
 * The Overview's figures, each one SQL aggregate over the read model (tasks, exceptions,
 * inquiries) and the domain events (SLA breaches, first status changes), per day in agency time.
 * Days without any row are included (generate_series), so a chart's axis has no gaps.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { OPEN_EXCEPTION_STATUSES, OPEN_TASK_STATUSES } from '../../domain/lifecycles.ts';
import { AGENCY_TIME_ZONE } from './action-center.ts';
import { Params, queryRows } from './statements.ts';

const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');
const DAY = (column: string) => `to_char(${column} AT TIME ZONE '${AGENCY_TIME_ZONE}', 'YYYY-MM-DD')`;
const DAYS = (p: Params, days: number) => `
  SELECT to_char(d, 'YYYY-MM-DD') AS day
    FROM generate_series((now() AT TIME ZONE '${AGENCY_TIME_ZONE}')::date - (${p.bind(days)}::int - 1), (now() AT TIME ZONE '${AGENCY_TIME_ZONE}')::date, interval '1 day') AS d`;

export interface OverviewRead {
  openWork: Array<{ group: 'URGENT' | 'HIGH' | 'NORMAL'; slaState: string; count: number }>;
  slaBreachesPerDay: Array<{ day: string; count: number }>;
  firstResponsePerDay: Array<{ day: string; medianMinutes: number | null; count: number }>;
  resolutionPerDay: Array<{ day: string; medianMinutes: number | null; count: number }>;
  inquiriesBySource: Array<{ source: string; inquiries: number; converted: number }>;
}

export async function readOverview(em: EntityManager, days: number): Promise<OverviewRead> {
  const open = await queryRows<{ grp: 'URGENT' | 'HIGH' | 'NORMAL'; sla_state: string; count: number }>(em, `
    WITH items AS (
      SELECT priority AS level, sla_breached, sla_warning_at, sla_deadline_at FROM tasks WHERE status IN (${list(OPEN_TASK_STATUSES)})
      UNION ALL
      SELECT severity, sla_breached, sla_warning_at, sla_deadline_at FROM exceptions WHERE status IN (${list(OPEN_EXCEPTION_STATUSES)})
    )
    SELECT CASE WHEN level = 'critical' OR sla_breached THEN 'URGENT' WHEN level = 'high' THEN 'HIGH' ELSE 'NORMAL' END AS grp,
           CASE WHEN sla_breached OR sla_deadline_at <= now() THEN 'breached' WHEN sla_warning_at <= now() THEN 'warning'
                WHEN sla_deadline_at IS NULL THEN 'none' ELSE 'ok' END AS sla_state,
           count(*)::int AS count
      FROM items GROUP BY 1, 2 ORDER BY 1, 2`, new Params());

  let p = new Params();
  const breaches = await queryRows<{ day: string; count: number }>(em, `
    WITH days AS (${DAYS(p, days)})
    SELECT days.day, count(e.id)::int AS count
      FROM days LEFT JOIN domain_events e
        ON e.event_type IN ('task.sla_breached', 'exception.sla_breached') AND ${DAY('e.created_at')} = days.day
       AND e.created_at > now() - make_interval(days => ${p.bind(days + 1)}::int)
     GROUP BY days.day ORDER BY days.day`, p);

  p = new Params();
  const firstResponse = await queryRows<{ day: string; median_minutes: number | null; count: number }>(em, `
    WITH days AS (${DAYS(p, days)}),
    responses AS (
      SELECT ${DAY('i.created_at')} AS day,
             extract(epoch FROM (SELECT min(a.created_at) FROM audit_log a
                                  WHERE a.entity_type = 'inquiry' AND a.entity_id = i.id AND a.action = 'STATUS_CHANGE') - i.created_at) / 60 AS minutes
        FROM inquiries i WHERE i.created_at > now() - make_interval(days => ${p.bind(days + 1)}::int)
    )
    SELECT days.day, (percentile_cont(0.5) WITHIN GROUP (ORDER BY r.minutes))::float AS median_minutes, count(r.minutes)::int AS count
      FROM days LEFT JOIN responses r ON r.day = days.day
     GROUP BY days.day ORDER BY days.day`, p);

  p = new Params();
  const resolution = await queryRows<{ day: string; median_minutes: number | null; count: number }>(em, `
    WITH days AS (${DAYS(p, days)}),
    finished AS (
      SELECT ${DAY('completed_at')} AS day, extract(epoch FROM completed_at - created_at) / 60 AS minutes
        FROM tasks WHERE status = 'done' AND completed_at > now() - make_interval(days => ${p.bind(days + 1)}::int)
      UNION ALL
      SELECT ${DAY('resolved_at')}, extract(epoch FROM resolved_at - created_at) / 60
        FROM exceptions WHERE resolved_at > now() - make_interval(days => ${p.bind(days + 1)}::int)
    )
    SELECT days.day, (percentile_cont(0.5) WITHIN GROUP (ORDER BY f.minutes))::float AS median_minutes, count(f.minutes)::int AS count
      FROM days LEFT JOIN finished f ON f.day = days.day
     GROUP BY days.day ORDER BY days.day`, p);

  p = new Params();
  const sources = await queryRows<{ source: string; inquiries: number; converted: number }>(em, `
    SELECT source, count(*)::int AS inquiries, count(*) FILTER (WHERE status = 'converted' OR booking_id IS NOT NULL)::int AS converted
      FROM inquiries WHERE created_at > now() - make_interval(days => ${p.bind(days)}::int)
     GROUP BY source ORDER BY inquiries DESC, source`, p);

  return {
    openWork: open.map((r) => ({ group: r.grp, slaState: r.sla_state, count: r.count })),
    slaBreachesPerDay: breaches,
    firstResponsePerDay: firstResponse.map((r) => ({ day: r.day, medianMinutes: r.median_minutes, count: r.count })),
    resolutionPerDay: resolution.map((r) => ({ day: r.day, medianMinutes: r.median_minutes, count: r.count })),
    inquiriesBySource: sources,
  };
}
