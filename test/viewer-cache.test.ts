/**
 * The per-process viewer cache (api/auth/viewer-cache.ts): a signed-in request is served from it,
 * and a change to the viewer takes effect on the very next request in every API process: made
 * through this API, through another API process, or by any connection that sends the NOTIFY.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import pg from 'pg';
import { buildApp, type App } from '../api/app.ts';
import { SESSIONS_CHANNEL, type Viewer } from '../api/auth/sessions.ts';
import { createViewerCache, VIEWERS_CHANNEL } from '../api/auth/viewer-cache.ts';
import { createLogger } from '../platform/logger.ts';
import { startTestPlatform, testEnv, TEST_JWT_SECRET, type GraphQLResponse, type TestPlatform } from './support/platform.ts';

const silent = createLogger({ level: 'silent', service: 'test' });
let platform: TestPlatform;
/** A second API process on the same database (its own cache and LISTEN connection). */
let other: App;
let otherConnection: Connection;
/** Another connection, as a script or an operator's psql session would be. */
let direct: pg.Client;

beforeAll(async () => {
  platform = await startTestPlatform({ worker: false });
  const env = testEnv();
  otherConnection = await Connection.connect({ address: env.temporalAddress });
  other = buildApp({
    orm: platform.orm, temporal: new TemporalClient({ connection: otherConnection }), temporalAddress: env.temporalAddress, namespace: 'default',
    logger: silent, production: false, jwtSecret: TEST_JWT_SECRET,
  });
  await other.start('127.0.0.1', 0);
  direct = new pg.Client({ connectionString: env.databaseUrl });
  await direct.connect();
});
afterAll(async () => {
  await direct?.end();
  await other?.stop();
  await otherConnection?.close();
  await platform?.stop();
});

const PASSWORD = 'a long enough password';
const ME = '{ me { id name roles permissions } }';
type Me = { me: { id: string; name: string; roles: string[]; permissions: string[] } };
const codeOf = (result: GraphQLResponse<unknown>) => result.errors?.[0]?.extensions?.code;

async function gqlAt(url: string, query: string, token: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<Me>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<Me>;
}

/** A new user with these roles, signed in; their viewer cached in both API processes. */
async function signedIn(roleCodes: string[]) {
  const email = `cache-${randomUUID().slice(0, 8)}@virel.local`;
  const created = await platform.gql<{ createUser: { id: string } }>('mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }', {
    input: { email, name: 'Cache Test', password: PASSWORD, roleCodes },
  });
  expect(created.errors).toBeUndefined();
  const login = await platform.gql<{ login: { accessToken: string } }>('mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
    { e: email, p: PASSWORD }, { authorization: '' });
  const token = login.data!.login.accessToken;
  const id = created.data!.createUser.id;
  for (const url of [platform.url, other.url]) {
    for (let i = 0; i < 2; i++) expect((await gqlAt(url, ME, token)).data?.me.id).toBe(id);
  }
  return { id, token };
}

/** One transaction on another connection: the change and its NOTIFY commit together. */
async function directly(statements: Array<[string, unknown[]]>) {
  await direct.query('BEGIN');
  for (const [sql, params] of statements) await direct.query(sql, params);
  await direct.query('COMMIT');
}

