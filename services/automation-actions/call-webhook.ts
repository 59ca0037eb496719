/**
 * call_webhook: an outgoing webhook through services/outgoing-webhooks.ts callWebhook (a
 * `webhooks_out` row, HMAC-SHA256 signed with a timestamp, delivered by its own workflow on the
 * `ops` queue with retries, redeliverable on demand). The idempotency key is the action's
 * request key (`automation:<execution id>:<action index>`): a retried activity or a re-run after
 * a crash finds the webhook it stored and delivers it once.
 *
 * The body's `data` is the rule's fixed `payload` fields plus what happened: the rule's name and
 * the event (id, type, entity, payload).
 */
import { z } from 'zod';
import type { ActionModule } from './types.ts';

const params = z.object({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000),
  /** The event name the receiver sees (X-Virel-Event); the trigger's event when absent. */
  event: z.string().regex(/^[a-z_]+(\.[a-z_]+)+$/, 'an event name such as booking.confirmed').max(100).optional(),
  /** Fixed fields added to the body's data (seed §8 `payload`). */
  payload: z.record(z.string(), z.unknown()).default({}),
}).strict();

export const callWebhook: ActionModule<z.infer<typeof params>> = {
  type: 'call_webhook',
  params,
  describe: (p) => `call the webhook ${new URL(p.url).origin}${p.event ? ` (${p.event})` : ''}`,
  async run(p, context) {
    const { event } = context;
    const called = await context.services.outgoingWebhooks.callWebhook(context.caller, {
      url: p.url, event: p.event ?? event.type, idempotencyKey: context.caller.requestKey as string,
      payload: { ...p.payload, rule: context.ruleName, event: { id: event.id, type: event.type, entity_type: event.entityType, entity_id: event.entityId, payload: event.payload } },
    });
    return { outcome: 'done', detail: `webhook ${called.webhookId} ${called.status} to ${new URL(p.url).origin}`, data: { webhookId: called.webhookId } };
  },
};
