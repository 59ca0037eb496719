/**
 * The Idempotency-Key header on every mutation, through the real API: a repeat returns the first
 * result and changes nothing, the same key with another body is a CONFLICT, refused requests
 * release their key, keys are per user, and concurrent repeats never run twice.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { LEASE_SECONDS } from '../api/graphql/idempotency.ts';
import { startPlatformProcess } from '../launcher/platform-process.ts';
import { startTestPlatform, testEnv, TEST_JWT_SECRET, type GraphQLResponse, type TestPlatform } from './support/platform.ts';
import { until } from './support/wait.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

const CREATE = 'mutation Create($input: CreateInquiryInput!) { createInquiry(input: $input) { created inquiry { id ref clientName } } }';
type Created = { createInquiry: { created: boolean; inquiry: { id: string; ref: string; clientName: string } } };
const inquiries = async (name: string) =>
  Number((await platform.orm.em.getConnection().execute<Array<{ n: string }>>('SELECT count(*) AS n FROM inquiries WHERE client_name = ?', [name]))[0]?.n);
const newKey = () => ({ 'idempotency-key': `test-${randomUUID()}` });

interface Timed<T> {
  readonly response: GraphQLResponse<T>;
  /** Real time (performance.now) when the request was sent and when its answer arrived. */
  readonly startedAt: number;
  readonly endedAt: number;
}
async function timed<T>(request: () => Promise<GraphQLResponse<T>>): Promise<Timed<T>> {
  const startedAt = performance.now();
  const response = await request();
  return { response, startedAt, endedAt: performance.now() };
}

