/**
 * Sign-in sessions: login with argon2id passwords, rotating refresh tokens (a reused, already
 * rotated token revokes its whole family: it was stolen or replayed), logout, and the viewer
 * behind an access token. Failed sign-ins are throttled (loginThrottle below), counted in the
 * database so every API process sees the same count.
 */
import { randomUUID } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { AuditLog, RefreshToken, User } from '../../db/entities/index.ts';
import { DomainError, rateLimited, unauthenticated, type UnauthenticatedReason } from '../../domain/errors.ts';
import { hashPassword, verifyPassword } from '../../platform/passwords.ts';
import { REFRESH_TOKEN_TTL_MS, checkAccessToken, hashRefreshToken, issueAccessToken, newRefreshToken } from './tokens.ts';
import type { ViewerCache } from './viewer-cache.ts';

/**
 * Sign-in throttling (OWASP ASVS V2.2.1, the Authentication Cheat Sheet): limits that stop
 * guessing without letting a stranger lock an operator out.
 * - per (account, address): a few free attempts, then each further attempt waits a delay that
 *   doubles with every failure (1 s, 2 s, 4 s … 15 min); a success from that address resets it.
 *   The attacker's address slows down; the operator signing in from their own address does not.
 * - per address: at most `perAddress` failures in the window, whatever the accounts (spraying).
 * - per account, all addresses together: beyond `perAccount` failures in the window (a guess
 *   spread over many addresses), only addresses the account signed in from in the last
 *   `knownAddressDays` may still try.
 * Unknown emails are counted alike, so the answers do not tell which accounts exist.
 */
export const LOGIN_LIMITS = {
  windowMinutes: 15,
  freeAttemptsPerAccountAndAddress: 3,
  firstDelaySeconds: 1,
  maxDelaySeconds: 15 * 60,
  perAddress: 20,
  perAccount: 50,
  knownAddressDays: 30,
} as const;

/** The wait before the next attempt after `failures` failures of one (account, address). */
export function loginDelaySeconds(failures: number): number {
  const over = failures - LOGIN_LIMITS.freeAttemptsPerAccountAndAddress;
  if (over < 0) return 0;
  return Math.min(LOGIN_LIMITS.firstDelaySeconds * 2 ** over, LOGIN_LIMITS.maxDelaySeconds);
}

/** Failed logins for unknown emails are audited against this id. */
const NO_USER = '00000000-0000-0000-0000-000000000000';
/** Verified when the email is unknown, so that failure takes as long as a wrong password. */
let dummyHash: Promise<string> | undefined;
const dummy = (): Promise<string> => (dummyHash ??= hashPassword('not-a-password'));

/** Refuses a sign-in attempt the limits do not allow yet (RATE_LIMITED); reads in the caller's transaction. */
async function assertLoginAllowed(em: EntityManager, email: string, ip: string, userId: string): Promise<void> {
  const tx = em.getTransactionContext();
  const [counts] = await em.getConnection().execute<Array<{ pair: number; wait_seconds: number | null; address: number; account: number }>>(`
    WITH last_success AS (
      SELECT coalesce(max(created_at), '-infinity') AS at FROM audit_log
       WHERE entity_type = 'user' AND entity_id = ? AND action = 'LOGIN' AND ip = ?
    ), failures AS (
      SELECT ip, metadata->>'email' AS email, created_at FROM audit_log
       WHERE action = 'LOGIN_FAILED' AND created_at > clock_timestamp() - make_interval(mins => ?) AND (ip = ? OR metadata->>'email' = ?)
    )
    SELECT count(*) FILTER (WHERE f.email = ? AND f.ip = ? AND f.created_at > s.at)::int AS pair,
           extract(epoch FROM max(f.created_at) FILTER (WHERE f.email = ? AND f.ip = ? AND f.created_at > s.at) - clock_timestamp())::float8 AS wait_seconds,
           count(*) FILTER (WHERE f.ip = ?)::int AS address,
           count(*) FILTER (WHERE f.email = ?)::int AS account
      FROM failures f, last_success s`,
  [userId, ip, LOGIN_LIMITS.windowMinutes, ip, email, email, ip, email, ip, ip, email], 'all', tx);
  const pair = counts?.pair ?? 0;
  // Seconds left until the last failure is `delay` old (wait_seconds is last failure − now, ≤ 0).
  const left = Math.ceil(loginDelaySeconds(pair) + (counts?.wait_seconds ?? 0));
  if (pair > 0 && left > 0) {
    throw rateLimited(`Too many failed sign-ins for this account from this address. Try again in ${left} second${left === 1 ? '' : 's'}.`);
  }
  if ((counts?.address ?? 0) >= LOGIN_LIMITS.perAddress) {
    throw rateLimited(`Too many failed sign-ins from this address. Try again in ${LOGIN_LIMITS.windowMinutes} minutes.`);
  }
  if ((counts?.account ?? 0) >= LOGIN_LIMITS.perAccount) {
    const [known] = await em.getConnection().execute<Array<{ known: boolean }>>(`
      SELECT EXISTS (SELECT 1 FROM audit_log WHERE entity_type = 'user' AND entity_id = ? AND action = 'LOGIN' AND ip = ?
                        AND created_at > now() - make_interval(days => ?)) AS known`, [userId, ip, LOGIN_LIMITS.knownAddressDays], 'all', tx);
    if (!known?.known) {
      throw rateLimited(`Too many failed sign-ins for this account. Sign in from an address you used before, or try again in ${LOGIN_LIMITS.windowMinutes} minutes.`);
    }
  }
}

