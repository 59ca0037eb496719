/**
 * Schema v3 as migrated into a real PostgreSQL: every table of seed §6, its indexes and
 * unique constraints, the added bookkeeping constraints, and the seeded reference/demo data.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { MikroORM } from '@mikro-orm/postgresql';
import { named, parseChangeNotice, writeChange, writeEvent } from '../db/change-log.ts';
import { ROLE_CODES, ROLES } from '../domain/access.ts';
import { openOrm } from '../db/orm.ts';
import { setupDatabase } from '../db/setup.ts';
import { sqlOf, testEnv, type TestPlatform } from './support/platform.ts';

let orm: MikroORM;
const sql: TestPlatform['sql'] = (query, params) => sqlOf(orm)(query, params);

beforeAll(async () => {
  orm = await openOrm(testEnv().databaseUrl);
});
afterAll(async () => {
  await orm?.close();
});

const SEED_TABLES = [
  'users', 'roles', 'permissions', 'role_permissions', 'user_roles',
  'models', 'model_stats', 'model_media', 'model_services', 'model_categories', 'model_attributes',
  'services', 'categories', 'attributes', 'attribute_values', 'locations', 'call_rates',
  'clients', 'inquiries', 'inquiry_matches', 'bookings', 'booking_services', 'booking_timeline',
  'availability_rules', 'availability_slots', 'availability_mismatches',
  'tasks', 'exceptions', 'sla_policies', 'payments',
  'integrations', 'webhooks_in', 'webhooks_out', 'audit_log', 'domain_events',
  'automation_rules', 'automation_executions',
];

const SEED_INDEXES = [
  'idx_users_email', 'idx_users_status', 'idx_models_slug', 'idx_models_status_visibility', 'idx_models_location',
  'idx_model_media_model', 'idx_model_media_primary', 'idx_clients_email', 'idx_clients_phone',
  'idx_inquiries_status_priority', 'idx_inquiries_assigned', 'idx_inquiries_created',
  'idx_inquiry_matches_inquiry', 'idx_inquiry_matches_model', 'idx_bookings_model_start', 'idx_bookings_client',
  'idx_bookings_status_start', 'idx_bookings_assigned', 'idx_booking_timeline',
  'idx_availability_slots_model', 'idx_availability_slots_status', 'idx_availability_mismatches_detected',
  'idx_availability_mismatches_model', 'idx_tasks_assigned_status', 'idx_tasks_status_sla', 'idx_tasks_entity',
  'idx_exceptions_status_severity', 'idx_exceptions_entity', 'idx_payments_booking',
  'idx_webhooks_in_integration', 'idx_webhooks_in_status', 'idx_webhooks_out_status',
  'idx_audit_log_entity', 'idx_audit_log_actor', 'idx_audit_log_created', 'idx_domain_events_type', 'idx_domain_events_published',
];

describe('schema v3', () => {
  test('every table of seed §6 exists, plus the platform bookkeeping tables', async () => {
    const rows = await sql<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
    const tables = rows.map((r) => r.table_name);
    for (const table of [...SEED_TABLES, 'entity_timeline', 'refresh_tokens', 'idempotency_keys']) expect(tables).toContain(table);
  });

  test('every index of seed §6 exists under its seed name', async () => {
    const rows = await sql<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`);
    const indexes = new Set(rows.map((r) => r.indexname));
    expect(SEED_INDEXES.filter((name) => !indexes.has(name))).toEqual([]);
  });

  test.each([
    ['inquiries', ['source', 'external_ref']],
    ['attribute_values', ['attribute_id', 'value']],
    ['payments', ['provider', 'provider_payment_id']],
    ['webhooks_in', ['integration_id', 'idempotency_key']],
    ['automation_executions', ['rule_id', 'event_id']],
    ['audit_log', ['entity_type', 'entity_id', 'transition_id']],
    ['domain_events', ['entity_type', 'entity_id', 'event_type', 'transition_id']],
    ['users', ['email']],
    ['models', ['public_code']],
  ])('%s is unique on (%s)', async (table, columns) => {
    const rows = await sql<{ columns: string[] }>(`
      SELECT array_agg(a.attname::text ORDER BY k.ord) AS columns
      FROM pg_constraint c
      CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
      WHERE c.conrelid = ?::regclass AND c.contype = 'u'
      GROUP BY c.oid`, [table]);
    expect(rows.map((r) => r.columns)).toContainEqual(columns);
  });

  test('a duplicate (source, external_ref) inquiry is refused by the database itself', async () => {
    const insert = `INSERT INTO inquiries (ref, source, external_ref) VALUES (?, 'web', 'uniq-check')`;
    const attempt = orm.em.fork().transactional(async (em) => {
      const connection = em.getConnection();
      await connection.execute(insert, ['I-T1'], 'run', em.getTransactionContext());
      await connection.execute(insert, ['I-T2'], 'run', em.getTransactionContext());
    });
    await expect(attempt).rejects.toThrow(/inquiries_source_external_ref_unique/);
    // The failed transaction left nothing behind.
    expect(await sql(`SELECT 1 FROM inquiries WHERE external_ref = 'uniq-check'`)).toEqual([]);
  });

  test('human-readable references come from per-kind sequences', async () => {
    const rows = await sql<{ sequencename: string; start_value: string }>(`SELECT sequencename, start_value FROM pg_sequences WHERE sequencename LIKE '%_ref_seq'`);
    expect(rows.map((r) => r.sequencename).sort()).toEqual(['booking_ref_seq', 'exception_ref_seq', 'inquiry_ref_seq', 'task_ref_seq']);
    expect(rows.every((r) => Number(r.start_value) === 1001)).toBe(true);
  });
});

describe('seeded data', () => {
  test('the seven roles of seed §2 with their permission codes, and a user for each', async () => {
    const roles = await sql<{ code: string; permissions: string[]; users: string }>(`
      SELECT r.code, array(SELECT p.code FROM role_permissions rp JOIN permissions p ON p.id = rp.permission_id WHERE rp.role_id = r.id ORDER BY p.code) AS permissions,
             (SELECT count(*) FROM user_roles ur WHERE ur.role_id = r.id) AS users
      FROM roles r WHERE r.code IN (?)`, [[...ROLE_CODES]]);
    expect(roles.map((r) => r.code).sort()).toEqual([...ROLE_CODES].sort());
    for (const role of roles) {
      expect(role.permissions).toEqual([...ROLES[role.code as keyof typeof ROLES].permissions].sort());
      expect(Number(role.users)).toBeGreaterThanOrEqual(1);
    }
  });

  test('passwords are stored as argon2id hashes only', async () => {
    const users = await sql<{ password_hash: string }>('SELECT password_hash FROM users');
    expect(users.length).toBeGreaterThanOrEqual(7);
    for (const user of users) expect(user.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  test("the seed's rules ship as data with their first version, all active", async () => {
    // The rules written by setup (other suites add their own through the API later).
    const rules = await sql<{ trigger: string; status: string; versions: string }>(
      `SELECT trigger, status, (SELECT count(*) FROM automation_rule_versions v WHERE v.rule_id = r.id AND v.version = r.version) AS versions
         FROM automation_rules r WHERE created_at = (SELECT min(created_at) FROM automation_rules) ORDER BY trigger`);
    expect(rules.map((r) => [r.trigger, r.status])).toEqual([
      ['booking.approaching', 'active'], ['inquiry.created', 'active'], ['inquiry.status_changed', 'active'], ['payment.failed', 'active'], ['payment.succeeded', 'active'],
    ]);
    expect(rules.every((r) => Number(r.versions) === 1)).toBe(true);
  });

  test('SLA policies cover the task and exception types, and demo catalogue exists', async () => {
    const [counts] = await sql<Record<string, string>>(`SELECT
      (SELECT count(*) FROM sla_policies WHERE applies_to = 'task_type') AS task_policies,
      (SELECT count(*) FROM sla_policies WHERE applies_to = 'exception_type') AS exception_policies,
      (SELECT count(*) FROM models) AS models, (SELECT count(*) FROM locations) AS locations,
      (SELECT count(*) FROM services) AS services, (SELECT count(*) FROM clients) AS clients`);
    for (const value of Object.values(counts ?? {})) expect(Number(value)).toBeGreaterThan(0);
  });

  test('setting up an already set-up database changes nothing', async () => {
    const before = await sql<{ n: string }>('SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM roles) + (SELECT count(*) FROM automation_rules) AS n');
    const result = await setupDatabase(orm, { seedDemoData: true, dataDir: testEnv().dataDir });
    expect(result).toMatchObject({ migrationsApplied: [], seeded: false });
    expect(result.credentials.length).toBeGreaterThanOrEqual(7);
    const after = await sql<{ n: string }>('SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM roles) + (SELECT count(*) FROM automation_rules) AS n');
    expect(after).toEqual(before);
  });
});

describe('the change log (db/change-log.ts)', () => {
  test('statements take named parameters; a placeholder without a value is an error, casts are left alone', () => {
    expect(named('SELECT :a::jsonb, :b, :a', { a: '{}', b: 2 })).toEqual({ sql: 'SELECT ?::jsonb, ?, ?', params: ['{}', 2, '{}'] });
    expect(() => named('SELECT :missing', {})).toThrow(/:missing/);
  });

  test('a notice is parsed into ids only; anything else is not a notice', () => {
    const notice = { eventId: randomUUID(), eventType: 'task.created', entityType: 'task', entityId: randomUUID() };
    expect(parseChangeNotice(JSON.stringify({ ...notice, extra: 1 }))).toEqual(notice);
    expect(parseChangeNotice('not json')).toBeUndefined();
    expect(parseChangeNotice(JSON.stringify({ eventId: 1 }))).toBeUndefined();
    expect(parseChangeNotice('null')).toBeUndefined();
  });

  test('one write per change: audit, timeline (+ booking_timeline), event; a repeated event writes nothing', async () => {
    const entityId = randomUUID();
    const rolledBack = new Error('rolled back');
    const attempt = orm.em.fork().transactional(async (em) => {
      const count = async () => {
        const [row] = await em.getConnection().execute<Array<Record<string, string>>>(`SELECT
          (SELECT count(*) FROM audit_log WHERE entity_id = ?) AS audit, (SELECT count(*) FROM entity_timeline WHERE entity_id = ?) AS timeline,
          (SELECT count(*) FROM domain_events WHERE entity_id = ?) AS events`, [entityId, entityId, entityId], 'all', em.getTransactionContext());
        return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
      };
      const change = { entityType: 'probe', entityId, transitionId: 't-1', actor: { type: 'system' } };
      const written = await writeChange(em, { ...change, audit: { action: 'UPDATE', before: { a: 1 }, after: { a: 2 } }, event: { type: 'probe.changed', payload: { a: 2 } } });
      expect(written.eventId).toEqual(expect.any(String));
      expect(await count()).toEqual({ audit: 1, timeline: 1, events: 1 });
      const [audit] = await em.getConnection().execute<Array<Record<string, unknown>>>(
        'SELECT actor_type, actor_user_id, action, before, after, metadata, transition_id FROM audit_log WHERE entity_id = ?', [entityId], 'all', em.getTransactionContext());
      expect(audit).toEqual({ actor_type: 'system', actor_user_id: null, action: 'UPDATE', before: { a: 1 }, after: { a: 2 }, metadata: null, transition_id: 't-1' });

      const event = { ...change, transitionId: 't-2', event: { type: 'probe.reminded', payload: { n: 1 } } };
      expect((await writeEvent(em, event)).eventId).toEqual(expect.any(String));
      expect(await writeEvent(em, event)).toEqual({ eventId: null });
      expect(await count()).toEqual({ audit: 1, timeline: 2, events: 2 });

      expect(await writeChange(em, { ...change, transitionId: null, audit: { action: 'NOTE', before: null, after: { note: 'x' } } })).toEqual({ eventId: null });
      expect(await count()).toEqual({ audit: 2, timeline: 2, events: 2 });
      throw rolledBack;
    });
    await expect(attempt).rejects.toBe(rolledBack);
    expect(await sql('SELECT 1 FROM audit_log WHERE entity_id = ?', [entityId])).toEqual([]);
  });
});
