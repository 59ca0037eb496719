/**
 * The delivery workflows' contract: one workflow per outbound message and per outgoing webhook,
 * with an id derived from the row (itself derived from the idempotency key), so a retried
 * request can never start a second delivery of the same thing.
 */

export const messageDeliveryWorkflowType = 'messageDelivery';
export const webhookDeliveryWorkflowType = 'webhookDelivery';

export const messageWorkflowId = (messageId: string) => `message:${messageId}`;
export const webhookWorkflowId = (webhookId: string) => `webhook-out:${webhookId}`;

export interface MessageDeliveryInput {
  readonly messageId: string;
}

export interface WebhookDeliveryInput {
  readonly webhookId: string;
}

/** How a delivery ended: sent (or found already sent / no longer pending), or failed with the last error. */
export interface DeliveryOutcome {
  readonly status: 'sent' | 'failed' | 'skipped';
  readonly error?: string | undefined;
}

/** The activities a delivery workflow runs (activities/delivery/ implements them, on the `ops` queue). */
export interface DeliveryActivities {
  /** One attempt: counts it, sends, records the provider id; throws (retryably or not) on failure. */
  sendMessage(messageId: string): Promise<DeliveryOutcome>;
  /** After the last attempt: the message is failed, with the last error. */
  recordMessageFailed(messageId: string, error: string): Promise<void>;
  /** One signed POST: counts it, records the receiver's status; throws on failure. */
  postWebhook(webhookId: string): Promise<DeliveryOutcome>;
  recordWebhookFailed(webhookId: string, error: string): Promise<void>;
}
