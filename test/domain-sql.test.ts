/**
 * SQL that cannot import domain/ (committed migrations are history) must still agree with it:
 * the partial indexes the Action Center relies on cover exactly the open work-item statuses, and
 * the double-booking constraint exactly the time-holding booking statuses.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DOUBLE_BOOKING_CONSTRAINT, TIME_HOLDING_STATUSES } from '../domain/booking.ts';
import { OPEN_EXCEPTION_STATUSES, OPEN_TASK_STATUSES } from '../domain/lifecycles.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ worker: false });
});
afterAll(() => platform.stop());

/** The status literals of an index's WHERE clause, as PostgreSQL reports it. */
async function indexStatuses(name: string): Promise<string[]> {
  const [row] = await platform.sql<{ def: string }>('SELECT indexdef AS def FROM pg_indexes WHERE indexname = ?', [name]);
  expect(row).toBeDefined();
  const where = row!.def.slice(row!.def.indexOf('WHERE'));
  return [...where.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!);
}

describe('SQL lists agree with domain/', () => {
  test('open tasks index', async () => {
    expect((await indexStatuses('idx_tasks_open_assignee')).sort()).toEqual([...OPEN_TASK_STATUSES].sort());
  });
  test('the double-booking exclusion constraint covers exactly the time-holding booking statuses', async () => {
    const [row] = await platform.sql<{ def: string }>('SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = ?', [DOUBLE_BOOKING_CONSTRAINT]);
    expect(row?.def).toContain('EXCLUDE USING gist (model_id WITH =');
    const where = row!.def.slice(row!.def.indexOf('WHERE'));
    expect([...where.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!).sort()).toEqual([...TIME_HOLDING_STATUSES].sort());
  });
  test('open exceptions index', async () => {
    expect((await indexStatuses('idx_exceptions_open_assignee')).sort()).toEqual([...OPEN_EXCEPTION_STATUSES].sort());
  });
});
