/**
 * CSV imports through the real API and worker (issue 14 item 8): upload over HTTP, the dry run
 * on the heavy queue (per-row problems, nothing written), apply on request, the same file again
 * changing nothing (natural keys), rights per kind, bad files refused with nothing stored, and
 * an import that goes on across a worker restart without losing or doubling a row.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startWorkers, type RunningWorkers } from '../worker/run.ts';
import { startTestPlatform, testEnv, testFiles, testStripeEnv, UNCONFIGURED_MESSAGING, type TestPlatform } from './support/platform.ts';
import { loadConfig } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { eventually } from './support/wait.ts';

let platform: TestPlatform;
let workers: RunningWorkers;
const startWorker = () => startWorkers({
  databaseUrl: testEnv().databaseUrl, temporalAddress: testEnv().temporalAddress, namespace: 'default', metricsAddress: undefined,
  logger: createLogger({ level: 'silent', service: 'test' }), messaging: UNCONFIGURED_MESSAGING, stripe: loadConfig(testStripeEnv()).stripe, schedules: false, files: testFiles(),
});

beforeAll(async () => {
  // The worker is this file's own, so one test can restart it.
  platform = await startTestPlatform({ worker: false });
  workers = await startWorker();
});
afterAll(async () => {
  await workers?.shutdown();
  await platform?.stop();
});

async function uploadCsv(kind: string, csv: string, role: string | null = 'OWNER') {
  const form = new FormData();
  form.append('kind', kind);
  form.append('file', new Blob([csv], { type: 'text/csv' }), `${kind}.csv`);
  const response = await fetch(`${platform.url}/api/v1/imports`, { method: 'POST', body: form, headers: role ? await platform.as(role) : {} });
  return { status: response.status, body: (await response.json()) as { import?: { id: string; totalRows: number }; error?: Record<string, unknown> } };
}

interface Counts { create: number; update: number; unchanged: number; error: number }
interface Progress {
  id: string; status: string; totalRows: number; checkedRows: number; appliedRows: number; planned: Counts; applied: Counts;
  problems: Array<{ line: number; field: string; message: string }>; failure: string | null;
}
const PROGRESS = 'id status totalRows checkedRows appliedRows planned { create update unchanged error } applied { create update unchanged error } problems { line field message } failure';
const progressOf = async (id: string, role = 'OWNER') =>
  (await platform.gql<{ dataImport: Progress }>(`query ($id: ID!) { dataImport(id: $id) { ${PROGRESS} } }`, { id }, await platform.as(role))).data!.dataImport;
const until = (id: string, statuses: string[], timeoutMs = 120_000) => eventually(() => progressOf(id), (p) => statuses.includes(p.status), timeoutMs);

async function applyAs(id: string, role = 'OWNER') {
  return platform.gql<{ applyDataImport: Progress }>(`mutation ($id: ID!) { applyDataImport(id: $id) { ${PROGRESS} } }`, { id }, await platform.as(role));
}

/** Checks a file, applies it and returns the final progress. */
async function importFile(kind: string, csv: string, role = 'OWNER'): Promise<{ checked: Progress; applied: Progress }> {
  const uploaded = await uploadCsv(kind, csv, role);
  expect(uploaded.status).toBe(202);
  const id = uploaded.body.import!.id;
  const checked = await until(id, ['checked', 'failed']);
  expect(checked.status).toBe('checked');
  const applying = await applyAs(id, role);
  expect(applying.errors).toBeUndefined();
  return { checked, applied: await until(id, ['applied', 'failed']) };
}

const clientsWith = (emails: string[]) => platform.sql<{ email: string; full_name: string; phone: string | null; tags: string[] | null }>(
  'SELECT email, full_name, phone, tags FROM clients WHERE email = ANY(?::text[]) ORDER BY email', [`{${emails.join(',')}}`]);