describe('viewer cache', () => {
  test('a request is served from the cache: a change written without its NOTIFY is not seen, with it it is, at once', async () => {
    const { id, token } = await signedIn(['OPERATOR']);
    await directly([[`UPDATE users SET name = 'Renamed Quietly' WHERE id = $1`, [id]]]);
    // No NOTIFY: both processes still answer from their caches (until the TTL).
    expect((await gqlAt(platform.url, ME, token)).data?.me.name).toBe('Cache Test');
    expect((await gqlAt(other.url, ME, token)).data?.me.name).toBe('Cache Test');

    await directly([[`UPDATE users SET name = 'Renamed' WHERE id = $1`, [id]], ['SELECT pg_notify($1, $2)', [VIEWERS_CHANNEL, JSON.stringify({ userId: id })]]]);
    expect((await gqlAt(platform.url, ME, token)).data?.me.name).toBe('Renamed');
    expect((await gqlAt(other.url, ME, token)).data?.me.name).toBe('Renamed');
  });

  test('a user disabled through one API process is refused by the other on the very next request', async () => {
    const { id, token } = await signedIn(['OPERATOR']);
    const disabled = await gqlAt(other.url, 'mutation ($id: ID!) { disableUser(id: $id) { status } }', await platform.tokenOf('OWNER'), { id });
    expect(disabled.errors).toBeUndefined();
    expect(codeOf(await gqlAt(platform.url, ME, token))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gqlAt(other.url, ME, token))).toBe('UNAUTHENTICATED');
  });

  test('a role removed through one API process: the other refuses the session on the very next request', async () => {
    const { id, token } = await signedIn(['OPERATOR', 'READ_ONLY']);
    const changed = await gqlAt(platform.url, 'mutation ($id: ID!) { setUserRoles(userId: $id, roleCodes: ["READ_ONLY"]) { id } }', await platform.tokenOf('OWNER'), { id });
    expect(changed.errors).toBeUndefined();
    expect(codeOf(await gqlAt(other.url, ME, token))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gqlAt(platform.url, ME, token))).toBe('UNAUTHENTICATED');
  });

  test('a role added (sessions stay open): both processes show it on the very next request', async () => {
    const { id, token } = await signedIn(['READ_ONLY']);
    const changed = await gqlAt(other.url, 'mutation ($id: ID!) { setUserRoles(userId: $id, roleCodes: ["OPERATOR", "READ_ONLY"]) { id } }', await platform.tokenOf('OWNER'), { id });
    expect(changed.errors).toBeUndefined();
    for (const url of [platform.url, other.url]) expect((await gqlAt(url, ME, token)).data?.me.roles).toEqual(['OPERATOR', 'READ_ONLY']);
  });

  test('a user disabled (or a role taken) by another connection that sends the NOTIFY: refused on the very next request', async () => {
    const disabledUser = await signedIn(['OPERATOR']);
    await directly([
      [`UPDATE users SET status = 'disabled' WHERE id = $1`, [disabledUser.id]],
      ['SELECT pg_notify($1, $2)', [VIEWERS_CHANNEL, JSON.stringify({ userId: disabledUser.id })]],
    ]);
    expect(codeOf(await gqlAt(platform.url, ME, disabledUser.token))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gqlAt(other.url, ME, disabledUser.token))).toBe('UNAUTHENTICATED');

    const demoted = await signedIn(['OPERATOR', 'READ_ONLY']);
    await directly([
      [`DELETE FROM user_roles WHERE user_id = $1 AND role_id = (SELECT id FROM roles WHERE code = 'OPERATOR')`, [demoted.id]],
      ['SELECT pg_notify($1, $2)', [VIEWERS_CHANNEL, JSON.stringify({ userId: demoted.id })]],
    ]);
    for (const url of [platform.url, other.url]) expect((await gqlAt(url, ME, demoted.token)).data?.me.roles).toEqual(['READ_ONLY']);

    // A session revoked by hand, announced as sessions.ts does.
    const revoked = await signedIn(['OPERATOR']);
    await directly([
      [`UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = 'test' WHERE user_id = $1`, [revoked.id]],
      ['SELECT pg_notify($1, $2)', [SESSIONS_CHANNEL, JSON.stringify({ userId: revoked.id })]],
    ]);
    for (const url of [platform.url, other.url]) expect(codeOf(await gqlAt(url, ME, revoked.token))).toBe('UNAUTHENTICATED');
  });
});

describe('createViewerCache', () => {
  const viewer: Viewer = { id: randomUUID(), email: 'v@virel.local', name: 'V', roles: ['OPERATOR'], permissions: ['tasks.read'], sessionId: randomUUID() };
  const notify = async (channel: string, payload: object) => {
    await direct.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify(payload)]);
  };
  /**
   * A cache of its own and a count of its loads. The barrier may take up to 10 s (default 1 s, after
   * which a request loads rather than wait): on a loaded machine a slow round trip would otherwise
   * count as a load the test did not cause.
   */
  function countedCache(ttlMs: number) {
    const cache = createViewerCache({ databaseUrl: testEnv().databaseUrl, logger: silent, ttlMs, barrierTimeoutMs: 10_000 });
    const counter = { loads: 0 };
    const get = () => cache.get(viewer.id, viewer.sessionId, async () => {
      counter.loads++;
      return viewer;
    });
    return { cache, counter, get };
  }

  test('loads once, serves hits; a NOTIFY for its user, session or role drops it; nothing is cached without the listener', async () => {
    // A TTL well beyond this test's steps: every reload counted here is a NOTIFY's doing (the TTL's own test is below).
    const { cache, counter, get } = countedCache(5_000);
    // Before the listener is up: loaded every time, kept never.
    await get();
    await get();
    expect(counter.loads).toBe(2);
    expect(cache.size).toBe(0);
    await cache.start();
    try {
      await get();
      await get();
      await get();
      expect(counter.loads).toBe(3);

      // Each get is the very next request after the NOTIFY committed: the barrier makes it heard first.
      await notify(VIEWERS_CHANNEL, { userId: randomUUID() });
      await get();
      expect(counter.loads).toBe(3);
      for (const [channel, payload] of [
        [VIEWERS_CHANNEL, { userId: viewer.id }],
        [VIEWERS_CHANNEL, { roleCode: 'OPERATOR' }],
        [SESSIONS_CHANNEL, { sessionId: viewer.sessionId }],
        [SESSIONS_CHANNEL, { userId: viewer.id }],
      ] as const) {
        const before = counter.loads;
        await notify(channel, payload);
        await get();
        expect(counter.loads).toBe(before + 1);
        await get();
        expect(counter.loads).toBe(before + 1);
      }
      // Another user's token for the same session id is never served this viewer.
      await cache.get(randomUUID(), viewer.sessionId, async () => undefined);
      const before = counter.loads;
      await get();
      expect(counter.loads).toBe(before);
    } finally {
      await cache.stop();
    }
    const before = counter.loads;
    await get();
    await get();
    expect(counter.loads).toBe(before + 2);
  });

  test('the TTL bounds an entry whatever was heard', async () => {
    const { cache, counter, get } = countedCache(300);
    await cache.start();
    try {
      await get();
      expect(counter.loads).toBe(1);
      expect(cache.size).toBe(1);
      // No NOTIFY: past the TTL the entry is loaded again (and kept again).
      await new Promise((resolve) => setTimeout(resolve, 350));
      await get();
      expect(counter.loads).toBe(2);
      expect(cache.size).toBe(1);
    } finally {
      await cache.stop();
    }
  });
});
