/**
 * A CSV import survives a hard kill (issue 14 item 8): the worker is a process of its own
 * (worker/main.ts, as in production) and is killed with SIGKILL while it applies rows, mid-chunk,
 * without draining. A new worker takes the chunk over once the dead one's heartbeat is missed;
 * the import ends `applied` with exactly N clients, none doubled.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestPlatform, testFiles, testStripeEnv, type TestPlatform } from './support/platform.ts';
import { kill, platformProcesses } from './support/processes.ts';
import { deleteSchedules } from './support/schedules.ts';
import { eventually } from './support/wait.ts';

let platform: TestPlatform;
const processes = platformProcesses();

/** Starts worker/main.ts against the test servers and the API's file store; resolves once it runs. */
const startWorkerProcess = () => processes.start('worker/main.ts', {
  ready: '"worker running"',
  env: {
    // The import file is where the API (this process) stored it.
    FILE_STORAGE_DIR: testFiles().storageDir,
    // No automation acting on the imported clients, no payment Schedules firing meanwhile.
    AUTOMATION_DISPATCHER: 'false', WEBHOOKS_SWEEP_EVERY_SECONDS: '3600', PAYMENTS_RECONCILE_EVERY_MINUTES: '600', ...testStripeEnv(),
  },
});

beforeAll(async () => {
  // The API runs in this process; the worker is a process of its own, to be killed.
  platform = await startTestPlatform({ worker: false });
});
afterAll(async () => {
  try {
    await processes.killAll();
    // worker/main.ts created the Schedules (webhook sweep, reconciliation, calendar imports, mismatch sweep):
    // left behind they would fire in the files that run after this one.
    if (platform) await deleteSchedules(platform.temporal);
  } finally {
    await platform?.stop();
  }
});

interface Progress { status: string; appliedRows: number; applied: { create: number; update: number; unchanged: number; error: number } }
const progressOf = async (id: string) => (await platform.gql<{ dataImport: Progress }>(
  'query ($id: ID!) { dataImport(id: $id) { status appliedRows applied { create update unchanged error } } }', { id })).data!.dataImport;

describe('SIGKILL during an import', () => {
  test('the worker killed mid-apply: its successor finishes the import with exactly N rows, none doubled', async () => {
    const first = await startWorkerProcess();
    const tag = randomUUID().slice(0, 8);
    // Three chunks of 100: the kill lands in the first, the others run on the successor.
    const rows = 300;
    const csv = ['full_name,email', ...Array.from({ length: rows }, (_, i) => `Crash ${i} ${tag},crash${i}.${tag}@example.com`)].join('\n');
    const form = new FormData();
    form.append('kind', 'clients');
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'clients.csv');
    const response = await fetch(`${platform.url}/api/v1/imports`, { method: 'POST', body: form, headers: await platform.as('OWNER') });
    expect(response.status).toBe(202);
    const id = ((await response.json()) as { import: { id: string } }).import.id;
    expect((await eventually(() => progressOf(id), (p) => p.status === 'checked' || p.status === 'failed', 60_000)).status).toBe('checked');
    const applying = await platform.gql('mutation ($id: ID!) { applyDataImport(id: $id) { status } }', { id });
    expect(applying.errors).toBeUndefined();

    // Killed as soon as rows are going in: in the middle of a chunk, nothing drained.
    await eventually(() => progressOf(id), (p) => p.appliedRows > 0 || p.status === 'applied' || p.status === 'failed', 60_000);
    await kill(first);
    const whileDead = await progressOf(id);
    expect(whileDead.status).toBe('applying');
    expect(whileDead.appliedRows).toBeGreaterThan(0);
    expect(whileDead.appliedRows).toBeLessThan(rows);

    await startWorkerProcess();
    // The killed chunk is retried once its heartbeat (20 s) is missed, 5 s later (workflows/imports/workflow.ts).
    const done = await eventually(() => progressOf(id), (p) => p.status === 'applied' || p.status === 'failed', 120_000);
    expect(done).toMatchObject({ status: 'applied', appliedRows: rows, applied: { update: 0, error: 0 } });
    // A row whose client was committed just before the kill, but not its outcome, is found by its
    // key on the retry and counted `unchanged`: created once either way.
    expect(done.applied.create + done.applied.unchanged).toBe(rows);
    expect(done.applied.unchanged).toBeLessThanOrEqual(1);

    const [count] = await platform.sql<{ n: number; distinct: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT email)::int AS distinct FROM clients WHERE email LIKE ?', [`crash%.${tag}@example.com`]);
    expect(count).toEqual({ n: rows, distinct: rows });
    // One outcome per line of the apply phase, one creation audited per client.
    const [outcomes] = await platform.sql<{ n: number; lines: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT row_number)::int AS lines FROM data_import_rows WHERE import_id = ? AND phase = 'apply'`, [id]);
    expect(outcomes).toEqual({ n: rows, lines: rows });
    const [audited] = await platform.sql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE entity_type = 'client' AND action = 'CREATE'
      AND entity_id IN (SELECT id FROM clients WHERE email LIKE ?)`, [`crash%.${tag}@example.com`]);
    expect(audited!.n).toBe(rows);
  }, 180_000);
});
