/**
 * One rule execution for one event (seed §8), durable: begin (claim, guards, conditions), then
 * the rule's actions in order, each an activity on the `ops` queue with the seed §9 retry
 * policy; a `schedule_followup` is a durable timer here, then its action (dropped if its
 * subject moved on meanwhile). The first failed action ends the execution as failed at that
 * action, where a retry (a new run with the next attempt) starts again. A crash of the worker
 * resumes from history: a finished action is not run again, a started one is retried with the
 * same (execution, action) ids, which the commands de-duplicate.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { condition, proxyActivities, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { ActionRecord, AutomationActivities } from '../../activities/automation.ts';
import { SA_STATUS } from '../search-attributes.ts';
import { activityQueueOptions } from '../task-queues.ts';
import { subjectMovedSignal, type AutomationExecutionInput, type AutomationExecutionResult } from './messages.ts';

const engine = proxyActivities<AutomationActivities>(activityQueueOptions.ops);

const MINUTE = 60_000;

/** The message of an activity that gave up (its last failure's), for the execution's record. */
function messageOf(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  if (error instanceof ApplicationFailure || error instanceof Error) return error.message;
  return String(error);
}

export async function automationExecution(input: AutomationExecutionInput): Promise<AutomationExecutionResult> {
  // A status change of the follow-up's subject was dispatched: look again before the timer ends.
  let nudged = false;
  setHandler(subjectMovedSignal, () => {
    nudged = true;
  });
  const begun = await engine.beginExecution(input);
  if (begun.outcome !== 'run') {
    const status = begun.outcome === 'skipped' ? 'skipped' : 'finished';
    upsertSearchAttributes([{ key: SA_STATUS, value: begun.outcome === 'skipped' ? 'skipped' : begun.status }]);
    return { executionId: begun.executionId, status, ...(begun.outcome === 'skipped' ? { reason: begun.reason } : {}), actions: [] };
  }
  upsertSearchAttributes([{ key: SA_STATUS, value: begun.testing ? 'testing' : 'running' }]);
  setCurrentDetails(`Rule **${begun.ruleName}** (version ${begun.ruleVersion}${begun.testing ? ', testing' : ''}), execution ${begun.executionId}, attempt ${input.attempt}`);
  const done: ActionRecord[] = [];
  const base = { executionId: begun.executionId, testing: begun.testing, ruleName: begun.ruleName };
  for (let index = begun.startAt; index < begun.actions.length; index++) {
    const action = begun.actions[index] as (typeof begun.actions)[number];
    let record: ActionRecord;
    try {
      if (action.type === 'schedule_followup') {
        const params = action.params as { delay_minutes: number; action: (typeof begun.actions)[number] };
        let dropped: ActionRecord | null = null;
        if (!begun.testing) {
          const wakeAt = Date.now() + params.delay_minutes * MINUTE;
          const waiting = await engine.markWaiting({ executionId: begun.executionId, index, until: new Date(wakeAt).toISOString(), status: begun.subjectStatus });
          // The subject may have moved between begin and now, before any signal could find this execution waiting.
          if (waiting.moved) nudged = true;
          upsertSearchAttributes([{ key: SA_STATUS, value: 'waiting' }]);
          for (;;) {
            const remaining = wakeAt - Date.now();
            if (remaining <= 0 || !(await condition(() => nudged, remaining))) break;
            nudged = false;
            dropped = await engine.dropFollowupIfMoved({ ...base, index, action: params.action, status: begun.subjectStatus });
            if (dropped) break;
          }
          upsertSearchAttributes([{ key: SA_STATUS, value: 'running' }]);
        }
        record = dropped ?? await engine.runAction({ ...base, index, action: params.action, followupOf: { status: begun.subjectStatus } });
      } else {
        record = await engine.runAction({ ...base, index, action });
      }
    } catch (error) {
      // The action's retries are exhausted: a failed action, recorded, where a retry starts.
      record = { index, type: action.type, outcome: 'failed', detail: messageOf(error), at: new Date().toISOString() };
    }
    done.push(record);
    if (record.outcome === 'failed') {
      await engine.finishExecution({ executionId: begun.executionId, status: 'failed', failedAction: index, error: record.detail });
      upsertSearchAttributes([{ key: SA_STATUS, value: 'failed' }]);
      return { executionId: begun.executionId, status: 'failed', actions: done.map(({ index: i, type, outcome }) => ({ index: i, type, outcome })) };
    }
  }
  await engine.finishExecution({ executionId: begun.executionId, status: 'done' });
  upsertSearchAttributes([{ key: SA_STATUS, value: 'done' }]);
  return { executionId: begun.executionId, status: 'done', actions: done.map(({ index, type, outcome }) => ({ index, type, outcome })) };
}
