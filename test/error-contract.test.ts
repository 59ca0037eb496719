/**
 * The error contract (README "One error format"), over real HTTP and WebSocket: every class of bad
 * request (syntax, validation, bad enum / missing / mistyped variables, operation choice, HTTP
 * method, no / expired / invalid / revoked token, forbidden, not found, invalid transition,
 * idempotency conflict) answers with a documented `extensions.code` naming the field, argument or
 * variable at fault, and is logged once at info without a stack; Temporal or PostgreSQL out of
 * reach answers the retryable UNAVAILABLE (the same request sent again then runs once); a fault
 * answers INTERNAL, masked, and is the only thing logged at error (with its stack). The pino
 * output is captured.
 */
import { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { decodeJwt } from 'jose';
import { buildApp, type App } from '../api/app.ts';
import { issueAccessToken, signingKey } from '../api/auth/tokens.ts';
import { ERROR_CODES, contractError, isRefusal } from '../api/graphql/errors.ts';
import { rateLimited, UNAUTHENTICATED_REASONS } from '../domain/errors.ts';
import { openOrm } from '../db/orm.ts';
import { freePort } from '../launcher/ports.ts';
import { createLogger } from '../platform/logger.ts';
import { bearer, startTestPlatform, testEnv, TEST_JWT_SECRET, type GraphQLResponse, type TestPlatform } from './support/platform.ts';
import { openSocket } from './support/ws.ts';

interface LogLine { level: string; msg: string; code?: string; err?: { stack?: string }; [key: string]: unknown }

let platform: TestPlatform;
let app: App;
/** The same API with a Temporal client whose connection is closed: every workflow call faults. */
let broken: App;
let brokenConnection: Connection;
/** The same API with a Temporal client of a server nobody listens on (one attempt, no client-side retries). */
let unreachable: App;
const lines: LogLine[] = [];

beforeAll(async () => {
  platform = await startTestPlatform({ worker: true });
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean).map((line) => JSON.parse(line) as LogLine));
      done();
    },
  });
  const logger = createLogger({ level: 'info', service: 'test', destination });
  const common = { orm: platform.orm, temporalAddress: testEnv().temporalAddress, namespace: 'default', logger, production: false, jwtSecret: TEST_JWT_SECRET };
  app = buildApp({ ...common, temporal: platform.temporal });
  brokenConnection = await Connection.connect({ address: testEnv().temporalAddress });
  broken = buildApp({ ...common, temporal: new Client({ connection: brokenConnection, namespace: 'default' }) });
  const nobody = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 1 }))] });
  unreachable = buildApp({ ...common, temporal: new Client({ connection: nobody, namespace: 'default' }) });
  await Promise.all([app.start('127.0.0.1', 0), broken.start('127.0.0.1', 0), unreachable.start('127.0.0.1', 0)]);
  await brokenConnection.close();
});
afterAll(async () => {
  await Promise.all([app?.stop(), broken?.stop(), unreachable?.stop()]);
  await platform?.stop();
});
beforeEach(() => {
  lines.length = 0;
});

async function post(body: object, headers: Record<string, string> = {}, url = app.url): Promise<{ status: number; json: GraphQLResponse & { errors?: Array<{ path?: string[] }> } }> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as GraphQLResponse };
}
const owner = async () => platform.as('OWNER');
/** What the API logged about GraphQL errors since the test began (not the per-request access lines). */
const errorLogs = () => lines.filter((l) => l.msg === 'request refused' || l.msg === 'unexpected GraphQL error');

/** The one error of a refused request, checked against the contract and its log line. */
async function refusal(body: object, headers: Record<string, string>, expected: Record<string, unknown>) {
  const { json } = await post(body, headers);
  expect(json.errors).toHaveLength(1);
  const [error] = json.errors ?? [];
  expect(ERROR_CODES).toContain(error?.extensions?.code);
  expect(error?.extensions).toEqual(expect.objectContaining(expected));
  // Logged once, at info, with the code and no stack; nothing at error.
  const logged = errorLogs();
  expect(logged).toHaveLength(1);
  expect(logged[0]).toMatchObject({ level: 'info', msg: 'request refused', code: expected.code });
  expect(logged[0]?.err).toBeUndefined();
  lines.length = 0;
  return error as { message: string; path?: string[]; extensions: Record<string, unknown>; locations?: unknown[] };
}

