/**
 * A client's later message reaching its open inquiry (issue 12 item 4): the `clientReplied`
 * Signal, handled under the lifecycle's FIFO lock like any change. It records a timeline entry
 * and the `inquiry.client_replied` event (idempotent on the message id), and when the inquiry is
 * `awaiting_client` it starts a `client_replied` task for the inquiry's operator (unassigned if
 * it has none), which puts the reply in front of them in the Action Center. The status does not
 * change: the operator decides what the reply means.
 *
 * Signal handlers have no caller: a failure is logged and dropped (the message is stored; the
 * sweep does not re-signal a settled webhook).
 */
import { ParentClosePolicy, log, setHandler, startChild, uuid4 } from '@temporalio/workflow';
import type { InquiryStatus } from '../../domain/lifecycles.ts';
import type { LifecycleMachine } from '../lifecycle/core.ts';
import { notificationEvents } from '../lifecycle/store.ts';
import { SA_ENTITY_TYPE } from '../search-attributes.ts';
import { WORKFLOW_TASK_QUEUE } from '../task-queues.ts';
import { taskWorkflowId, taskWorkflowType, type TaskWorkflowInput } from '../work-item/messages.ts';
import { clientRepliedSignal, type ClientReply, type InquiryFacts } from './messages.ts';

type InquiryMachine = LifecycleMachine<InquiryStatus, InquiryFacts>;

export const CLIENT_REPLIED_TASK = 'client_replied';

async function handleReply(machine: InquiryMachine, reply: ClientReply): Promise<void> {
  const transitionId = `client-reply:${reply.messageId}`;
  if (machine.previous(transitionId)) return;
  const { entityId, ref, status, assigneeId } = machine.state;
  await notificationEvents.recordEvent({
    entityType: 'inquiry',
    entityId,
    eventType: 'inquiry.client_replied',
    transitionId,
    payload: { ref, message_id: reply.messageId, channel: reply.channel, excerpt: reply.excerpt, status, assigned_to: assigneeId, received_at: reply.receivedAt },
  });
  let taskId: string | undefined;
  if (status === 'awaiting_client') {
    taskId = uuid4();
    const input: TaskWorkflowInput = {
      task: {
        id: taskId, type: CLIENT_REPLIED_TASK, priority: 'high', entityType: 'inquiry', entityId,
        subject: `Client replied on ${ref ?? 'an inquiry'} (${reply.channel})`, assigneeId: assigneeId ?? undefined,
        details: { message_id: reply.messageId, channel: reply.channel, excerpt: reply.excerpt },
      },
      actor: { type: 'system' },
      requestId: transitionId,
    };
    await startChild(taskWorkflowType, {
      workflowId: taskWorkflowId(taskId),
      taskQueue: WORKFLOW_TASK_QUEUE,
      args: [input],
      // The task lives on after the inquiry's lifecycle closes.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [{ key: SA_ENTITY_TYPE, value: 'task' }],
      staticSummary: `Client replied on inquiry ${ref ?? entityId}`,
    });
  }
  machine.remember(transitionId, { entityId, transitionId, duplicate: false });
  log.info('client replied', { inquiryId: entityId, messageId: reply.messageId, taskId: taskId ?? null });
}

export function registerClientReplies(machine: InquiryMachine): void {
  setHandler(clientRepliedSignal, (reply) =>
    machine.exclusive(() => handleReply(machine, reply)).catch((error: unknown) => {
      log.error('client reply not recorded', { messageId: reply.messageId, error: String(error) });
    }));
}
