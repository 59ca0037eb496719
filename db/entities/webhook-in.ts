import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamptz, uuidPk, type JsonObject } from './columns.ts';
import { Integration } from './integration.ts';

/** Incoming webhook (table `webhooks_in`). */
export const WebhookIn = defineEntity({
  name: 'WebhookIn',
  tableName: 'webhooks_in',
  properties: {
    id: uuidPk(),
    integration: () => p.manyToOne(Integration).fieldName('integration_id'),
    eventType: p.text(),
    headers: p.json<JsonObject>().nullable(),
    payload: p.json<JsonObject>(),
    receivedAt: timestamptz().defaultRaw('now()'),
    processedAt: timestamptz().nullable(),
    /** received, processed, failed */
    status: p.text().default('received'),
    error: p.text().nullable(),
    idempotencyKey: p.text().nullable(),
  },
  uniques: [{ properties: ['integration', 'idempotencyKey'] }],
  indexes: [
    { name: 'idx_webhooks_in_integration', properties: ['integration', 'receivedAt'] },
    { name: 'idx_webhooks_in_status', properties: ['status', 'receivedAt'] },
  ],
});
export type WebhookIn = InferEntity<typeof WebhookIn>;
