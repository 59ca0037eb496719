import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, timestamptz, updatedAt, uuidPk, type JsonObject } from './columns.ts';
import { Integration } from './integration.ts';

/**
 * Outgoing webhook (table `webhooks_out`): one row per idempotency key, delivered (signed) by its
 * own workflow on the `ops` queue; `deliveries` counts deliveries asked for (1 + redeliveries).
 */
export const WebhookOut = defineEntity({
  name: 'WebhookOut',
  tableName: 'webhooks_out',
  properties: {
    id: uuidPk(),
    /** The integration it belongs to; none for a rule's webhook to any URL. */
    integration: () => p.manyToOne(Integration).fieldName('integration_id').nullable().deleteRule('no action'),
    idempotencyKey: p.text().nullable().unique(),
    eventType: p.text(),
    targetUrl: p.text(),
    payload: p.json<JsonObject>(),
    createdAt: createdAt(),
    sentAt: timestamptz().nullable(),
    /** pending, sent, failed */
    status: p.text().default('pending'),
    attempts: p.integer().nullable().default(0),
    lastError: p.text().nullable(),
    /** The receiver's last HTTP status. */
    responseStatus: p.integer().nullable(),
    deliveries: p.integer().default(1),
    updatedAt: updatedAt(),
  },
  indexes: [{ name: 'idx_webhooks_out_status', properties: ['status', 'createdAt'] }],
});
export type WebhookOut = InferEntity<typeof WebhookOut>;
