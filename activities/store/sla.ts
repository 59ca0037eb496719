/**
 * SLA deadlines from `sla_policies` (per task/exception type, optionally per priority): when a
 * task or exception is created or reassigned its clock starts; on breach it is escalated as the
 * policy's `escalation` says.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Exception, SlaPolicy, type Task } from '../../db/entities/index.ts';
import { sqlList } from '../../domain/formats.ts';
import { PRIORITIES } from '../../domain/inquiry.ts';
import { OPEN_TASK_STATUSES } from '../../domain/lifecycles.ts';

export interface SlaTerms {
  readonly deadlineMinutes: number;
  readonly warningFraction: number;
  readonly escalation: Record<string, unknown>;
}

/** The most specific active policy: one for this priority first, then one for any priority. */
export async function findSlaPolicy(em: EntityManager, appliesTo: 'task_type' | 'exception_type', key: string, priority: string): Promise<SlaTerms | undefined> {
  const candidates = await em.find(SlaPolicy, { appliesTo, key, status: 'active', $or: [{ priority }, { priority: null }] });
  const policy = candidates.find((p) => p.priority === priority) ?? candidates.find((p) => p.priority === null);
  return policy
    ? { deadlineMinutes: policy.deadlineMinutes, warningFraction: Number(policy.warningFraction), escalation: policy.escalation ?? {} }
    : undefined;
}

export function slaTimes(terms: SlaTerms, from: Date): { slaDeadlineAt: Date; slaWarningAt: Date } {
  const ms = terms.deadlineMinutes * 60_000;
  return { slaDeadlineAt: new Date(from.getTime() + ms), slaWarningAt: new Date(from.getTime() + Math.round(ms * terms.warningFraction)) };
}

function policyKey(row: Task | Exception): ['task_type' | 'exception_type', string, string] {
  return 'severity' in row ? ['exception_type', row.type, row.severity] : ['task_type', row.type, row.priority];
}

/** Restarts the SLA clock of a task/exception (reassignment); a breached SLA stays breached. */
export async function restartSlaClock(em: EntityManager, row: Task | Exception, now: Date): Promise<Record<string, unknown>> {
  if (row.slaBreached) return {};
  const terms = await findSlaPolicy(em, ...policyKey(row));
  if (!terms) return {};
  const times = slaTimes(terms, now);
  row.slaDeadlineAt = times.slaDeadlineAt;
  row.slaWarningAt = times.slaWarningAt;
  return { slaDeadlineAt: times.slaDeadlineAt.toISOString(), slaWarningAt: times.slaWarningAt.toISOString() };
}

/** One level more urgent: low → normal → high → critical (severities: low → medium → high → critical). */
export function raised(level: string, scale: readonly string[]): string {
  const index = scale.indexOf(level);
  return index < 0 || index === scale.length - 1 ? level : (scale[index + 1] as string);
}

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export { PRIORITIES };

/** The ops manager with the fewest open tasks: who a breached item is escalated to. */
export async function pickOpsManager(em: EntityManager): Promise<string | null> {
  const rows = await em.getConnection().execute<Array<{ id: string }>>(
    `SELECT u.id FROM users u
       JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id AND r.code = 'OPS_MANAGER'
      WHERE u.status = 'active'
      ORDER BY (SELECT count(*) FROM tasks t WHERE t.assigned_to = u.id AND t.status IN (${sqlList(OPEN_TASK_STATUSES)})), u.created_at
      LIMIT 1`, [], 'all', em.getTransactionContext());
  return rows[0]?.id ?? null;
}
