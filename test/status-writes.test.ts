/**
 * "Every status change goes through the entity's workflow", proven against the real database:
 * a trigger on inquiries, bookings, tasks and exceptions (Migration20261130093000) refuses an
 * UPDATE that changes `status` and an INSERT in any status but the lifecycle's initial one,
 * unless the transaction set `virel.lifecycle_store`, which only the lifecycle store's transition
 * statement (activities/store/transitions.ts) does. However the SQL is spelt (a literal, a
 * template string, an ORM flush), a write from anywhere else is refused and changes nothing.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { CHANGES_CHANNEL, parseChangeNotice, type ChangeNotice } from '../db/change-log.ts';
import { Booking } from '../db/entities/index.ts';
import { bookingLifecycle, exceptionLifecycle, inquiryLifecycle, taskLifecycle } from '../domain/lifecycles.ts';
import { PROJECT_ROOT } from '../launcher/temporal-binaries.ts';
import { bookingDraft, demoReferences, startBooking, startInquiry, transition } from './support/lifecycles.ts';
import { withFreshModel } from './support/models.ts';
import { startTestPlatform, testEnv, type TestPlatform } from './support/platform.ts';

const SETTING = 'virel.lifecycle_store';
const REFUSED = /lifecycle status write refused/;

let platform: TestPlatform;
let db: pg.Client;
let refs: Awaited<ReturnType<typeof demoReferences>>;

beforeAll(async () => {
  platform = await startTestPlatform();
  refs = await demoReferences(platform.orm);
  db = new pg.Client({ connectionString: testEnv().databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await platform?.stop();
});

const statusOf = async (table: string, id: string) => (await db.query<{ status: string }>(`SELECT status FROM ${table} WHERE id = $1`, [id])).rows[0]?.status;

/** The message a statement failed with (it must fail). */
async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the write was not refused');
}

/** Runs `work` in a transaction that is always rolled back (nothing lingers for other suites). */
async function rolledBack(work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  await db.query('BEGIN');
  try {
    await work(db);
  } finally {
    await db.query('ROLLBACK');
  }
}

