/**
 * A rule execution's status change as subscribers see it: the NOTIFY carries the execution's id,
 * the status written and the attempt (db/execution-notices.ts), so the hub loads the execution
 * with its rule and event (one query per batch, per process). Who gets it: whoever may read
 * executions (automation.read; operators may not). Per-action results are as stored when loaded;
 * the status is the one the change wrote, so a fast running → done still arrives as two updates.
 */
import type pg from 'pg';
import type { ExecutionNotice } from '../../db/execution-notices.ts';
import type { Viewer } from '../auth/sessions.ts';

/** What reading executions needs (as the automationExecutions query). */
export const EXECUTIONS_READ_PERMISSION = 'automation.read';

export interface ExecutionUpdate {
  /** Unique per (execution, status, attempt): a client drops a duplicate after reconnecting. */
  readonly key: string;
  readonly executionId: string;
  readonly status: string;
  readonly attempt: number;
  readonly skipReason: string | null;
  readonly ruleId: string;
  readonly ruleName: string;
  readonly ruleVersion: number | null;
  readonly testing: boolean;
  readonly eventId: string;
  readonly eventType: string | null;
  readonly entityType: string | null;
  readonly entityId: string | null;
  readonly depth: number;
  readonly failedAction: number | null;
  readonly error: string | null;
  /** The execution's stored result (result.actions keyed by index), masked per viewer by the resolver. */
  readonly result: Record<string, unknown> | null;
  /** When the execution began, or ended for a final status (database clock). */
  readonly occurredAt: Date;
}

export const noticeKey = (notice: ExecutionNotice) => `${notice.executionId}:${notice.status}:${notice.attempt}`;

interface ExecutionRow {
  id: string; status: string; attempt: number; skip_reason: string | null; rule_id: string; rule_name: string | null; rule_version: number | null;
  event_id: string; event_type: string | null; entity_type: string | null; entity_id: string | null; depth: number; failed_action: number | null;
  error: string | null; result: Record<string, unknown> | null; started_at: Date; finished_at: Date | null;
}

const LOAD_SQL = `
  SELECT x.id, x.status, x.attempt, x.skip_reason, x.rule_id, r.name AS rule_name, x.rule_version, x.event_id, x.event_type,
         x.entity_type, x.entity_id::text AS entity_id, x.depth, x.failed_action, x.error, x.result, x.started_at, x.finished_at
    FROM automation_executions x LEFT JOIN automation_rules r ON r.id = x.rule_id
   WHERE x.id = ANY($1::uuid[])`;

const FINAL = ['done', 'failed', 'skipped'];

/** The noticed changes with their executions as they are now, in notice order (a vanished execution is left out). */
export async function loadExecutionUpdates(client: pg.Client, notices: readonly ExecutionNotice[]): Promise<ExecutionUpdate[]> {
  if (notices.length === 0) return [];
  const { rows } = await client.query<ExecutionRow>(LOAD_SQL, [[...new Set(notices.map((n) => n.executionId))]]);
  const byId = new Map(rows.map((row) => [row.id, row]));
  const updates: ExecutionUpdate[] = [];
  for (const notice of notices) {
    const row = byId.get(notice.executionId);
    if (!row) continue;
    updates.push({
      key: noticeKey(notice), executionId: row.id, status: notice.status, attempt: notice.attempt,
      // A skip's reason belongs to the skip; a later retry's row has none.
      skipReason: notice.status === 'skipped' ? row.skip_reason : null,
      ruleId: row.rule_id, ruleName: row.rule_name ?? '(deleted rule)', ruleVersion: row.rule_version,
      testing: row.result?.testing === true,
      eventId: row.event_id, eventType: row.event_type, entityType: row.entity_type, entityId: row.entity_id, depth: row.depth,
      failedAction: notice.status === 'failed' ? row.failed_action : null, error: notice.status === 'failed' ? row.error : null,
      result: row.result, occurredAt: FINAL.includes(notice.status) ? (row.finished_at ?? row.started_at) : row.started_at,
    });
  }
  return updates;
}

/** Status changes written since `since` (database clock), for the catch-up after a lost connection. */
export async function recentExecutionNotices(client: pg.Client, since: Date): Promise<ExecutionNotice[]> {
  const { rows } = await client.query<{ id: string; status: string; attempt: number }>(
    `SELECT id, status, attempt FROM automation_executions WHERE greatest(started_at, coalesce(finished_at, started_at)) > $1
      ORDER BY greatest(started_at, coalesce(finished_at, started_at)), id LIMIT 10000`, [since]);
  return rows.map((r) => ({ executionId: r.id, status: r.status, attempt: r.attempt }));
}

export const mayReadExecutions = (viewer: Viewer) => viewer.permissions.includes(EXECUTIONS_READ_PERMISSION);
