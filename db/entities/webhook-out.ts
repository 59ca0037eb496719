import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, timestamptz, uuidPk, type JsonObject } from './columns.ts';
import { Integration } from './integration.ts';

/** Outgoing webhook (table `webhooks_out`). */
export const WebhookOut = defineEntity({
  name: 'WebhookOut',
  tableName: 'webhooks_out',
  properties: {
    id: uuidPk(),
    integration: () => p.manyToOne(Integration).fieldName('integration_id'),
    eventType: p.text(),
    targetUrl: p.text(),
    payload: p.json<JsonObject>(),
    createdAt: createdAt(),
    sentAt: timestamptz().nullable(),
    /** pending, sent, failed */
    status: p.text().default('pending'),
    attempts: p.integer().nullable().default(0),
    lastError: p.text().nullable(),
  },
  indexes: [{ name: 'idx_webhooks_out_status', properties: ['status', 'createdAt'] }],
});
export type WebhookOut = InferEntity<typeof WebhookOut>;