describe('requests refused before anything runs are VALIDATION naming what is wrong', () => {
  test('a bad enum value in variables names the variable and the path inside it', async () => {
    const error = await refusal(
      { query: 'query ($s: [InquiryStatus!]) { inquiries(first: 1, status: $s) { edges { node { id } } } }', variables: { s: ['new', 'nope'] } },
      await owner(), { code: 'VALIDATION', variable: 's', field: 's[1]' });
    expect(error.message).toMatch(/"nope" does not exist in "InquiryStatus"/);
  });

  test('a missing or mistyped variable names the variable', async () => {
    const query = 'query ($n: Int!) { inquiries(first: $n) { edges { node { id } } } }';
    await refusal({ query }, await owner(), { code: 'VALIDATION', variable: 'n' });
    await refusal({ query, variables: { n: 'ten' } }, await owner(), { code: 'VALIDATION', variable: 'n' });
    // A nested input field: the path inside the variable.
    const nested = await refusal(
      { query: 'mutation ($input: CreateInquiryInput!) { createInquiry(input: $input) { created } }', variables: { input: { source: 'carrier-pigeon', clientName: 'X' } } },
      await owner(), { code: 'VALIDATION', variable: 'input', field: 'input.source' });
    expect(nested.message).toMatch(/InquirySource/);
    // Our own scalar's refusal keeps its message.
    const date = await refusal({ query: 'query ($d: DateTime) { bookings(first: 1, startFrom: $d) { edges { cursor } } }', variables: { d: 'tomorrow' } }, await owner(), { code: 'VALIDATION', variable: 'd' });
    expect(date.message).toMatch(/ISO-8601/);
  });

  test('validation errors name the field and the argument', async () => {
    const unknownField = await refusal({ query: '{ me { id emial } }' }, await owner(), { code: 'VALIDATION', field: 'me.emial' });
    expect(unknownField.locations).toEqual([{ line: 1, column: 11 }]);
    await refusal({ query: '{ inquiries(first: 1, status: [nope]) { edges { cursor } } }' }, await owner(), { code: 'VALIDATION', field: 'inquiries', argument: 'status' });
    await refusal({ query: '{ list: inquiries(frist: 1) { edges { cursor } } }' }, await owner(), { code: 'VALIDATION', field: 'list', argument: 'frist' });
    await refusal({ query: 'query ($unused: ID) { me { id } }' }, await owner(), { code: 'VALIDATION', variable: 'unused' });
  });

  test('syntax errors, an unknown operation name and a mutation over GET', async () => {
    const syntax = await refusal({ query: '{ me { id ' }, await owner(), { code: 'VALIDATION' });
    expect(syntax.message).toMatch(/Syntax Error/);
    expect(syntax.locations).toEqual([{ line: 1, column: 11 }]);
    await refusal({ query: 'query A { me { id } } query B { me { id } }', operationName: 'C' }, await owner(), { code: 'VALIDATION' });
    const get = await fetch(`${app.url}/graphql?query=${encodeURIComponent('mutation { logout(refreshToken: "x") }')}`, { headers: { accept: 'application/json' } });
    expect(get.status).toBe(405);
    expect(((await get.json()) as GraphQLResponse).errors?.[0]?.extensions).toEqual({ code: 'VALIDATION' });
  });

  test('over WebSocket too', async () => {
    const socket = openSocket(app.url, `Bearer ${await platform.tokenOf('OWNER')}`);
    try {
      await socket.connected;
      const bad = socket.subscribe('subscription { actionCenterUpdates { reff } }');
      expect((await bad.waitFor((v) => !!v.errors)).errors?.[0]?.extensions).toEqual({ code: 'VALIDATION', field: 'actionCenterUpdates.reff' });
    } finally {
      await socket.dispose();
    }
  });
});