describe('clients', () => {
  test('the dry run reports each bad row and writes nothing; an import with problems cannot be applied', async () => {
    const tag = randomUUID().slice(0, 8);
    const good = [`anna.${tag}@example.com`, `ben.${tag}@example.com`];
    const csv = [
      'Full Name,Email,Phone,Tags',
      `Anna ${tag},${good[0]},+44 7700 900111,vip;regular`,
      `Ben ${tag},${good[1]},,`,
      `Bad ${tag},not-an-email,,`,
      `Again ${tag},${good[0]},,`,
      `Nobody ${tag},,,`,
    ].join('\n');
    const uploaded = await uploadCsv('clients', csv);
    expect(uploaded.status).toBe(202);
    expect(uploaded.body.import!.totalRows).toBe(5);
    const checked = await until(uploaded.body.import!.id, ['checked', 'failed']);
    expect(checked).toMatchObject({ status: 'checked', totalRows: 5, checkedRows: 5, planned: { create: 2, update: 0, unchanged: 0, error: 3 }, appliedRows: 0 });
    expect(checked.problems).toEqual([
      { line: 4, field: 'email', message: expect.stringMatching(/email/i) },
      { line: 5, field: 'email', message: 'the same key as line 2' },
      { line: 6, field: 'email', message: expect.stringMatching(/needs an email or a phone/) },
    ]);
    expect(await clientsWith(good)).toEqual([]);
    const refused = await applyAs(checked.id);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', errorRows: 3 });
    expect((await progressOf(checked.id)).status).toBe('checked');
    expect(await clientsWith(good)).toEqual([]);
  }, 180_000);

  test('applied once it is clean; the same file again creates nothing (keyed on email, else phone); a changed row updates', async () => {
    const tag = randomUUID().slice(0, 8);
    const emails = [`cara.${tag}@example.com`, `dan.${tag}@example.com`];
    const phoneOnly = `+4477009${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
    const csv = ['full_name,email,phone,preferred_channel,tags', `Cara ${tag},${emails[0]},,web,vip`, `Dan ${tag},${emails[1]},+44 7700 900222,whatsapp,`, `Phone ${tag},,${phoneOnly},phone,`].join('\n');

    const first = await importFile('clients', csv);
    expect(first.checked.planned).toEqual({ create: 3, update: 0, unchanged: 0, error: 0 });
    expect(first.applied).toMatchObject({ status: 'applied', appliedRows: 3, applied: { create: 3, update: 0, unchanged: 0, error: 0 }, problems: [] });
    expect(await clientsWith(emails)).toEqual([
      { email: emails[0], full_name: `Cara ${tag}`, phone: null, tags: ['vip'] },
      { email: emails[1], full_name: `Dan ${tag}`, phone: '+447700900222', tags: [] },
    ]);

    const again = await importFile('clients', csv);
    expect(again.checked.planned).toEqual({ create: 0, update: 0, unchanged: 3, error: 0 });
    expect(again.applied.applied).toEqual({ create: 0, update: 0, unchanged: 3, error: 0 });
    expect(await platform.sql(`SELECT id FROM clients WHERE email = ANY(?::text[]) OR phone = ?`, [`{${emails.join(',')}}`, phoneOnly])).toHaveLength(3);

    const changed = await importFile('clients', csv.replace(`Cara ${tag}`, `Cara Jones ${tag}`));
    expect(changed.applied.applied).toEqual({ create: 0, update: 1, unchanged: 2, error: 0 });
    expect((await clientsWith([emails[0]!]))[0]!.full_name).toBe(`Cara Jones ${tag}`);
    // Every write went through the client service: audited as the platform.
    const [audit] = await platform.sql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE entity_type = 'client' AND action IN ('CREATE', 'UPDATE')
      AND entity_id IN (SELECT id FROM clients WHERE email = ANY(?::text[]))`, [`{${emails.join(',')}}`]);
    expect(audit!.n).toBe(3);
  }, 240_000);

  test('an import goes on across a worker restart: every row applied once, none doubled', async () => {
    const tag = randomUUID().slice(0, 8);
    const rows = 800;
    const csv = ['full_name,email', ...Array.from({ length: rows }, (_, i) => `Bulk ${i} ${tag},bulk${i}.${tag}@example.com`)].join('\n');
    const uploaded = await uploadCsv('clients', csv);
    const id = uploaded.body.import!.id;
    expect((await until(id, ['checked'])).planned.create).toBe(rows);
    expect((await applyAs(id)).errors).toBeUndefined();

    // Stop the worker while rows are being applied (it drains its chunk), then start a new one.
    const midway = await eventually(() => progressOf(id), (p) => p.appliedRows > 0 || p.status === 'applied', 120_000);
    expect(midway.status).toBe('applying');
    await workers.shutdown();
    const whileDown = await progressOf(id);
    expect(whileDown.status).toBe('applying');
    expect(whileDown.appliedRows).toBeLessThan(rows);
    workers = await startWorker();

    const done = await until(id, ['applied', 'failed'], 240_000);
    expect(done).toMatchObject({ status: 'applied', appliedRows: rows, applied: { create: rows, update: 0, unchanged: 0, error: 0 } });
    const [count] = await platform.sql<{ n: number; distinct: number }>(`SELECT count(*)::int AS n, count(DISTINCT email)::int AS distinct FROM clients WHERE email LIKE ?`, [`bulk%.${tag}@example.com`]);
    expect(count).toEqual({ n: rows, distinct: rows });
  }, 360_000);
});

