import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, uuidPk } from './columns.ts';

/** A processed `Idempotency-Key` request and its stored response. */
export const IdempotencyKey = defineEntity({
  name: 'IdempotencyKey',
  tableName: 'idempotency_keys',
  properties: {
    id: uuidPk(),
    key: p.text(),
    /** Caller (plain UUID, no foreign key); NULLs are distinct, so anonymous keys are not deduplicated. */
    userId: p.uuid().nullable(),
    operation: p.text(),
    requestHash: p.text(),
    response: p.json<unknown>().nullable(),
    createdAt: createdAt(),
  },
  uniques: [{ name: 'uq_idempotency_keys_user_key', properties: ['userId', 'key'] }],
});
export type IdempotencyKey = InferEntity<typeof IdempotencyKey>;
