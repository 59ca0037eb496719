import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, timestamptz, uuidPk } from './columns.ts';

/** A processed `Idempotency-Key` request and its stored response. */
export const IdempotencyKey = defineEntity({
  name: 'IdempotencyKey',
  tableName: 'idempotency_keys',
  properties: {
    id: uuidPk(),
    key: p.text(),
    /** The signed-in caller (plain UUID, no foreign key): keys are scoped per user. */
    userId: p.uuid(),
    operation: p.text(),
    requestHash: p.text(),
    /** The first result; NULL while the first request is still running. */
    response: p.json<unknown>().nullable(),
    /** Until when the running first request holds the key; its process renews it (NULL once answered). */
    leaseExpiresAt: timestamptz().nullable(),
    createdAt: createdAt(),
  },
  uniques: [{ name: 'uq_idempotency_keys_user_key', properties: ['userId', 'key'] }],
  indexes: [{ name: 'idx_idempotency_keys_created', properties: ['createdAt'] }],
});
export type IdempotencyKey = InferEntity<typeof IdempotencyKey>;