describe('the database refuses status writes outside the lifecycle store', () => {
  test("a plain UPDATE of a booking's status is refused with the trigger's message and changes nothing", async () => {
    const draft = bookingDraft(refs, 3 * 24 * 3600_000);
    await startBooking(platform.temporal, draft);
    const message = await refusal(() => db.query(`UPDATE bookings SET status = 'confirmed' WHERE id = $1`, [draft.id]));
    expect(message).toMatch(REFUSED);
    expect(message).toContain(`bookings ${draft.id} may change status (draft to confirmed) only through its workflow`);
    expect(await statusOf('bookings', draft.id)).toBe('draft');

    // Spelt so that no scan of the source would see it: refused all the same.
    const [table, column] = [['book', 'ings'].join(''), String.fromCharCode(115, 116, 97, 116, 117, 115)];
    for (const target of ['pending', 'cancelled']) {
      expect(await refusal(() => db.query(`UPDATE ${table} SET ${column} = $1, updated_at = now() WHERE id = $2`, [target, draft.id]))).toMatch(REFUSED);
    }
    // Through the ORM (an entity's `status` assigned and flushed): refused too.
    const em = platform.orm.em.fork();
    const booking = await em.findOneOrFail(Booking, { id: draft.id });
    Object.assign(booking, { status: 'confirmed' });
    expect(await refusal(() => em.flush())).toMatch(REFUSED);
    expect(await statusOf('bookings', draft.id)).toBe('draft');
  });

  test('an UPDATE that leaves status as it is, or touches other columns, is allowed', async () => {
    const { created } = await startInquiry(platform.temporal);
    await rolledBack(async (client) => {
      await client.query(`UPDATE inquiries SET status = status, subject = 'edited' WHERE id = $1`, [created.entityId]);
      expect(await statusOf('inquiries', created.entityId)).toBe('new');
    });
  });

  test('an INSERT in a status other than the initial one is refused; in the initial one it is allowed', async () => {
    const message = await refusal(() => rolledBack((client) => client.query(`
      INSERT INTO bookings (ref, client_id, model_id, location_id, start_at, end_at, price_total, status)
      VALUES ('B-GUARD-1', $1, $2, $3, now() + interval '1 day', now() + interval '26 hours', 400, 'confirmed')`, [refs.client_id, refs.model_id, refs.location_id])));
    expect(message).toMatch(REFUSED);
    expect(message).toContain('a new row of bookings starts as draft, not confirmed');
    expect(await refusal(() => rolledBack((client) => client.query(`INSERT INTO inquiries (ref, source, status) VALUES ('I-GUARD-1', 'web', 'qualified')`)))).toMatch(REFUSED);
    expect(await refusal(() => rolledBack((client) => client.query(`
      INSERT INTO tasks (ref, type, subject, entity_type, entity_id, status) VALUES ('T-GUARD-1', 'follow_up', 'x', 'booking', gen_random_uuid(), 'done')`)))).toMatch(REFUSED);
    expect(await refusal(() => rolledBack((client) => client.query(`
      INSERT INTO exceptions (ref, type, severity, summary, entity_type, entity_id, status) VALUES ('E-GUARD-1', 'mismatch', 'low', 'x', 'booking', gen_random_uuid(), 'resolved')`)))).toMatch(REFUSED);
    expect((await db.query(`SELECT 1 FROM bookings WHERE ref = 'B-GUARD-1' UNION ALL SELECT 1 FROM inquiries WHERE ref = 'I-GUARD-1'`)).rows).toEqual([]);

    // The initial status, given or defaulted, is how every row starts.
    await rolledBack(async (client) => {
      await client.query(`INSERT INTO inquiries (ref, source, status) VALUES ('I-GUARD-2', 'web', 'new')`);
      await client.query(`INSERT INTO inquiries (ref, source) VALUES ('I-GUARD-3', 'web')`);
      await client.query(`INSERT INTO tasks (ref, type, subject, entity_type, entity_id) VALUES ('T-GUARD-2', 'follow_up', 'x', 'booking', gen_random_uuid())`);
    });
  });

  test("the store's setting lasts one transaction only", async () => {
    const draft = bookingDraft(await withFreshModel(platform.orm, refs), 4 * 24 * 3600_000);
    await startBooking(platform.temporal, draft);
    await rolledBack(async (client) => {
      await client.query(`SELECT set_config($1, 'on', true)`, [SETTING]);
      await client.query(`UPDATE bookings SET status = 'pending' WHERE id = $1`, [draft.id]);
      expect(await statusOf('bookings', draft.id)).toBe('pending');
    });
    // The same connection, the next transaction: refused again.
    expect(await refusal(() => db.query(`UPDATE bookings SET status = 'pending' WHERE id = $1`, [draft.id]))).toMatch(REFUSED);
    expect(await statusOf('bookings', draft.id)).toBe('draft');
  });

  test("the store's transitions still work, writing the change log in the same statement", async () => {
    const listener = new pg.Client({ connectionString: testEnv().databaseUrl });
    await listener.connect();
    const notices: ChangeNotice[] = [];
    listener.on('notification', (message) => {
      const notice = message.channel === CHANGES_CHANNEL ? parseChangeNotice(message.payload ?? '') : undefined;
      if (notice) notices.push(notice);
    });
    await listener.query(`LISTEN ${CHANGES_CHANNEL}`);
    try {
      const draft = bookingDraft(await withFreshModel(platform.orm, refs), 5 * 24 * 3600_000);
      const { handle } = await startBooking(platform.temporal, draft);
      await transition(handle, 'pending', { reason: 'held for the client' });
      expect(await statusOf('bookings', draft.id)).toBe('pending');
      const [row] = (await db.query<Record<string, unknown>>(`
        SELECT a.action, a.before, a.after, a.metadata, e.id AS event_id, e.payload, t.payload AS timeline_payload, bt.payload AS booking_payload
          FROM audit_log a
          JOIN domain_events e ON e.entity_id = a.entity_id AND e.transition_id = a.transition_id
          JOIN entity_timeline t ON t.entity_id = a.entity_id AND t.transition_id = a.transition_id
          JOIN booking_timeline bt ON bt.booking_id = a.entity_id AND bt.event_type = 'booking.status_changed'
         WHERE a.entity_id = $1 AND a.action = 'STATUS_CHANGE'`, [draft.id])).rows;
      const [{ ref }] = (await db.query<{ ref: string }>('SELECT ref FROM bookings WHERE id = $1', [draft.id])).rows as [{ ref: string }];
      const payload = { from: 'draft', to: 'pending', old_status: 'draft', new_status: 'pending', reason: 'held for the client', ref };
      expect(row).toMatchObject({
        action: 'STATUS_CHANGE', before: { status: 'draft' }, after: { status: 'pending' }, metadata: { reason: 'held for the client' },
        payload, timeline_payload: payload, booking_payload: payload,
      });
      // NOTIFY is delivered after commit: wait for it briefly.
      for (let i = 0; i < 50 && !notices.some((n) => n.eventId === row!.event_id); i++) await new Promise((r) => setTimeout(r, 20));
      expect(notices).toContainEqual({ eventId: row!.event_id, eventType: 'booking.status_changed', entityType: 'booking', entityId: draft.id });

      const { handle: inquiry, created } = await startInquiry(platform.temporal);
      await transition(inquiry, 'qualified');
      expect(await statusOf('inquiries', created.entityId)).toBe('qualified');
    } finally {
      await listener.end();
    }
  });

  test("the trigger's initial statuses are the lifecycles' (domain/lifecycles.ts)", async () => {
    const { rows } = await db.query<{ table: string; definition: string }>(`
      SELECT c.relname AS table, pg_get_triggerdef(t.oid) AS definition
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = 'status_writes_guard'`);
    const initial = Object.fromEntries(rows.map((r) => [r.table, /virel_guard_status_write\('(\w+)'\)/.exec(r.definition)?.[1]]));
    const TABLES = { inquiry: 'inquiries', booking: 'bookings', task: 'tasks', exception: 'exceptions' } as const;
    expect(initial).toEqual(Object.fromEntries([inquiryLifecycle, bookingLifecycle, taskLifecycle, exceptionLifecycle].map((l) => [TABLES[l.entityType], l.initial])));
    for (const row of rows) expect(row.definition).toMatch(/BEFORE INSERT OR UPDATE OF status/);
  });
});

