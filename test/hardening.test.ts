/**
 * What the API refuses before anything runs, over real HTTP and WebSocket: operations over the
 * depth / cost / alias / token limits, introspection, GraphiQL and field suggestions in production,
 * bodies over the size limit (413), browsers from origins not configured (CORS), malformed or
 * query-less bodies; each with a clear error, and nothing changed.
 */
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { buildApp, type App } from '../api/app.ts';
import { DEFAULT_API_LIMITS } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { startTestPlatform, testEnv, TEST_JWT_SECRET, type GraphQLResponse, type TestPlatform } from './support/platform.ts';
import { openSocket } from './support/ws.ts';

let platform: TestPlatform;
/** Small limits and one allowed browser origin. */
let strict: App;
let production: App;

const ALLOWED_ORIGIN = 'https://ops.example.com';

beforeAll(async () => {
  platform = await startTestPlatform({ worker: true });
  const common = {
    orm: platform.orm, temporal: platform.temporal, temporalAddress: testEnv().temporalAddress, namespace: 'default',
    logger: createLogger({ level: 'silent', service: 'test' }), jwtSecret: TEST_JWT_SECRET,
  };
  strict = buildApp({
    ...common, production: false,
    limits: { ...DEFAULT_API_LIMITS, corsOrigins: [ALLOWED_ORIGIN], bodyLimitBytes: 4096, maxDepth: 3, maxCost: 30, maxAliases: 2, maxTokens: 120 },
  });
  production = buildApp({ ...common, production: true });
  await Promise.all([strict.start('127.0.0.1', 0), production.start('127.0.0.1', 0)]);
});
afterAll(async () => {
  await Promise.all([strict?.stop(), production?.stop()]);
  await platform?.stop();
});

async function post(url: string, body: string | object, headers: Record<string, string> = {}): Promise<{ status: number; json: GraphQLResponse; headers: Headers }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await platform.tokenOf('OWNER')}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: JSON.parse(text) as GraphQLResponse, headers: response.headers };
}
/** A word for a test's client names, so that "nothing changed" counts only its own inquiries (other files' intake goes on). */
const newTag = () => `Hardening${randomUUID().slice(0, 8)}`;
/** Inquiries whose client name carries the tag. */
const inquiryCount = async (tag: string) => Number((await platform.orm.em.getConnection().execute<Array<{ n: string }>>(
  'SELECT count(*) AS n FROM inquiries WHERE client_name LIKE ?', [`%${tag}%`]))[0]?.n);

