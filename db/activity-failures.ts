/**
 * The worker's notes of activity attempts that failed or are retries
 * (Migration20261130200000_activity_failures): where the Stuck work view starts looking, since
 * Temporal cannot be queried for pending activities. The notes only say which workflows to
 * describe; what the view shows is what Temporal reports now (services/failing-activities.ts).
 */
import type { EntityManager } from '@mikro-orm/postgresql';

export interface ActivityAttempt {
  readonly workflowId: string;
  readonly runId: string;
  readonly activityId: string;
  readonly activityType: string;
  readonly taskQueue: string;
  readonly attempt: number;
}

/** Notes an attempt that failed or a retry that began (why it failed is Temporal's to tell). */
export async function noteActivityAttempt(em: EntityManager, attempt: ActivityAttempt): Promise<void> {
  await em.getConnection().execute(
    `INSERT INTO activity_failures (workflow_id, run_id, activity_id, activity_type, task_queue, attempt)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (workflow_id, run_id, activity_id) DO UPDATE SET attempt = EXCLUDED.attempt, noted_at = now()`,
    [attempt.workflowId, attempt.runId, attempt.activityId, attempt.activityType, attempt.taskQueue, attempt.attempt],
  );
}

/** The activity succeeded: nothing to look at any more. */
export async function clearActivityAttempt(em: EntityManager, at: Pick<ActivityAttempt, 'workflowId' | 'runId' | 'activityId'>): Promise<void> {
  await em.getConnection().execute('DELETE FROM activity_failures WHERE workflow_id = ? AND run_id = ? AND activity_id = ?', [at.workflowId, at.runId, at.activityId]);
}

export interface NotedWorkflow {
  readonly workflowId: string;
  readonly runId: string;
}

/** The workflows with noted attempts, most recently noted first, at most `limit`. */
export async function notedWorkflows(em: EntityManager, limit: number): Promise<NotedWorkflow[]> {
  const rows = await em.getConnection().execute<Array<{ workflow_id: string; run_id: string }>>(
    `SELECT workflow_id, run_id FROM activity_failures GROUP BY workflow_id, run_id ORDER BY max(noted_at) DESC LIMIT ?`, [limit]);
  return rows.map((r) => ({ workflowId: r.workflow_id, runId: r.run_id }));
}

/**
 * Forgets the notes of a workflow run except the activities Temporal still shows failing, once
 * they are older than `settledMs`: a note written a moment ago may not have reached Temporal's
 * view of the activity yet.
 */
export async function forgetSettledAttempts(em: EntityManager, run: NotedWorkflow, stillFailing: readonly string[], settledMs: number): Promise<void> {
  await em.getConnection().execute(
    `DELETE FROM activity_failures WHERE workflow_id = ? AND run_id = ? AND NOT (activity_id = ANY(?::text[]))
       AND noted_at < now() - make_interval(secs => ?)`,
    [run.workflowId, run.runId, textArray(stillFailing), settledMs / 1000],
  );
}

/** A PostgreSQL text[] literal (the driver would expand a JavaScript array into a list). */
const textArray = (values: readonly string[]) => `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