describe('models', () => {
  test('a Content Manager imports models keyed on public code; the same file again changes nothing', async () => {
    const tag = randomUUID().slice(0, 6).toUpperCase();
    const csv = ['public_code,name,visibility,primary_location,buffer_minutes', `IMP-${tag}-A,Alice ${tag},public,mayfair,30`, `IMP-${tag}-B,Bella ${tag},private,,`].join('\n');
    const first = await importFile('models', csv, 'CONTENT_MANAGER');
    expect(first.applied.applied).toEqual({ create: 2, update: 0, unchanged: 0, error: 0 });
    const rows = await platform.sql<{ public_code: string; slug: string; visibility: string; buffer_minutes: number; location: string | null }>(
      `SELECT m.public_code, m.slug, m.visibility, m.buffer_minutes, l.slug AS location FROM models m LEFT JOIN locations l ON l.id = m.primary_location_id
        WHERE m.public_code LIKE ? ORDER BY m.public_code`, [`IMP-${tag}-%`]);
    expect(rows).toEqual([
      { public_code: `IMP-${tag}-A`, slug: `imp-${tag.toLowerCase()}-a`, visibility: 'public', buffer_minutes: 30, location: 'mayfair' },
      { public_code: `IMP-${tag}-B`, slug: `imp-${tag.toLowerCase()}-b`, visibility: 'private', buffer_minutes: 0, location: null },
    ]);
    const again = await importFile('models', csv, 'CONTENT_MANAGER');
    expect(again.applied.applied).toEqual({ create: 0, update: 0, unchanged: 2, error: 0 });
    expect(await platform.sql('SELECT id FROM models WHERE public_code LIKE ?', [`IMP-${tag}-%`])).toHaveLength(2);
  }, 240_000);

  test('an unknown location is a row problem found by the dry run', async () => {
    const tag = randomUUID().slice(0, 6).toUpperCase();
    const uploaded = await uploadCsv('models', `public_code,name,primary_location\nIMP-${tag},Cleo,atlantis\n`, 'CONTENT_MANAGER');
    const checked = await until(uploaded.body.import!.id, ['checked']);
    expect(checked.problems).toEqual([{ line: 2, field: 'primary_location', message: 'no location with the slug atlantis' }]);
  }, 120_000);
});

describe('refusals', () => {
  const importsCount = async () => (await platform.sql<{ n: number }>('SELECT count(*)::int AS n FROM data_imports'))[0]!.n;

  test('rights per kind: models need models.write, clients clients.write', async () => {
    const before = await importsCount();
    for (const [kind, role, permission] of [['clients', 'CONTENT_MANAGER', 'clients.write'], ['models', 'OPERATOR', 'models.write'], ['models', 'FINANCE', 'models.write'], ['clients', 'READ_ONLY', 'clients.write']] as const) {
      const refused = await uploadCsv(kind, kind === 'models' ? 'public_code,name\nX-1,X\n' : 'email\nx@example.com\n', role);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({ code: 'FORBIDDEN', permission });
    }
    expect((await uploadCsv('clients', 'email\nx@example.com\n', null)).status).toBe(401);
    expect(await importsCount()).toBe(before);
  });

  test('a malformed file, a wrong header, no rows, an unknown kind or a file over the limit: VALIDATION, nothing stored', async () => {
    const before = await importsCount();
    const cases: Array<[string, string, number, Record<string, unknown>]> = [
      ['clients', 'email,full_name\n"unclosed,x\n', 400, { reason: 'malformed' }],
      ['models', 'name,colour\nAnna,red\n', 400, { reason: 'header', missing: ['public_code'], unknown: ['colour'] }],
      ['clients', 'email,full_name\n', 400, { reason: 'empty' }],
      ['planets', 'name\nMars\n', 400, { field: 'kind' }],
      ['clients', `email\n${'a@example.com\n'.repeat(900_000)}`, 413, { reason: 'too_large' }],
    ];
    for (const [kind, csv, status, error] of cases) {
      const refused = await uploadCsv(kind, csv);
      expect(refused.status).toBe(status);
      expect(refused.body.error).toMatchObject({ code: 'VALIDATION', ...error });
    }
    expect(await importsCount()).toBe(before);
  });
});
