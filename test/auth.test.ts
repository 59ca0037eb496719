/**
 * Sign-in through the real API over HTTP: argon2id passwords, access tokens, rotating refresh
 * tokens (reuse ends the whole session), logout, disabled users, and sign-in throttling: growing
 * delays per (account, address), a limit per address and one per account for new addresses.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { DemoCredential } from '../db/seed/demo-data.ts';
import { hashPassword } from '../db/seed/demo-data.ts';
import { LOGIN_LIMITS, loginDelaySeconds } from '../api/auth/sessions.ts';
import { hashRefreshToken } from '../api/auth/tokens.ts';
import { bearer, startTestPlatform, testEnv, type TestPlatform } from './support/platform.ts';

let platform: TestPlatform;
let owner: DemoCredential;

beforeAll(async () => {
  platform = await startTestPlatform();
  const credentials = JSON.parse(readFileSync(path.join(testEnv().dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredential[];
  owner = credentials.find((c) => c.role === 'OWNER') as DemoCredential;
});
afterAll(async () => {
  await platform?.stop();
});

const LOGIN = 'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken refreshToken accessTokenExpiresAt user { email roles permissions } } }';
const REFRESH = 'mutation ($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }';
const ME = '{ me { id email name roles } }';

type Tokens = { accessToken: string; refreshToken: string };

async function login(email: string, password: string, headers: Record<string, string> = {}) {
  return platform.gql<{ login: Tokens & { user: { email: string; roles: string[]; permissions: string[] } } }>(LOGIN, { email, password }, headers);
}

describe('authentication', () => {
  test('login returns a short-lived access token and a refresh token; me answers with it', async () => {
    const result = await login(owner.email.toUpperCase(), owner.password);
    expect(result.errors).toBeUndefined();
    const session = result.data!.login;
    expect(session.user).toMatchObject({ email: owner.email, roles: ['OWNER'] });
    expect(session.user.permissions).toContain('settings.write');
    expect(Date.parse((session as unknown as { accessTokenExpiresAt: string }).accessTokenExpiresAt) - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    const me = await platform.gql<{ me: { email: string } }>(ME, undefined, bearer(session.accessToken));
    expect(me.data?.me.email).toBe(owner.email);
  });

  test('without a token, or with a forged one, me is UNAUTHENTICATED', async () => {
    expect((await platform.gql(ME, undefined, { authorization: '' })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4Iiwic2lkIjoieSJ9.invalid';
    expect((await platform.gql(ME, undefined, bearer(forged))).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('a wrong password and an unknown email get the same answer', async () => {
    const wrong = await login(owner.email, 'not-the-password');
    const unknown = await login(`nobody-${randomUUID()}@virel.local`, 'whatever');
    for (const result of [wrong, unknown]) {
      expect(result.data).toBeNull();
      expect(result.errors?.[0]).toMatchObject({ message: 'Wrong email or password.', extensions: { code: 'UNAUTHENTICATED' } });
    }
  });

  test('refresh rotates; reusing a spent refresh token ends the whole session', async () => {
    const first = (await login(owner.email, owner.password)).data!.login;
    const second = (await platform.gql<{ refreshSession: Tokens }>(REFRESH, { t: first.refreshToken })).data!.refreshSession;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await platform.gql(ME, undefined, bearer(second.accessToken))).data).toMatchObject({ me: { email: owner.email } });

    // The first refresh token comes back (stolen or replayed): the family is revoked.
    const replay = await platform.gql(REFRESH, { t: first.refreshToken });
    expect(replay.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await platform.gql(REFRESH, { t: second.refreshToken })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await platform.gql(ME, undefined, bearer(second.accessToken))).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // This session's family (found by its first token; other sessions are created meanwhile).
    const [row] = await platform.orm.em.getConnection().execute<Array<{ tokens: number; revoked: number }>>(
      `SELECT count(*)::int AS tokens, count(*) FILTER (WHERE revoked_reason = 'refresh token reused')::int AS revoked FROM refresh_tokens WHERE token_hash IS NOT NULL AND family_id = (
         SELECT family_id FROM refresh_tokens WHERE token_hash = ?)`, [hashRefreshToken(first.refreshToken)]);
    expect(row?.tokens).toBeGreaterThanOrEqual(2);
    expect(row?.revoked).toBeGreaterThanOrEqual(1);
  });

  test('logout ends the session: its access and refresh tokens stop working', async () => {
    const session = (await login(owner.email, owner.password)).data!.login;
    expect((await platform.gql<{ logout: boolean }>('mutation ($t: String!) { logout(refreshToken: $t) }', { t: session.refreshToken })).data?.logout).toBe(true);
    expect((await platform.gql(ME, undefined, bearer(session.accessToken))).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await platform.gql(REFRESH, { t: session.refreshToken })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('a disabled user cannot sign in and loses the sessions they had', async () => {
    const email = `temp-${randomUUID().slice(0, 8)}@virel.local`;
    const connection = platform.orm.em.getConnection();
    await connection.execute(`INSERT INTO users (email, name, password_hash) VALUES (?, 'Temporary', ?)`, [email, await hashPassword('correct horse battery')]);
    const session = (await login(email, 'correct horse battery')).data!.login;
    await connection.execute(`UPDATE users SET status = 'disabled' WHERE email = ?`, [email]);
    expect((await platform.gql(ME, undefined, bearer(session.accessToken))).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await platform.gql(REFRESH, { t: session.refreshToken })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const again = await login(email, 'correct horse battery');
    expect(again.errors?.[0]).toMatchObject({ message: 'This account is disabled.', extensions: { code: 'UNAUTHENTICATED' } });
  });

  test('failures of one account from one address make that address wait longer each time; the owner signs in from another address at once', async () => {
    const email = `limited-${randomUUID().slice(0, 8)}@virel.local`;
    await platform.orm.em.getConnection().execute(`INSERT INTO users (email, name, password_hash) VALUES (?, 'Limited', ?)`, [email, await hashPassword('right password')]);
    const attacker = { 'x-forwarded-for': '192.0.2.66' };
    const code = async (password: string, headers = attacker) => (await login(email, password, headers)).errors?.[0]?.extensions?.code ?? 'OK';
    for (let i = 0; i < LOGIN_LIMITS.freeAttemptsPerAccountAndAddress; i++) expect(await code(`wrong-${i}`)).toBe('UNAUTHENTICATED');
    // From now on each attempt from that address waits, even one with the right password...
    const blocked = await login(email, 'right password', attacker);
    expect(blocked.errors?.[0]).toMatchObject({ message: expect.stringMatching(/Try again in 1 second\.$/), extensions: { code: 'RATE_LIMITED' } });
    expect(blocked.data).toBeNull();
    // ...and the wait doubles with every failure.
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await code('wrong-again')).toBe('UNAUTHENTICATED');
    expect((await login(email, 'wrong', attacker)).errors?.[0]?.message).toMatch(/Try again in 2 seconds\.$/);
    expect(loginDelaySeconds(LOGIN_LIMITS.freeAttemptsPerAccountAndAddress + 3)).toBe(8);
    expect(loginDelaySeconds(100)).toBe(LOGIN_LIMITS.maxDelaySeconds);
    // The account's owner, from their own address, is not locked out.
    expect(await code('right password', { 'x-forwarded-for': '203.0.113.77' })).toBe('OK');
    const failures = await platform.sql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'LOGIN_FAILED' AND metadata->>'email' = ?`, [email]);
    expect(failures[0]?.n).toBe(LOGIN_LIMITS.freeAttemptsPerAccountAndAddress + 1);
  });

  test('parallel guesses from one address are counted one by one: no burst gets past the delay', async () => {
    const email = `burst-${randomUUID().slice(0, 8)}@virel.local`;
    await platform.orm.em.getConnection().execute(`INSERT INTO users (email, name, password_hash) VALUES (?, 'Burst', ?)`, [email, await hashPassword('right password')]);
    const address = { 'x-forwarded-for': '192.0.2.67' };
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => login(email, `guess-${i}`, address)));
    const codes = results.map((r) => r.errors?.[0]?.extensions?.code);
    expect(codes.filter((c) => c === 'UNAUTHENTICATED')).toHaveLength(LOGIN_LIMITS.freeAttemptsPerAccountAndAddress);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(8 - LOGIN_LIMITS.freeAttemptsPerAccountAndAddress);
  });

  test('a guess spread over many addresses is stopped for new addresses; an address the account used before may still sign in', async () => {
    const email = `spread-${randomUUID().slice(0, 8)}@virel.local`;
    await platform.orm.em.getConnection().execute(`INSERT INTO users (email, name, password_hash) VALUES (?, 'Spread', ?)`, [email, await hashPassword('right password')]);
    const home = { 'x-forwarded-for': '203.0.113.88' };
    expect((await login(email, 'right password', home)).errors).toBeUndefined();
    for (let i = 0; i < LOGIN_LIMITS.perAccount; i++) {
      expect((await login(email, 'guess', { 'x-forwarded-for': `10.77.${Math.floor(i / 250)}.${(i % 250) + 1}` })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    const stranger = await login(email, 'right password', { 'x-forwarded-for': '10.78.0.1' });
    expect(stranger.errors?.[0]).toMatchObject({ message: expect.stringMatching(/address you used before/), extensions: { code: 'RATE_LIMITED' } });
    expect((await login(email, 'right password', home)).errors).toBeUndefined();
  }, 60_000);

  test('failed sign-ins are limited per address (as forwarded by a trusted proxy): the 21st is RATE_LIMITED for any account', async () => {
    const address = { 'x-forwarded-for': `198.51.100.${Math.floor(Math.random() * 250) + 1}` };
    const emails = Array.from({ length: 20 }, () => `nobody-${randomUUID().slice(0, 8)}@virel.local`);
    for (const email of emails) {
      expect((await login(email, 'guess', address)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    // Each failure is recorded with the forwarded address (found by its own emails: other files sign in meanwhile).
    const rows = await platform.orm.em.getConnection().execute<Array<{ ip: string }>>(
      `SELECT ip FROM audit_log WHERE action = 'LOGIN_FAILED' AND metadata->>'email' IN (${emails.map(() => '?').join(', ')})`, emails);
    expect(rows.map((r) => r.ip)).toEqual(emails.map(() => address['x-forwarded-for']));
    const blocked = await login(owner.email, owner.password, address);
    expect(blocked.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // Another address is unaffected.
    expect((await login(owner.email, owner.password, { 'x-forwarded-for': '203.0.113.9' })).data?.login.accessToken).toEqual(expect.any(String));
  });

  test('an inquiry created by a signed-in user is audited with that user as actor', async () => {
    const session = (await login(owner.email, owner.password)).data!.login;
    const me = (await platform.gql<{ me: { id: string } }>('{ me { id } }', undefined, bearer(session.accessToken))).data!.me;
    const created = await platform.gql<{ createInquiry: { inquiry: { id: string } } }>(
      'mutation { createInquiry(input: { source: phone, clientName: "Signed-in test" }) { inquiry { id } } }', undefined, bearer(session.accessToken));
    const [audit] = await platform.orm.em.getConnection().execute<Array<{ actor_type: string; actor_user_id: string }>>(
      'SELECT actor_type, actor_user_id FROM audit_log WHERE entity_id = ?', [created.data!.createInquiry.inquiry.id]);
    expect(audit).toEqual({ actor_type: 'user', actor_user_id: me.id });
  });
});
