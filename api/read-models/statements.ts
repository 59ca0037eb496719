/**
 * How the read models send their SQL: as named prepared statements ($1, $2 … bound, never inlined)
 * on the ORM's own pg pool. Each connection parses a statement once; after five executions
 * PostgreSQL may keep a generic plan, so a repeated read (the Action Center on every screen
 * refresh) skips parsing and most of its planning. MikroORM's `execute` would inline the parameters
 * into a fresh text every time, which PostgreSQL then parses and plans from scratch
 * (bench/graphql.ts BENCH_PROFILE=1 measures both).
 *
 * A statement's name is derived from its text, so one text always has one name on every
 * connection, and texts that differ (other kinds, another page shape) are other statements.
 */
import { createHash } from 'node:crypto';
import type { EntityManager, PostgreSqlConnection } from '@mikro-orm/postgresql';

/** Collects bound values; `bind` returns the placeholder to write in the SQL, in reading order. */
export class Params {
  readonly values: unknown[] = [];
  bind(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const names = new Map<string, string>();

function nameOf(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `virel_read_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
    // The texts are a bounded set of shapes; the bound keeps a bug from growing it without end.
    if (names.size > 5_000) names.clear();
    names.set(text, name);
  }
  return name;
}

/** Runs a read-only statement outside any transaction of `em` (as the read models always have). */
export async function queryRows<T>(em: EntityManager, text: string, params: Params): Promise<T[]> {
  const pool = await (em.getConnection() as PostgreSqlConnection).getNativeClient();
  const result = await pool.query({ name: nameOf(text), text, values: params.values });
  return result.rows as T[];
}
