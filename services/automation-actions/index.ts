/** The action registry: every action type the engine runs, one module each. */
import type { ActionType } from '../../domain/automation-rules.ts';
import { addNote } from './add-note.ts';
import { assignOperator } from './assign-operator.ts';
import { callWebhook } from './call-webhook.ts';
import { createException } from './create-exception.ts';
import { createTask } from './create-task.ts';
import { scheduleFollowup } from './schedule-followup.ts';
import { sendMessage } from './send-message.ts';
import type { ActionModule } from './types.ts';
import { updateStatus } from './update-status.ts';

export const ACTIONS: Readonly<Record<ActionType, ActionModule<never>>> = {
  create_task: createTask as ActionModule<never>,
  create_exception: createException as ActionModule<never>,
  update_status: updateStatus as ActionModule<never>,
  assign_operator: assignOperator as ActionModule<never>,
  add_note: addNote as ActionModule<never>,
  send_message: sendMessage as ActionModule<never>,
  call_webhook: callWebhook as ActionModule<never>,
  schedule_followup: scheduleFollowup as ActionModule<never>,
};

/** Params parsed by the action's schema (defaults applied); throws the zod error. */
export function parseParams(type: ActionType, params: unknown): unknown {
  return (ACTIONS[type].params as unknown as { parse(v: unknown): unknown }).parse(params ?? {});
}

export type { ActionContext, ActionModule, ActionOutcome, ExecutionEvent, Subject } from './types.ts';
export { refusalOf, SUBJECTS } from './types.ts';