export interface Viewer {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly roles: string[];
  readonly permissions: string[];
  readonly sessionId: string;
}

/** What a bearer token amounts to: a viewer, or the reason a request carrying it is not signed in. */
export type Authentication = { readonly viewer: Viewer } | { readonly refused: Extract<UnauthenticatedReason, 'token_expired' | 'token_invalid' | 'token_revoked'> };

export interface Session {
  readonly accessToken: string;
  readonly accessTokenExpiresAt: Date;
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt: Date;
  readonly user: Viewer;
}

export interface ClientInfo {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/**
 * The active user of an open session, with roles and permissions: one query, as it runs on every
 * request. Reads in the caller's transaction, if any (a refresh sees the session it just extended).
 */
async function loadViewer(em: EntityManager, userId: string, sessionId: string): Promise<Viewer | undefined> {
  const rows = await em.getConnection().execute<Array<{ id: string; email: string; name: string; roles: string[] | null; permissions: string[] | null }>>(`
    SELECT u.id, u.email, u.name,
           array(SELECT r.code FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id ORDER BY r.code) AS roles,
           array(SELECT DISTINCT p.code FROM user_roles ur JOIN role_permissions rp ON rp.role_id = ur.role_id
                   JOIN permissions p ON p.id = rp.permission_id WHERE ur.user_id = u.id ORDER BY p.code) AS permissions
      FROM users u
     WHERE u.id = ? AND u.status = 'active'
       AND EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = ? AND t.revoked_at IS NULL)`,
  [userId, sessionId], 'all', em.getTransactionContext());
  const row = rows[0];
  if (!row) return undefined;
  return { id: row.id, email: row.email, name: row.name, roles: row.roles ?? [], permissions: row.permissions ?? [], sessionId };
}

/** The NOTIFY channel on which every API process hears that sessions ended (to close their sockets). */
export const SESSIONS_CHANNEL = 'virel_sessions';

export type RevokedSessions = { readonly sessionId: string } | { readonly userId: string };

/** NOTIFY in the caller's transaction, if any: heard only once the revocation commits. */
async function notifyRevoked(em: EntityManager, revoked: RevokedSessions): Promise<void> {
  await em.getConnection().execute('SELECT pg_notify(?, ?)', [SESSIONS_CHANNEL, JSON.stringify(revoked)], 'get', em.getTransactionContext());
}

/**
 * `viewers`: the process's viewer cache (api/auth/viewer-cache.ts), which the NOTIFYs here and in
 * notifyViewerChanged keep true; without it every request queries its session.
 */
export function createSessions(deps: { orm: MikroORM; key: Uint8Array; viewers?: ViewerCache }) {
  async function start(em: EntityManager, user: User, familyId: string, client: ClientInfo): Promise<Session> {
    const refreshToken = newRefreshToken();
    const refreshTokenExpiresAt = new Date(Date.now() + REFRESH_TOKEN_TTL_MS);
    em.create(RefreshToken, { user, familyId, tokenHash: hashRefreshToken(refreshToken), expiresAt: refreshTokenExpiresAt, ip: client.ip, userAgent: client.userAgent });
    await em.flush();
    const viewer = await loadViewer(em, user.id, familyId);
    if (!viewer) throw unauthenticated('This account is disabled.', 'account_disabled');
    const access = await issueAccessToken({ userId: user.id, sessionId: familyId }, deps.key);
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, refreshTokenExpiresAt, user: viewer };
  }

  async function revokeFamily(em: EntityManager, familyId: string, reason: string): Promise<void> {
    await em.nativeUpdate(RefreshToken, { familyId, revokedAt: null }, { revokedAt: new Date(), revokedReason: reason });
    await notifyRevoked(em, { sessionId: familyId });
  }

