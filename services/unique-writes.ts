/**
 * Unique violations as CONFLICT: two requests racing past a service's pre-check (or a write with
 * no pre-check) hit the database's unique constraint; the caller gets CONFLICT naming the field,
 * never an internal error.
 */
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { conflict } from '../domain/errors.ts';

/**
 * Runs a write; a unique violation becomes CONFLICT on the field whose constraint name it
 * matches, with that field's message.
 */
export async function uniquely<T>(write: () => Promise<T>, fields: Readonly<Record<string, string>>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
    const text = error.message;
    const field = Object.keys(fields).find((f) => text.includes(`_${snake(f)}_`) || text.includes(`_${snake(f)}"`) || text.includes(`(${snake(f)})`));
    throw conflict(field ? (fields[field] as string) : 'That would duplicate an existing record.', field);
  }
}

const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