describe('operation limits (graphql-armor)', () => {
  test('depth, cost, aliases and tokens over the limit are VALIDATION errors naming the limit', async () => {
    const depth = await post(strict.url, { query: '{ inquiries(first: 1) { edges { node { id } } } }' });
    expect(depth.json.errors?.[0]).toMatchObject({ message: expect.stringMatching(/depth limit of 3 exceeded/i), extensions: { code: 'VALIDATION', limit: 'maxDepth' } });
    const cost = await post(strict.url, { query: `{ me { ${'id email name roles permissions '.repeat(7)} } }` });
    expect(cost.json.errors?.find((e) => e.extensions?.limit === 'costLimit')).toMatchObject({ message: expect.stringMatching(/cost limit of 30 exceeded/i), extensions: { code: 'VALIDATION', limit: 'costLimit' } });
    const aliases = await post(strict.url, { query: '{ a: me { id } b: me { id } c: me { id } }' });
    expect(aliases.json.errors?.[0]).toMatchObject({ message: expect.stringMatching(/aliases limit of 2 exceeded/i), extensions: { code: 'VALIDATION', limit: 'maxAliases' } });
    const tokens = await post(strict.url, { query: `{ me { ${'id '.repeat(150)} } }` });
    expect(tokens.json.errors?.[0]).toMatchObject({ message: expect.stringMatching(/token limit of 120 exceeded/i), extensions: { code: 'VALIDATION', limit: 'maxTokens' } });
    // Within the limits, the same API answers.
    expect((await post(strict.url, { query: '{ me { id } }' })).json.errors).toBeUndefined();
    // The defaults let the console's ordinary queries through.
    expect((await platform.gql('{ inquiries(first: 1) { edges { node { id ref status } } pageInfo { hasNextPage } } }')).errors).toBeUndefined();
  });

  test('a mutation refused by a limit changes nothing', async () => {
    const tag = newTag();
    const create = (alias: string) => `${alias}: createInquiry(input: { source: web, clientName: "Limit ${tag}" }) { created }`;
    const refused = await post(strict.url, { query: `mutation { ${create('a')} ${create('b')} ${create('c')} }` });
    expect(refused.json.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION' });
    // Over the cost limit (checked once variables are known, still before anything runs).
    const costly = await post(strict.url, { query: `mutation { createInquiry(input: { source: web, clientName: "Costly ${tag}" }) { inquiry { ${'id ref status '.repeat(10)} } } }` });
    expect(costly.json.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', limit: 'costLimit' });
    expect(await inquiryCount(tag)).toBe(0);
    // Within the limits, the same mutation is counted.
    expect((await post(strict.url, { query: `mutation { ${create('a')} }` })).json.errors).toBeUndefined();
    expect(await inquiryCount(tag)).toBe(1);
  });

  test('the limits apply to subscriptions over WebSocket too', async () => {
    const socket = openSocket(strict.url, `Bearer ${await platform.tokenOf('OWNER')}`);
    try {
      await socket.connected;
      const tokens = socket.subscribe(`subscription { actionCenterUpdates { ${'ref '.repeat(130)} } }`);
      expect((await tokens.waitFor((v) => !!v.errors)).errors?.[0]).toMatchObject({ message: expect.stringMatching(/token limit of 120/i), extensions: { code: 'VALIDATION', limit: 'maxTokens' } });
      const cost = socket.subscribe(`subscription { actionCenterUpdates { ${'ref status kind entityId '.repeat(8)} } }`);
      expect((await cost.waitFor((v) => !!v.errors)).errors?.[0]).toMatchObject({ extensions: { code: 'VALIDATION', limit: 'costLimit' } });
    } finally {
      await socket.dispose();
    }
  });
});

describe('production mode', () => {
  test('no introspection, no GraphiQL, no field suggestions; development has all three', async () => {
    const introspection = await post(production.url, { query: '{ __schema { queryType { name } } }' });
    expect(introspection.json.errors?.[0]?.message).toMatch(/introspection has been disabled/i);
    expect(introspection.json.data ?? undefined).toBeUndefined();
    const type = await post(production.url, { query: '{ __type(name: "Inquiry") { fields { name } } }' });
    expect(type.json.errors?.[0]?.message).toMatch(/introspection has been disabled/i);
    const typo = await post(production.url, { query: '{ mee { id } }' });
    expect(typo.json.errors?.[0]?.message).not.toMatch(/Did you mean/);
    const console = await fetch(`${production.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await console.text()).not.toMatch(/graphiql/i);
    // Ordinary operations still work; __typename is not introspection.
    expect((await post(production.url, { query: '{ me { __typename id } }' })).json.errors).toBeUndefined();

    expect((await platform.gql('{ __schema { queryType { name } } }')).errors).toBeUndefined();
    expect((await platform.gql('{ mee { id } }')).errors?.[0]?.message).toMatch(/Did you mean "me"/);
    const devConsole = await fetch(`${platform.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await devConsole.text()).toMatch(/graphiql/i);
  });
});

describe('request bodies', () => {
  test('a body over the limit is refused with 413 before parsing, declared or streamed', async () => {
    const tag = newTag();
    const big = JSON.stringify({ query: `mutation { createInquiry(input: { source: web, clientName: "Big ${tag}" }) { created } }`, variables: { pad: 'x'.repeat(5000) } });
    const declared = await post(strict.url, big);
    expect(declared.status).toBe(413);
    expect(declared.json.errors?.[0]).toMatchObject({ message: expect.stringMatching(/larger than the limit of 4096 bytes/), extensions: { code: 'VALIDATION', limitBytes: 4096 } });
    // Without a Content-Length (chunked), counted while reading.
    const streamed = await fetch(`${strict.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await platform.tokenOf('OWNER')}` },
      body: Readable.toWeb(Readable.from([big.slice(0, 3000), big.slice(3000)])) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as GraphQLResponse).errors?.[0]?.message).toMatch(/larger than the limit/);
    expect(await inquiryCount(tag)).toBe(0);
    // The default limit (1 MiB) on the ordinary API.
    const huge = await post(platform.url, { query: '{ me { id } }', variables: { pad: 'x'.repeat(1_100_000) } });
    expect(huge.status).toBe(413);
  });

  test('malformed JSON, a missing query, a batch or another content type: clear errors, nothing changed', async () => {
    const tag = newTag();
    const malformed = await post(platform.url, `{"query": "mutation { createInquiry(input: {source: web, clientName: \\"${tag}\\"}) { created } }"`);
    expect(malformed.status).toBe(400);
    expect(malformed.json.errors?.[0]).toMatchObject({ message: expect.stringMatching(/not valid JSON/), extensions: { code: 'VALIDATION' } });
    const noQuery = await post(platform.url, { variables: {} });
    expect(noQuery.status).toBe(400);
    expect(noQuery.json.errors?.[0]).toMatchObject({ message: expect.stringMatching(/no "query"/), extensions: { code: 'VALIDATION', field: 'query' } });
    const batch = await post(platform.url, [{ query: '{ me { id } }' }]);
    expect(batch.status).toBe(400);
    expect(batch.json.errors?.[0]?.message).toMatch(/JSON object/);
    const form = await post(platform.url, 'query=mutation', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(form.json.errors?.[0]?.message).toMatch(/Content-Type: application\/json/);
    const syntax = await post(platform.url, { query: `mutation { createInquiry(input: { source: web, clientName: "${tag}" }` });
    expect(syntax.json.errors?.[0]?.message).toMatch(/Syntax Error/);
    expect(await inquiryCount(tag)).toBe(0);
  });
});

describe('CORS', () => {
  test('only configured origins get CORS headers; by default none do', async () => {
    const preflight = (url: string, origin: string) => fetch(`${url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key' },
    });
    const allowed = await preflight(strict.url, ALLOWED_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/idempotency-key/);
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();

    const denied = await preflight(strict.url, 'https://evil.example.com');
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
    const deniedPost = await post(strict.url, { query: '{ me { id } }' }, { origin: 'https://evil.example.com' });
    expect(deniedPost.headers.get('access-control-allow-origin')).toBeNull();
    const allowedPost = await post(strict.url, { query: '{ me { id } }' }, { origin: ALLOWED_ORIGIN });
    expect(allowedPost.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);

    const byDefault = await preflight(platform.url, ALLOWED_ORIGIN);
    expect(byDefault.headers.get('access-control-allow-origin')).toBeNull();
  });
});
