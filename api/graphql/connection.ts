/**
 * Relay-style cursor pagination over (created_at, id): stable under inserts, and the cursor
 * is opaque to clients. Used by every list.
 */
import type { EntityManager, EntityName, FilterQuery } from '@mikro-orm/postgresql';
import { invalidRequest } from '../../domain/errors.ts';

export interface Cursor {
  readonly createdAt: Date;
  readonly id: string;
}

export const MAX_PAGE_SIZE = 100;
/** The page of a list asked for without `first`. */
export const DEFAULT_PAGE_SIZE = 20;

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
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw invalidRequest(`first must be between 1 and ${MAX_PAGE_SIZE}.`, { field: 'first' });
  }
  return size;
}

/** PageInfo of the Relay cursor connections spec, for a forward page (first / after). */
export interface PageInfo {
  readonly hasPreviousPage: boolean;
  readonly hasNextPage: boolean;
  readonly startCursor: string | null;
  readonly endCursor: string | null;
}

/**
 * The page's PageInfo from its cursors. Lists page forward only, so hasPreviousPage answers as the
 * spec allows for `after`: a page asked for after a cursor has items before it (the one at that
 * cursor at least), the first page has none; no extra query.
 */
export function pageInfoOf(cursors: readonly string[], hasNextPage: boolean, after: string | null | undefined): PageInfo {
  return {
    hasPreviousPage: Boolean(after),
    hasNextPage,
    startCursor: cursors[0] ?? null,
    endCursor: cursors[cursors.length - 1] ?? null,
  };
}

/**
 * A connection over `size + 1` rows ordered by (key desc, id desc): the extra row only says there
 * is a next page. `after` is the cursor the page was asked for after (PageInfo.hasPreviousPage).
 * The key is created_at unless the list orders by another instant.
 */
export function toConnection<T extends { id: string }>(
  rows: T[], size: number, after: string | null | undefined,
  keyOf: (row: T) => Date = (row) => (row as T & { createdAt: Date }).createdAt,
) {
  const edges = rows.slice(0, size).map((node) => ({ cursor: encodeCursor({ createdAt: keyOf(node), id: node.id }), node }));
  return { edges, pageInfo: pageInfoOf(edges.map((e) => e.cursor), rows.length > size, after) };
}

/** A list's paging arguments, as every connection field takes them. */
export interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
}

/** One AND-ed condition of a list's filter. */
export type Condition = Record<string, unknown>;

/** Adds a condition to a list's filter; an absent one (a filter not asked for) adds nothing. */
export type Where = (condition: Condition | undefined) => void;

/** How a list is read beyond its filter. */
export interface PageOptions<T> {
  /** The instant the list orders by, newest first; created_at unless said. */
  readonly key?: keyof T & string;
  /** Relations loaded with each row, and (populateWhere) whether the filter narrows them. */
  readonly populate?: readonly string[];
  readonly populateWhere?: 'all' | 'infer';
  /** Rows read afresh from the database, not from the request's identity map. */
  readonly refresh?: boolean;
}

/**
 * One page of an entity list, newest first by (key, id): `first` is checked, the list's own
 * filter built, the cursor's keyset condition added, `first + 1` rows fetched and shaped into a
 * connection. The filter is a callback so that its input errors come after `first`'s and before
 * the cursor's.
 */
export async function pageOf<T extends { id: string }>(
  em: EntityManager, entity: EntityName<T>, args: PageArgs,
  filter: (where: Where) => void | Promise<void> = () => undefined, options: PageOptions<T> = {},
) {
  const size = pageSize(args.first);
  const { key = 'createdAt', ...find } = options;
  const conditions: Condition[] = [];
  const where: Where = (condition) => { if (condition) conditions.push(condition); };
  await filter(where);
  where(afterCursor(args.after, key));
  const rows: T[] = await em.find(entity, { $and: conditions } as FilterQuery<T>, {
    ...find, populate: find.populate as never, orderBy: { [key]: 'desc', id: 'desc' } as never, limit: size + 1,
  });
  return toConnection(rows, size, args.after, (row) => row[key as keyof T] as Date);
}
