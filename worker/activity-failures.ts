/**
 * Notes activity attempts that failed, and retries as they begin, for the Stuck work view
 * (db/activity-failures.ts says why); clears the note when the activity succeeds. A retry is noted
 * as it begins because an attempt that timed out or died with its worker never throws here.
 * Noting never changes the activity's outcome: a database error is logged and the activity's own
 * result or error goes on. Cancellations are not failures.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { clearActivityAttempt, noteActivityAttempt, type ActivityAttempt } from '../db/activity-failures.ts';
import type { Logger } from '../platform/logger.ts';

export function activityFailureNotes(orm: MikroORM, logger: Logger): ActivityInterceptorsFactory {
  const quietly = async (what: string, write: () => Promise<void>) => {
    try {
      await write();
    } catch (error) {
      logger.warn({ err: error }, `could not ${what} an activity attempt for the Stuck work view`);
    }
  };
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const { info } = ctx;
        const run = info.workflowExecution;
        if (!run) return next(input);
        const attempt: ActivityAttempt = {
          workflowId: run.workflowId, runId: run.runId, activityId: info.activityId,
          activityType: info.activityType, taskQueue: info.taskQueue, attempt: info.attempt,
        };
        if (info.attempt > 1) await quietly('note', () => noteActivityAttempt(orm.em.fork(), attempt));
        try {
          const result = await next(input);
          if (info.attempt > 1) await quietly('clear', () => clearActivityAttempt(orm.em.fork(), attempt));
          return result;
        } catch (error) {
          if (!(error instanceof CancelledFailure)) await quietly('note', () => noteActivityAttempt(orm.em.fork(), attempt));
          throw error;
        }
      },
    },
  });
}
