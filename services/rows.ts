/**
 * Reading references off MikroORM rows without casts at every site: a many-to-one column is a
 * reference object (or null) whose id is always loaded.
 */
import { LIFECYCLE_ROWS, type Inquiry, type LifecycleRow } from '../db/entities/index.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import { canSee, type Principal } from '../domain/access.ts';
import { notFound } from '../domain/errors.ts';
import type { LifecycleEntityType } from '../domain/lifecycles.ts';
import { z } from 'zod';

/** The id behind a many-to-one reference, or null. */
export function idOf(reference: unknown): string | null {
  return (reference as { id?: string } | null | undefined)?.id ?? null;
}

export const assigneeIdOf = (row: { assignedTo?: unknown }): string | null => idOf(row.assignedTo);

export const isUuid = (id: string | null | undefined): id is string => typeof id === 'string' && z.uuid().safeParse(id).success;

/**
 * A lifecycle entity the principal may see, fresh from the database; NOT_FOUND otherwise
 * (outside the principal's policy reads the same as absent: it reveals nothing).
 */
export async function lifecycleRowInPolicy<T extends LifecycleEntityType>(
  em: EntityManager, principal: Principal, type: T, id: string,
): Promise<LifecycleRow> {
  const row = isUuid(id) ? ((await em.findOne(LIFECYCLE_ROWS[type] as typeof Inquiry, { id }, { refresh: true })) as LifecycleRow | null) : null;
  if (!row || !canSee(principal, assigneeIdOf(row))) throw notFound(type, id);
  return row;
}
