import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, timestamptz, uuidPk } from './columns.ts';
import { User } from './user.ts';

/** A time an operator is on shift (assign_operator's next_available picks among those on shift now). */
export const OperatorShift = defineEntity({
  name: 'OperatorShift',
  tableName: 'operator_shifts',
  properties: {
    id: uuidPk(),
    user: () => p.manyToOne(User).fieldName('user_id').deleteRule('cascade'),
    startsAt: timestamptz(),
    endsAt: timestamptz(),
    createdAt: createdAt(),
  },
  indexes: [{ name: 'idx_operator_shifts_user', properties: ['user', 'endsAt'] }],
});
export type OperatorShift = InferEntity<typeof OperatorShift>;