describe('UNAUTHENTICATED says why, so a client knows to refresh', () => {
  test('no token, an expired one, a forged one and one of an ended session each have their reason', async () => {
    const query = { query: '{ me { id } }' };
    const missing = await refusal(query, {}, { code: 'UNAUTHENTICATED', reason: 'missing' });
    expect(missing.path).toEqual(['me']);
    const claims = decodeJwt(await platform.tokenOf('OWNER'));
    const expired = await issueAccessToken({ userId: String(claims.sub), sessionId: String(claims.sid) }, signingKey(TEST_JWT_SECRET), Date.now() - 60 * 60_000);
    const expiredError = await refusal(query, bearer(expired.token), { code: 'UNAUTHENTICATED', reason: 'token_expired' });
    expect(expiredError.message).toMatch(/refreshSession/);
    // Signed with another key: not a token of ours, however fresh.
    const forged = await issueAccessToken({ userId: String(claims.sub), sessionId: String(claims.sid) }, signingKey('another-secret-another-secret-0123456789'));
    await refusal(query, bearer(forged.token), { code: 'UNAUTHENTICATED', reason: 'token_invalid' });
    await refusal(query, bearer('not.a.jwt'), { code: 'UNAUTHENTICATED', reason: 'token_invalid' });

    const who = await post({ query: 'mutation { login(email: "ops@virel.local", password: "wrong") { accessToken } }' });
    expect(who.json.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'bad_credentials' });
    lines.length = 0;
    // A session that ended (logout): its still-unexpired access token is revoked.
    const session = await platform.gql<{ refreshSession: { accessToken: string; refreshToken: string } }>(
      'mutation ($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }', { t: await loginRefreshToken() }, { authorization: '' });
    const pair = session.data?.refreshSession;
    expect(pair).toBeDefined();
    expect((await post(query, bearer(pair?.accessToken ?? ''))).json.errors).toBeUndefined();
    await post({ query: 'mutation ($t: String!) { logout(refreshToken: $t) }', variables: { t: pair?.refreshToken } });
    lines.length = 0;
    await refusal(query, bearer(pair?.accessToken ?? ''), { code: 'UNAUTHENTICATED', reason: 'token_revoked' });
    await refusal({ query: 'mutation ($t: String!) { refreshSession(refreshToken: $t) { accessToken } }', variables: { t: pair?.refreshToken } }, {}, { code: 'UNAUTHENTICATED', reason: 'session_ended' });
  });

  test('a WebSocket with an expired token is refused with the same reason', async () => {
    const claims = decodeJwt(await platform.tokenOf('OWNER'));
    const expired = await issueAccessToken({ userId: String(claims.sub), sessionId: String(claims.sid) }, signingKey(TEST_JWT_SECRET), Date.now() - 60 * 60_000);
    const socket = openSocket(app.url, `Bearer ${expired.token}`);
    await expect(socket.connected).rejects.toMatchObject({ code: 4401, reason: expect.stringMatching(/token_expired/) });
    await socket.dispose();
  });

  test('every reason is documented in the README', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    for (const reason of UNAUTHENTICATED_REASONS) expect(readme).toContain(`\`${reason}\``);
    for (const code of ERROR_CODES) expect(readme).toContain(`\`${code}\``);
  });
});

/** A fresh refresh token of the demo owner (a session of its own, which the test may end). */
async function loginRefreshToken(): Promise<string> {
  const { readFileSync } = await import('node:fs');
  const credentials = JSON.parse(readFileSync(`${testEnv().dataDir}/demo-credentials.json`, 'utf8')) as Array<{ role: string; email: string; password: string }>;
  const ownerCredential = credentials.find((c) => c.role === 'OWNER');
  const login = await post({ query: 'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { refreshToken } }', variables: { e: ownerCredential?.email, p: ownerCredential?.password } });
  lines.length = 0;
  return (login.json.data as { login: { refreshToken: string } }).login.refreshToken;
}

describe('refusals of the domain keep their code, path and details, logged at info', () => {
  test('FORBIDDEN, NOT_FOUND, INVALID_TRANSITION and CONFLICT', async () => {
    const forbidden = await refusal({ query: '{ users(first: 1) { edges { cursor } } }' }, await platform.as('OPERATOR'), { code: 'FORBIDDEN', permission: 'users.read' });
    expect(forbidden.path).toEqual(['users']);
    await refusal({ query: `mutation { changeStatus(input: { entity: { type: booking, id: "${randomUUID()}" }, to: "confirmed" }) { to } }` }, await owner(), { code: 'NOT_FOUND' });
    const created = await platform.gql<{ createInquiry: { inquiry: { id: string } } }>('mutation { createInquiry(input: { source: web, clientName: "Contract" }) { inquiry { id } } }');
    const id = created.data?.createInquiry.inquiry.id;
    lines.length = 0;
    const invalid = await refusal({ query: `mutation { changeStatus(input: { entity: { type: inquiry, id: "${id}" }, to: "converted" }) { to } }` }, await owner(), { code: 'INVALID_TRANSITION', from: 'new', to: 'converted' });
    expect(invalid.path).toEqual(['changeStatus']);
    // An unknown target status is not a transition at all: VALIDATION naming the field.
    await refusal({ query: `mutation { changeStatus(input: { entity: { type: inquiry, id: "${id}" }, to: "archived" }) { to } }` }, await owner(), { code: 'VALIDATION', field: 'to' });
    const key = { ...(await owner()), 'idempotency-key': `contract-${randomUUID()}` };
    expect((await post({ query: 'mutation { createInquiry(input: { source: web, clientName: "Keyed A" }) { created } }' }, key)).json.errors).toBeUndefined();
    lines.length = 0;
    await refusal({ query: 'mutation { createInquiry(input: { source: web, clientName: "Keyed B" }) { created } }' }, key, { code: 'CONFLICT', field: 'Idempotency-Key' });
  });

  test('RATE_LIMITED is a refusal too', () => {
    expect(contractError(rateLimited('Too many.')).extensions).toEqual({ code: 'RATE_LIMITED' });
    expect(isRefusal(rateLimited('Too many.'))).toBe(true);
  });
});

