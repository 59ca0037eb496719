/**
 * Delivery of one outbound message or one outgoing webhook: the send runs as an activity on the
 * `ops` queue with seed §9's policy (60 s, 5 attempts, 5 s … 80 s backoff); when the attempts
 * are spent (or a non-retryable refusal comes back) the row is marked failed with the last error.
 * The activities count attempts and skip rows no longer pending, so a repeated run sends nothing.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import { activityQueueOptions } from '../task-queues.ts';
import type { DeliveryActivities, DeliveryOutcome, MessageDeliveryInput, WebhookDeliveryInput } from './messages.ts';

const delivery = proxyActivities<DeliveryActivities>(activityQueueOptions.ops);

/** The most specific reason a failed activity gives (its own failure's message, not the wrapper's). */
function reasonOf(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message || error.message;
  if (error instanceof ApplicationFailure || error instanceof Error) return error.message;
  return String(error);
}

async function deliver(send: () => Promise<DeliveryOutcome>, recordFailed: (reason: string) => Promise<void>): Promise<DeliveryOutcome> {
  try {
    return await send();
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const reason = reasonOf(error);
    await recordFailed(reason);
    return { status: 'failed', error: reason };
  }
}

export async function messageDelivery(input: MessageDeliveryInput): Promise<DeliveryOutcome> {
  return deliver(() => delivery.sendMessage(input.messageId), (reason) => delivery.recordMessageFailed(input.messageId, reason));
}

export async function webhookDelivery(input: WebhookDeliveryInput): Promise<DeliveryOutcome> {
  return deliver(() => delivery.postWebhook(input.webhookId), (reason) => delivery.recordWebhookFailed(input.webhookId, reason));
}
