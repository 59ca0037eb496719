import { Migration } from '@mikro-orm/migrations';

/**
 * Where the Stuck work view starts looking for failing activities. Temporal's visibility store
 * cannot query pending activities, and describing every running workflow does not scale (each
 * inquiry, booking and task is one): the worker notes each activity attempt that failed, or that
 * is a retry, here (worker/activity-failures.ts), and the view describes only those workflows,
 * reporting what Temporal says now (its failure messages included: none is copied here). A row
 * is removed when its activity succeeds, or once Temporal no longer shows it failing.
 */
export class Migration20261130200000_activity_failures extends Migration {
  override name = 'Migration20261130200000_activity_failures';

  override up(): void {
    this.addSql(`CREATE TABLE activity_failures (
      workflow_id text NOT NULL,
      run_id text NOT NULL,
      activity_id text NOT NULL,
      activity_type text NOT NULL,
      task_queue text NOT NULL,
      attempt integer NOT NULL,
      noted_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (workflow_id, run_id, activity_id))`);
    this.addSql('CREATE INDEX idx_activity_failures_noted_at ON activity_failures (noted_at DESC)');
  }

  override down(): void {
    this.addSql('DROP TABLE activity_failures');
  }
}