  /**
   * The viewer behind a bearer token, or why there is none: the token expired (the client
   * refreshes), is invalid, or its session ended (logout, reuse, user disabled): sign in.
   */
  async function authenticate(accessToken: string): Promise<Authentication> {
    const check = await checkAccessToken(accessToken, deps.key);
    if ('refused' in check) return { refused: check.refused };
    const { userId, sessionId } = check.claims;
    const load = () => loadViewer(deps.orm.em.fork(), userId, sessionId);
    const viewer = await (deps.viewers ? deps.viewers.get(userId, sessionId, load) : load());
    return viewer ? { viewer } : { refused: 'token_revoked' };
  }

  return {
    async login(email: string, password: string, client: ClientInfo): Promise<Session> {
      const normalized = email.trim().toLowerCase();
      const ip = client.ip ?? '';
      const outcome = await deps.orm.em.fork().transactional(async (em): Promise<Session | DomainError> => {
        // Attempts on one (account, address) run one at a time, each seeing the failures before
        // it: a burst of parallel guesses cannot all pass the check before any is counted.
        await em.getConnection().execute('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`login:${normalized}:${ip}`], 'all', em.getTransactionContext());
        const user = await em.findOne(User, { email: normalized });
        await assertLoginAllowed(em, normalized, ip, user?.id ?? NO_USER);
        const valid = await verifyPassword(user?.passwordHash ?? (await dummy()), password);
        if (!user || !valid || user.status !== 'active') {
          em.create(AuditLog, {
            // Stamped now, after the password check, not at the transaction's start: the delay
            // runs from the moment the failure is known.
            createdAt: new Date(),
            actorType: 'user', actorUser: user?.id ?? null, action: 'LOGIN_FAILED', entityType: 'user', entityId: user?.id ?? NO_USER,
            ip: client.ip, userAgent: client.userAgent, metadata: { email: normalized, reason: !user ? 'unknown email' : !valid ? 'wrong password' : 'disabled' },
          });
          await em.flush();
          // Returned, not thrown: the failure must be committed to count.
          return user && valid ? unauthenticated('This account is disabled.', 'account_disabled') : unauthenticated('Wrong email or password.', 'bad_credentials');
        }
        user.lastLoginAt = new Date();
        em.create(AuditLog, { actorType: 'user', actorUser: user.id, action: 'LOGIN', entityType: 'user', entityId: user.id, ip: client.ip, userAgent: client.userAgent });
        return start(em, user, randomUUID(), client);
      });
      if (outcome instanceof DomainError) throw outcome;
      return outcome;
    },

    /** Exchanges a refresh token for a new pair; the old one is spent. */
    async refresh(refreshToken: string, client: ClientInfo): Promise<Session> {
      const outcome = await deps.orm.em.fork().transactional(async (em): Promise<Session | 'ended'> => {
        // Locked: two concurrent refreshes with one token cannot both succeed.
        const stored = await em.findOne(RefreshToken, { tokenHash: hashRefreshToken(refreshToken) }, { populate: ['user'], lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!stored || stored.revokedAt || stored.expiresAt < new Date()) return 'ended';
        if (stored.rotatedAt) {
          // A spent token came back: someone holds a copy. End every session of the family
          // (committed, then refused).
          await revokeFamily(em, stored.familyId, 'refresh token reused');
          return 'ended';
        }
        const user = stored.user as User;
        if (user.status !== 'active') return 'ended';
        stored.rotatedAt = new Date();
        return start(em, user, stored.familyId, client);
      });
      if (outcome === 'ended') throw unauthenticated('The session has ended. Sign in again.', 'session_ended');
      return outcome;
    },

    async logout(refreshToken: string): Promise<boolean> {
      const em = deps.orm.em.fork();
      const stored = await em.findOne(RefreshToken, { tokenHash: hashRefreshToken(refreshToken) });
      if (!stored) return false;
      await revokeFamily(em, stored.familyId, 'logout');
      return true;
    },

    /**
     * Ends every session of a user (disabled, password or roles changed). Pass the caller's
     * EntityManager to make it part of its transaction.
     */
    async revokeUser(userId: string, reason: string, em: EntityManager = deps.orm.em.fork()): Promise<number> {
      const revoked = await em.nativeUpdate(RefreshToken, { user: userId, revokedAt: null }, { revokedAt: new Date(), revokedReason: reason });
      await notifyRevoked(em, { userId });
      return revoked;
    },

    authenticate,

    /** The active user behind a bearer token whose session is still open, or undefined. */
    async viewer(accessToken: string): Promise<Viewer | undefined> {
      const outcome = await authenticate(accessToken);
      return 'viewer' in outcome ? outcome.viewer : undefined;
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
