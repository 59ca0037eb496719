/**
 * Scheduled rules (seed §8 `schedule`) on Temporal Schedules: one schedule per rule with a cron
 * (`automation-rule:<rule id>`, visible in the Temporal UI's Schedules), created, updated, paused
 * and deleted with the rule. Each firing starts a small workflow that writes a `schedule.tick`
 * event for the rule through the change log; the outbox dispatcher then runs the rule as for any
 * event (only the rule the tick names). `syncSchedule` runs after every save; `reconcileSchedules`
 * at every worker start repairs a save whose schedule call was lost in a crash.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { DISPATCHED_RULE_STATUSES, type RuleStatus } from '../domain/automation-rules.ts';
import { automationScheduleTickWorkflowType, scheduleIdOf, type ScheduleTickInput } from '../workflows/automation/messages.ts';
import { BACKGROUND_TASK_QUEUE } from '../workflows/task-queues.ts';

export interface ScheduledRule {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly schedule?: string | null | undefined;
}

async function describeOrNull(client: Client, scheduleId: string) {
  try {
    return await client.schedule.getHandle(scheduleId).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return null;
    throw error;
  }
}

/** Makes the rule's Temporal Schedule match the rule: exists iff it has a cron, paused unless the rule is dispatched. */
export async function syncSchedule(client: Client, rule: ScheduledRule): Promise<void> {
  const scheduleId = scheduleIdOf(rule.id);
  const existing = await describeOrNull(client, scheduleId);
  if (!rule.schedule) {
    if (existing) await client.schedule.getHandle(scheduleId).delete();
    return;
  }
  const paused = !DISPATCHED_RULE_STATUSES.includes(rule.status as RuleStatus);
  const args: [ScheduleTickInput] = [{ ruleId: rule.id }];
  const action = { type: 'startWorkflow' as const, workflowType: automationScheduleTickWorkflowType, taskQueue: BACKGROUND_TASK_QUEUE, args, staticSummary: `Tick of rule "${rule.name}"` };
  const note = paused ? `rule is ${rule.status}` : 'rule active';
  if (!existing) {
    await client.schedule.create({ scheduleId, spec: { cronExpressions: [rule.schedule] }, action, state: { paused, note } });
    return;
  }
  await client.schedule.getHandle(scheduleId).update((previous) => ({
    ...previous, spec: { cronExpressions: [rule.schedule as string] }, action, state: { ...previous.state, paused, note },
  }));
}

/** Every rule's schedule brought in line (worker start). */
export async function reconcileSchedules(em: EntityManager, client: Client): Promise<number> {
  const rules = await em.getConnection().execute<Array<{ id: string; name: string; status: string; schedule: string | null }>>(
    `SELECT id, name, status, schedule FROM automation_rules WHERE schedule IS NOT NULL
     UNION ALL SELECT v.rule_id, r.name, r.status, NULL FROM automation_rule_versions v JOIN automation_rules r ON r.id = v.rule_id
      WHERE r.schedule IS NULL AND v.definition->>'schedule' IS NOT NULL GROUP BY v.rule_id, r.name, r.status`);
  for (const rule of rules) await syncSchedule(client, rule);
  return rules.length;
}
