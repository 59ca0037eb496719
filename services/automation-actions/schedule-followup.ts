/**
 * schedule_followup: a durable delay, then its action. The delay is a timer in the execution's
 * workflow (workflows/automation/execution.ts); when it fires, the follow-up runs only if its
 * subject has not moved on: the event's entity must still be in the status it had when the
 * execution began (the deposit reminder is dropped once the deposit is paid or the inquiry is
 * lost). The inner action is checked like any other (and may not be a follow-up itself).
 */
import { z } from 'zod';
import { ACTION_TYPES } from '../../domain/automation-rules.ts';
import type { ActionModule } from './types.ts';

export const MAX_FOLLOWUP_MINUTES = 30 * 24 * 60;

const params = z.object({
  delay_minutes: z.number().int().min(1).max(MAX_FOLLOWUP_MINUTES),
  action: z.object({
    type: z.enum(ACTION_TYPES).refine((t) => t !== 'schedule_followup', 'a follow-up cannot schedule another follow-up'),
    params: z.record(z.string(), z.unknown()).default({}),
  }).strict(),
}).strict();

export type FollowupParams = z.infer<typeof params>;

export const scheduleFollowup: ActionModule<FollowupParams> = {
  type: 'schedule_followup',
  params,
  // The inner action is checked by the rule validator (services/automation-rules.ts), which knows the registry.
  describe: (p) => `after ${p.delay_minutes} min, unless the subject moved on: ${p.action.type}`,
  run() {
    // The workflow runs the timer and then the inner action's module (activities/automation.ts runAction).
    return Promise.reject(new Error('schedule_followup runs as a timer in the execution workflow, not as an activity'));
  },
};
