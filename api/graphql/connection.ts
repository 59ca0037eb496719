/**
 * Relay-style cursor pagination over (created_at, id): stable under inserts, and the cursor
 * is opaque to clients. Used by every list.
 */
import { invalidRequest } from '../../domain/errors.ts';

export interface Cursor {
  readonly createdAt: Date;
  readonly id: string;
}

export const MAX_PAGE_SIZE = 100;

export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
}

/** VALIDATION for a cursor this API did not issue (every list's, whatever its key). */
export const badCursor = () => invalidRequest('The cursor is not one this API issued.', { field: 'after' });

export function decodeCursor(cursor: string): Cursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    if (typeof id !== 'string' || Number.isNaN(date.getTime())) throw new Error('bad cursor');
    return { createdAt: date, id };
  } catch {
    throw badCursor();
  }
}

/** The keyset condition after a cursor, for lists ordered by (key desc, id desc). */
export function afterCursor(after: string | null | undefined, key = 'createdAt'): Record<string, unknown> | undefined {
  if (!after) return undefined;
  const c = decodeCursor(after);
  return { $or: [{ [key]: { $lt: c.createdAt } }, { [key]: c.createdAt, id: { $lt: c.id } }] };
}

export function pageSize(first: number | null | undefined): number {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw invalidRequest(`first must be between 1 and ${MAX_PAGE_SIZE}.`, { field: 'first' });
  }
  return size;
}

/**
 * A connection over `size + 1` rows ordered by (key desc, id desc): the extra row only says there
 * is a next page. The key is created_at unless the list orders by another instant.
 */
export function toConnection<T extends { id: string }>(rows: T[], size: number, keyOf: (row: T) => Date = (row) => (row as T & { createdAt: Date }).createdAt) {
  const page = rows.slice(0, size);
  const cursor = (row: T) => encodeCursor({ createdAt: keyOf(row), id: row.id });
  return {
    edges: page.map((node) => ({ cursor: cursor(node), node })),
    pageInfo: { hasNextPage: rows.length > size, endCursor: page.length ? cursor(page[page.length - 1] as T) : null },
  };
}
