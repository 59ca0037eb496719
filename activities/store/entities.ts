/** Which row each lifecycle entity type lives in. */
import type { LifecycleEntityType } from '../../domain/lifecycles.ts';
import { Booking, Exception, Inquiry, Task } from '../../db/entities/index.ts';

export const LIFECYCLE_ENTITIES = { inquiry: Inquiry, booking: Booking, task: Task, exception: Exception } as const;

export type LifecycleRow = Inquiry | Booking | Task | Exception;

export function entityOf(entityType: LifecycleEntityType) {
  return LIFECYCLE_ENTITIES[entityType];
}