describe('faults', () => {
  /** Inquiries of this name (other files create inquiries at the same time). */
  const inquiriesNamed = async (name: string) => Number((await platform.sql<{ n: string }>('SELECT count(*) AS n FROM inquiries WHERE client_name = ?', [name]))[0]?.n);

  test('a fault answers INTERNAL with a masked message and is logged once at error with its stack', async () => {
    const name = `Fault ${randomUUID()}`;
    const { json } = await post({ query: `mutation { createInquiry(input: { source: web, clientName: "${name}" }) { created } }` }, await owner(), broken.url);
    expect(json.errors).toEqual([expect.objectContaining({ message: 'Unexpected error.', path: ['createInquiry'], extensions: { code: 'INTERNAL' } })]);
    const logged = errorLogs();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'error', msg: 'unexpected GraphQL error' });
    expect(logged[0]?.err?.stack).toMatch(/\n\s+at /);
    expect(await inquiriesNamed(name)).toBe(0);
  });

  test('Temporal out of reach answers UNAVAILABLE, retryable, logged at warn; the same request sent again runs once', async () => {
    const name = `Unavailable ${randomUUID()}`;
    const request = { query: `mutation { createInquiry(input: { source: web, clientName: "${name}" }) { created inquiry { id } } }` };
    const headers = { ...(await owner()), 'idempotency-key': `unavailable-${randomUUID()}` };
    const { json } = await post(request, headers, unreachable.url);
    expect(json.errors).toEqual([expect.objectContaining({ path: ['createInquiry'], extensions: { code: 'UNAVAILABLE', retryable: true } })]);
    expect(json.errors?.[0]?.message).toMatch(/same Idempotency-Key/);
    expect(lines.filter((l) => l.msg === 'unexpected GraphQL error')).toEqual([]);
    expect(lines.filter((l) => l.level === 'warn' && /unavailable/.test(l.msg))).toHaveLength(1);
    expect(await inquiriesNamed(name)).toBe(0);
    // The key was released: the retry (to a replica that reaches Temporal) runs, once.
    const retried = await post(request, headers);
    expect(retried.json.errors).toBeUndefined();
    expect(await post(request, headers)).toMatchObject({ json: { data: retried.json.data } });
    expect(await inquiriesNamed(name)).toBe(1);
  });

  test('PostgreSQL out of reach or shutting down is UNAVAILABLE too (real driver errors)', async () => {
    // A connection the server ends (what a restart does to every open one): 57P01, then "Connection terminated".
    const orm = await openOrm(testEnv().databaseUrl, { pool: { min: 1, max: 1 } });
    try {
      const connection = orm.em.getConnection();
      const [self] = await connection.execute<Array<{ pid: number }>>('SELECT pg_backend_pid() AS pid');
      const ended = await connection.execute('SELECT pg_terminate_backend(pg_backend_pid())').then(() => undefined, (error: unknown) => error);
      expect(ended).toBeDefined();
      expect(contractError(ended).extensions).toEqual({ code: 'UNAVAILABLE', retryable: true });
      expect(self?.pid).toEqual(expect.any(Number));
    } finally {
      await orm.close(true).catch(() => undefined);
    }
    // Nobody listening.
    const down = await openOrm(`postgres://virel:virel@127.0.0.1:${await freePort()}/virel`, { pool: { min: 0, max: 1 } }).then(async (o) => {
      try {
        return await o.em.getConnection().execute('SELECT 1').then(() => undefined, (error: unknown) => error);
      } finally {
        await o.close(true).catch(() => undefined);
      }
    }, (error: unknown) => error);
    expect(down).toBeDefined();
    expect(contractError(down).extensions).toEqual({ code: 'UNAVAILABLE', retryable: true });
    // Not everything is: a bug of ours stays INTERNAL.
    expect(contractError(new TypeError("Cannot read properties of undefined (reading 'id')")).extensions).toEqual({ code: 'INTERNAL' });
  });
});