describe('the bypass', () => {
  // workflows/ keeps the lifecycle's own state and has no database access (eslint.config.js);
  // migrations define the trigger that reads the setting; tests and benches only check.
  const SKIP_DIRS = new Set(['node_modules', '.data', '.tools', '.git', 'test', 'bench', 'db/migrations', 'web/dist']);
  function sources(dir = PROJECT_ROOT): string[] {
    return readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      const rel = path.relative(PROJECT_ROOT, full);
      if (SKIP_DIRS.has(rel) || name.startsWith('.')) return [];
      if (statSync(full).isDirectory()) return sources(full);
      return /\.(ts|js|sql)$/.test(rel) && !rel.endsWith('.test.ts') ? [rel] : [];
    });
  }

  test('the setting is named only in the lifecycle store', () => {
    const files = sources();
    expect(files).toEqual(expect.arrayContaining(['activities/store/transitions.ts', 'db/change-log.ts', 'api/app.ts', 'launcher/main.ts']));
    const naming = files.filter((file) => /lifecycle_store/.test(readFileSync(path.join(PROJECT_ROOT, file), 'utf8')));
    expect(naming).toEqual(['activities/store/transitions.ts']);
    expect(readFileSync(path.join(PROJECT_ROOT, 'activities/store/transitions.ts'), 'utf8')).toMatch(/set_config\('\$\{LIFECYCLE_SETTING\}', 'on', true\)/);
  });
});
