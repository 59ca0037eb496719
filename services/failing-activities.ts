/**
 * Failing activities, from Temporal (the Stuck work view of ops managers): running workflows whose
 * pending activities have failed at least once and are being retried (attempt > 1, or a last
 * failure recorded), each with its workflow, what the activity is, how often it has tried and why
 * it last failed.
 *
 * Temporal's visibility store does not index pending activities, so there is no query for them,
 * and describing every running workflow does not scale (every inquiry, booking and task is one).
 * The worker notes each failed attempt and each retry as it begins (worker/activity-failures.ts,
 * db/activity-failures.ts); only the noted workflows are described here
 * (DescribeWorkflowExecution, `pendingActivities`), a few at a time, up to a bound, and what is
 * shown is what Temporal reports now. Notes Temporal no longer confirms (the activity succeeded
 * elsewhere, gave up, or its workflow closed) are forgotten on the way. The report says how many
 * workflows it described and whether that was all the noted ones.
 * Local activities (the lifecycles' store writes) run inside a workflow task and are not pending
 * activities; when they fail, the workflow task fails and Temporal shows that on the workflow.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { forgetSettledAttempts, notedWorkflows, type NotedWorkflow } from '../db/activity-failures.ts';
import { assertPermission, hasPermission } from '../domain/access.ts';
import { maskContactsInText } from '../domain/masking.ts';
import { SA_ENTITY_TYPE, SA_REF } from '../workflows/search-attributes.ts';
import type { Caller, ServiceDeps } from './context.ts';

export interface FailingActivity {
  readonly workflowId: string;
  readonly runId: string;
  readonly workflowType: string;
  /** The lifecycle entity the workflow owns (its search attributes), if it is one. */
  readonly entityType: string | null;
  readonly ref: string | null;
  readonly activityId: string;
  readonly activityType: string;
  /** scheduled, started, cancel_requested (PendingActivityState without its prefix, lower case). */
  readonly state: string;
  /** The attempt now running or next; 2 after one failure. */
  readonly attempt: number;
  /** 0: unlimited. */
  readonly maximumAttempts: number;
  readonly lastFailure: string | null;
  readonly lastAttemptAt: Date | null;
  readonly nextAttemptAt: Date | null;
}

export interface FailingActivitiesReport {
  readonly activities: FailingActivity[];
  /** Workflows described (those with noted failed attempts). */
  readonly scannedWorkflows: number;
  /** False when more workflows were noted than were described (the bound was reached). */
  readonly complete: boolean;
}

/** Workflows described per call, at most: each is one DescribeWorkflowExecution. */
export const FAILING_ACTIVITY_SCAN_LIMIT = 500;
const CONCURRENCY = 8;
/** A note younger than this is kept even if Temporal does not show the failure yet (it may not have reached it). */
const NOTE_SETTLE_MS = 60_000;

type Timestamp = { seconds?: { toNumber(): number } | number | string | null; nanos?: number | null } | null | undefined;

function dateOf(ts: Timestamp): Date | null {
  if (!ts?.seconds) return null;
  const seconds = typeof ts.seconds === 'object' ? ts.seconds.toNumber() : Number(ts.seconds);
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6));
}

type Failure = { message?: string | null; cause?: Failure | null } | null | undefined;

/** The failure's message and those of its causes ("activity failed: connection refused"). */
function messageOf(failure: Failure): string | null {
  const parts: string[] = [];
  for (let f = failure; f && parts.length < 3; f = f.cause) if (f.message) parts.push(f.message);
  return parts.length ? parts.join(': ') : null;
}

const stateName = (state: number | string | null | undefined): string =>
  String(['unspecified', 'scheduled', 'started', 'cancel_requested', 'paused', 'pause_requested'][Number(state)] ?? state ?? 'unspecified');

export function createFailingActivitiesService(deps: Pick<ServiceDeps, 'temporal' | 'em'>) {
  const temporal: Client = deps.temporal;

  /** The run's failing pending activities; none when it has closed or is gone. */
  async function failingIn(run: NotedWorkflow, pii: boolean): Promise<FailingActivity[]> {
    let description: WorkflowExecutionDescription;
    try {
      description = await temporal.workflow.getHandle(run.workflowId, run.runId).describe();
    } catch {
      // Gone (retention) between the note and now: nothing pending any more.
      return [];
    }
    if (description.status.name !== 'RUNNING') return [];
    const pending = description.raw.pendingActivities ?? [];
    return pending
      .filter((a) => (a.attempt ?? 1) > 1 || a.lastFailure)
      .map((a) => {
        const failure = messageOf(a.lastFailure as Failure);
        return {
          workflowId: run.workflowId,
          runId: run.runId,
          workflowType: description.type,
          entityType: description.typedSearchAttributes.get(SA_ENTITY_TYPE) ?? null,
          ref: description.typedSearchAttributes.get(SA_REF) ?? null,
          activityId: a.activityId ?? '',
          activityType: a.activityType?.name ?? 'unknown',
          state: stateName(a.state as number),
          attempt: a.attempt ?? 1,
          maximumAttempts: a.maximumAttempts ?? 0,
          lastFailure: failure && !pii ? maskContactsInText(failure) : failure,
          lastAttemptAt: dateOf(a.lastAttemptCompleteTime as Timestamp) ?? dateOf(a.lastStartedTime as Timestamp),
          nextAttemptAt: dateOf(a.nextAttemptScheduleTime as Timestamp),
        };
      });
  }

  return {
    /**
     * Needs system.read. The most-retried first, then the longest failing. `first` bounds the
     * answer; the workflows described are bounded by FAILING_ACTIVITY_SCAN_LIMIT.
     */
    async list(caller: Caller, options: { first: number; scanLimit?: number }): Promise<FailingActivitiesReport> {
      assertPermission(caller.principal, 'system.read');
      const pii = hasPermission(caller.principal, 'pii.read');
      const limit = options.scanLimit ?? FAILING_ACTIVITY_SCAN_LIMIT;
      const noted = await notedWorkflows(deps.em, limit + 1);
      const runs = noted.slice(0, limit);
      const found: FailingActivity[] = [];
      for (let i = 0; i < runs.length; i += CONCURRENCY) {
        const batch = runs.slice(i, i + CONCURRENCY);
        const failing = await Promise.all(batch.map((run) => failingIn(run, pii)));
        await Promise.all(batch.map((run, j) => forgetSettledAttempts(deps.em, run, failing[j]!.map((a) => a.activityId), NOTE_SETTLE_MS)));
        found.push(...failing.flat());
      }
      found.sort((a, b) => b.attempt - a.attempt || (a.lastAttemptAt?.getTime() ?? 0) - (b.lastAttemptAt?.getTime() ?? 0));
      return { activities: found.slice(0, options.first), scannedWorkflows: runs.length, complete: noted.length <= limit };
    },
  };
}