describe('Idempotency-Key', () => {
  test('a repeated create returns the first result and creates nothing more', async () => {
    const name = `Idem ${randomUUID()}`;
    const key = newKey();
    const first = await platform.gql<Created>(CREATE, { input: { source: 'web', clientName: name } }, key);
    expect(first.errors).toBeUndefined();
    const again = await platform.gql<Created>(CREATE, { input: { clientName: name, source: 'web' } }, key);
    expect(again).toEqual(first);
    expect(await inquiries(name)).toBe(1);
    // Without a key, the same body is a new request.
    await platform.gql<Created>(CREATE, { input: { source: 'web', clientName: name } });
    expect(await inquiries(name)).toBe(2);
  });

  test('the same key with a different body is a CONFLICT and changes nothing', async () => {
    const name = `Idem ${randomUUID()}`;
    const key = newKey();
    await platform.gql<Created>(CREATE, { input: { source: 'web', clientName: name } }, key);
    const other = await platform.gql(CREATE, { input: { source: 'phone', clientName: name } }, key);
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'Idempotency-Key' });
    expect(other.errors?.[0]?.message).toMatch(/different request/);
    expect(await inquiries(name)).toBe(1);
  });

  test('a refused request releases its key: the corrected request may use it', async () => {
    const name = `Idem ${randomUUID()}`;
    const key = newKey();
    const refused = await platform.gql(CREATE, { input: { source: 'web', clientName: name, clientEmail: 'not-an-email' } }, key);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'clientEmail' });
    const corrected = await platform.gql<Created>(CREATE, { input: { source: 'web', clientName: name, clientEmail: 'ok@example.com' } }, key);
    expect(corrected.errors).toBeUndefined();
    expect(await inquiries(name)).toBe(1);
  });

  test('keys belong to their user: another user with the same key runs their own request', async () => {
    const name = `Idem ${randomUUID()}`;
    const key = newKey();
    const owner = await platform.gql<Created>(CREATE, { input: { source: 'web', clientName: name } }, key);
    const manager = await platform.gql<Created>(CREATE, { input: { source: 'web', clientName: name } }, { ...key, authorization: `Bearer ${await platform.tokenOf('OPS_MANAGER')}` });
    expect(manager.data?.createInquiry.inquiry.id).not.toBe(owner.data?.createInquiry.inquiry.id);
    expect(await inquiries(name)).toBe(2);
  });

  test('concurrent repeats run once: the others wait for nothing and get the result or a retryable CONFLICT', async () => {
    const name = `Idem ${randomUUID()}`;
    const key = newKey();
    const results = await Promise.all(Array.from({ length: 6 }, () => timed(() => platform.gql<Created>(CREATE, { input: { source: 'web', clientName: name } }, key))));
    // They really were in flight together: every request began before any of them was answered.
    expect(Math.max(...results.map((r) => r.startedAt))).toBeLessThan(Math.min(...results.map((r) => r.endedAt)));
    const ids = new Set(results.flatMap(({ response: r }) => (r.data?.createInquiry ? [r.data.createInquiry.inquiry.id] : [])));
    expect(ids.size).toBe(1);
    for (const { response: r } of results.filter(({ response }) => response.errors)) {
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
      expect(r.errors?.[0]?.message).toMatch(/still running/);
    }
    expect(await inquiries(name)).toBe(1);
    const after = await platform.gql<Created>(CREATE, { input: { source: 'web', clientName: name } }, key);
    expect(after.data?.createInquiry.inquiry.id).toBe([...ids][0]);
  });

  test('while the first request is held inside the server, every repeat is answered at once with "still running" and runs nothing', async () => {
    const name = `Idem ${randomUUID()}`;
    const key = newKey();
    // Hold the first request inside the server: its workflow's row insert waits on this lock
    // (EXCLUSIVE lets reads through and blocks writes to inquiries).
    const lock = new pg.Client({ connectionString: testEnv().databaseUrl });
    await lock.connect();
    let first: Promise<Timed<Created>> | undefined;
    let repeats: Array<Timed<Created>>;
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE inquiries IN EXCLUSIVE MODE');
      first = timed(() => platform.gql<Created>(CREATE, { input: { source: 'web', clientName: name } }, key));
      await until(async () => (await platform.sql('SELECT 1 FROM idempotency_keys WHERE key = ? AND response IS NULL', [key['idempotency-key']])).length === 1, 'the first request to claim its key');
      repeats = await Promise.all(Array.from({ length: 5 }, () => timed(() => platform.gql<Created>(CREATE, { input: { source: 'web', clientName: name } }, key))));
    } finally {
      await lock.query('COMMIT');
      await lock.end();
    }
    const winner = await first;
    expect(winner.response.errors).toBeUndefined();
    for (const repeat of repeats) {
      expect(repeat.response.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'Idempotency-Key' });
      expect(repeat.response.errors?.[0]?.message).toMatch(/still running/);
      // Each repeat began and ended inside the first request's lifetime.
      expect(repeat.startedAt).toBeGreaterThan(winner.startedAt);
      expect(repeat.endedAt).toBeLessThan(winner.endedAt);
    }
    expect(await inquiries(name)).toBe(1);
    const after = await platform.gql<Created>(CREATE, { input: { source: 'web', clientName: name } }, key);
    expect(after).toEqual(winner.response);
  });

  test('a retry after a crash that lost the first result attaches to the entity the first request created', async () => {
    const name = `Idem ${randomUUID()}`;
    const key = newKey();
    const first = await platform.gql<Created>(CREATE, { input: { source: 'web', clientName: name } }, key);
    // As if the API died after the workflow committed but before the result was stored.
    await platform.orm.em.getConnection().execute(
      `UPDATE idempotency_keys SET response = NULL, created_at = now() - interval '10 minutes' WHERE key = ?`, [key['idempotency-key']]);
    const retry = await platform.gql<Created>(CREATE, { input: { source: 'web', clientName: name } }, key);
    expect(retry.data?.createInquiry).toMatchObject({ created: false, inquiry: { id: first.data?.createInquiry.inquiry.id } });
    expect(await inquiries(name)).toBe(1);
  });

  test('the reservation dies with its API process: a retry after a SIGKILL mid-request takes the key over within seconds and gets the original outcome', async () => {
    const CHANGE = 'mutation ($input: ChangeStatusInput!) { changeStatus(input: $input) { from to at } }';
    type Change = { changeStatus: { from: string; to: string; at: string } };
    const name = `Idem ${randomUUID()}`;
    const created = await platform.gql<Created>(CREATE, { input: { source: 'web', clientName: name } });
    const id = created.data!.createInquiry.inquiry.id;
    const body = { input: { entity: { type: 'inquiry', id }, to: 'qualified' } };
    const key = newKey();
    const api = await startPlatformProcess('api', { DATABASE_URL: testEnv().databaseUrl, TEMPORAL_ADDRESS: testEnv().temporalAddress, JWT_SECRET: TEST_JWT_SECRET });
    const stillRunning = (r: GraphQLResponse) => /still running/.test(r.errors?.[0]?.message ?? '');
    // Hold the change inside the workflow's row write (EXCLUSIVE blocks writes, lets reads through).
    const lock = new pg.Client({ connectionString: testEnv().databaseUrl });
    await lock.connect();
    let killedAt: number;
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE inquiries IN EXCLUSIVE MODE');
      const owner = await platform.as('OWNER');
      void fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...owner, ...key }, body: JSON.stringify({ query: CHANGE, variables: body }) })
        .catch(() => undefined);
      await until(async () => (await platform.sql('SELECT 1 FROM idempotency_keys WHERE key = ? AND response IS NULL', [key['idempotency-key']])).length === 1, 'the API process to claim the key');
      // A live holder renews its lease: past one lease period a repeat is still refused as running.
      await new Promise((r) => setTimeout(r, (LEASE_SECONDS + 1) * 1000));
      expect(stillRunning(await platform.gql(CHANGE, body, key))).toBe(true);
      await api.crash();
      killedAt = performance.now();
    } finally {
      await lock.query('COMMIT');
      await lock.end();
    }
    // The workflow finishes the change the dead process asked for; retries take the key over
    // once the lease runs out and reach the workflow with the same transition id.
    let retry = await platform.gql<Change>(CHANGE, body, key);
    while (stillRunning(retry) && performance.now() - killedAt < 30_000) {
      await new Promise((r) => setTimeout(r, 250));
      retry = await platform.gql<Change>(CHANGE, body, key);
    }
    const waitedMs = performance.now() - killedAt;
    expect(retry.errors).toBeUndefined();
    expect(retry.data?.changeStatus).toMatchObject({ from: 'new', to: 'qualified' });
    // Within seconds of the lease running out (not a timeout's minutes); the margin is for a loaded CI machine.
    expect(waitedMs).toBeLessThan((LEASE_SECONDS + 10) * 1000);
    const changes = await platform.sql<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE entity_id = ? AND action <> 'CREATE'`, [id]);
    expect(changes[0]?.n).toBe('1');
    // The result is stored now: one more repeat is a replay.
    expect(await platform.gql<Change>(CHANGE, body, key)).toEqual(retry);
  }, 60_000);

  test('a malformed key is VALIDATION; queries ignore the header', async () => {
    const bad = await platform.gql(CREATE, { input: { source: 'web', clientName: 'Bad key' } }, { 'idempotency-key': 'short' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'Idempotency-Key' });
    expect(await inquiries('Bad key')).toBe(0);
    const key = newKey();
    const q1 = await platform.gql('{ me { id } }', undefined, key);
    const q2 = await platform.gql('{ inquiries(first: 1) { edges { cursor } } }', undefined, key);
    expect(q1.errors).toBeUndefined();
    expect(q2.errors).toBeUndefined();
  });
});
