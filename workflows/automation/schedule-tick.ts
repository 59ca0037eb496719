/**
 * A scheduled rule's firing (started by its Temporal Schedule): records the `schedule.tick`
 * event for the rule, keyed by this run's workflow id (one per scheduled time), so a retry
 * writes it once. The outbox dispatcher does the rest.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { AutomationActivities } from '../../activities/automation.ts';
import { activityQueueOptions } from '../task-queues.ts';
import type { ScheduleTickInput } from './messages.ts';

const engine = proxyActivities<AutomationActivities>(activityQueueOptions.ops);

export async function automationScheduleTick(input: ScheduleTickInput): Promise<void> {
  const info = workflowInfo();
  await engine.recordScheduleTick({ ruleId: input.ruleId, tickId: info.workflowId, scheduledAt: new Date(info.startTime).toISOString() });
}
