/**
 * The figures an operator of the platform watches, read from the record (so every API process
 * reports the same numbers, whichever worker did the work): the outbox backlog and lag, events
 * committed and dispatched, executions by rule and status, actions by type and outcome,
 * transitions by entity and target status, SLA warnings and breaches. Windowed to the last 24
 * hours (by the indexed time columns) so a scrape stays cheap as history grows.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { outboxBacklog } from './automation.ts';

export interface AutomationFigures {
  readonly outbox: { pending: number; oldestAgeSeconds: number };
  readonly events: { committed: number; dispatched: number };
  readonly executions: ReadonlyArray<{ rule: string; status: string; n: number }>;
  readonly actions: ReadonlyArray<{ type: string; outcome: string; n: number }>;
  readonly transitions: ReadonlyArray<{ entity: string; to: string; n: number }>;
  readonly sla: ReadonlyArray<{ entity: string; kind: string; n: number }>;
}

export async function automationFigures(em: EntityManager): Promise<AutomationFigures> {
  const conn = em.getConnection();
  const backlog = await outboxBacklog(em);
  const [events] = await conn.execute<Array<{ committed: string; dispatched: string }>>(
    `SELECT count(*) AS committed, count(published_at) AS dispatched FROM domain_events WHERE created_at > now() - interval '24 hours'`);
  const executions = await conn.execute<Array<{ rule: string; status: string; n: string }>>(
    `SELECT r.name AS rule, x.status, count(*) AS n FROM automation_executions x JOIN automation_rules r ON r.id = x.rule_id
      WHERE x.started_at > now() - interval '24 hours' GROUP BY r.name, x.status`);
  const actions = await conn.execute<Array<{ type: string; outcome: string; n: string }>>(
    `SELECT a.value->>'type' AS type, a.value->>'outcome' AS outcome, count(*) AS n
       FROM automation_executions x, jsonb_each(coalesce(x.result->'actions', '{}'::jsonb)) AS a
      WHERE x.started_at > now() - interval '24 hours' GROUP BY 1, 2`);
  const transitions = await conn.execute<Array<{ entity: string; to: string; n: string }>>(
    `SELECT entity_type AS entity, payload->>'to' AS to, count(*) AS n FROM domain_events
      WHERE created_at > now() - interval '24 hours' AND event_type LIKE '%.status_changed' GROUP BY 1, 2`);
  const sla = await conn.execute<Array<{ entity: string; kind: string; n: string }>>(
    `SELECT entity_type AS entity, split_part(event_type, '.', 2) AS kind, count(*) AS n FROM domain_events
      WHERE created_at > now() - interval '24 hours' AND event_type IN ('task.sla_warning', 'task.sla_breached', 'exception.sla_warning', 'exception.sla_breached') GROUP BY 1, 2`);
  const num = <T extends { n: string }>(rows: T[]) => rows.map((r) => ({ ...r, n: Number(r.n) }));
  return {
    outbox: { pending: backlog.pending, oldestAgeSeconds: backlog.oldestAgeSeconds },
    events: { committed: Number(events?.committed ?? 0), dispatched: Number(events?.dispatched ?? 0) },
    executions: num(executions), actions: num(actions), transitions: num(transitions), sla: num(sla),
  };
}
