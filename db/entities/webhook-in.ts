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
    /** received, processed, ignored (no effect: duplicate, out of order, not handled), failed */
    status: p.text().default('received'),
    error: p.text().nullable(),
    /** The provider's event id. */
    idempotencyKey: p.text().nullable(),
    /** Deliveries to the entity's workflow so far (a worker's delivery loop, the sweep, a reprocess). */
    attempts: p.integer().default(0),
    signalledAt: timestamptz().nullable(),
    /** Until when a worker's delivery loop holds the row (it is signalling it); a dead worker's claim expires. */
    deliveryClaimedUntil: p.datetime().columnType('timestamptz(3)').nullable(),
    /** The entity the event was delivered to. */
    entityType: p.text().nullable(),
    entityId: p.uuid().nullable(),
  },
  uniques: [{ properties: ['integration', 'idempotencyKey'] }],
  indexes: [
    { name: 'idx_webhooks_in_integration', properties: ['integration', 'receivedAt'] },
    { name: 'idx_webhooks_in_status', properties: ['status', 'receivedAt'] },
  ],
});
export type WebhookIn = InferEntity<typeof WebhookIn>;
