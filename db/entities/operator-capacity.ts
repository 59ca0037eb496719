import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamptz, updatedAt } from './columns.ts';
import { User } from './user.ts';

/**
 * An operator's cap on open work items (tasks and exceptions assigned to them), and when the
 * round robin last chose them: next_available takes the on-shift operator under cap who was
 * chosen longest ago.
 */
export const OperatorCapacity = defineEntity({
  name: 'OperatorCapacity',
  tableName: 'operator_capacity',
  properties: {
    user: () => p.oneToOne(User).primary().fieldName('user_id').deleteRule('cascade'),
    maxOpenItems: p.integer(),
    lastAssignedAt: timestamptz().nullable(),
    updatedAt: updatedAt(),
  },
});
export type OperatorCapacity = InferEntity<typeof OperatorCapacity>;
