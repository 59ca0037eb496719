/**
 * Sign-in sessions: login with argon2id passwords, rotating refresh tokens (a reused, already
 * rotated token revokes its whole family: it was stolen or replayed), logout, and the viewer
 * behind an access token. Login attempts are rate limited per account and per address, counted
 * in the database so every API process sees the same count.
 */
import { randomUUID } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { hash, verify } from '@node-rs/argon2';
import { AuditLog, RefreshToken, User } from '../../db/entities/index.ts';
import { rateLimited, unauthenticated } from '../../domain/errors.ts';
import { REFRESH_TOKEN_TTL_MS, hashRefreshToken, issueAccessToken, newRefreshToken, verifyAccessToken } from './tokens.ts';
import type { ViewerCache } from './viewer-cache.ts';

export const LOGIN_LIMITS = { perAccount: 5, perAddress: 20, windowMinutes: 15 } as const;
/** Failed logins for unknown emails are audited against this id. */
const NO_USER = '00000000-0000-0000-0000-000000000000';
/** Verified when the email is unknown, so that failure takes as long as a wrong password. */
let dummyHash: Promise<string> | undefined;
const ARGON2ID = 2; // Algorithm.Argon2id: a const enum, which type stripping cannot inline
function dummy(): Promise<string> {
  dummyHash ??= hash('not-a-password', { algorithm: ARGON2ID as never, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  return dummyHash;
}

export interface Viewer {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly roles: string[];
  readonly permissions: string[];
  readonly sessionId: string;
}

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
    if (!viewer) throw unauthenticated('This account is disabled.');
    const access = await issueAccessToken({ userId: user.id, sessionId: familyId }, deps.key);
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, refreshTokenExpiresAt, user: viewer };
  }

  async function revokeFamily(em: EntityManager, familyId: string, reason: string): Promise<void> {
    await em.nativeUpdate(RefreshToken, { familyId, revokedAt: null }, { revokedAt: new Date(), revokedReason: reason });
    await notifyRevoked(em, { sessionId: familyId });
  }

  return {
    async login(email: string, password: string, client: ClientInfo): Promise<Session> {
      const em = deps.orm.em.fork();
      const normalized = email.trim().toLowerCase();
      const since = new Date(Date.now() - LOGIN_LIMITS.windowMinutes * 60_000);
      const [counts] = await em.getConnection().execute<Array<{ account: number; address: number }>>(`
        SELECT count(*) FILTER (WHERE metadata->>'email' = ?)::int AS account, count(*) FILTER (WHERE ip = ?)::int AS address
          FROM audit_log WHERE action = 'LOGIN_FAILED' AND created_at > ?`, [normalized, client.ip ?? '', since]);
      if ((counts?.account ?? 0) >= LOGIN_LIMITS.perAccount || (counts?.address ?? 0) >= LOGIN_LIMITS.perAddress) {
        throw rateLimited(`Too many failed sign-ins. Try again in ${LOGIN_LIMITS.windowMinutes} minutes.`);
      }
      const user = await em.findOne(User, { email: normalized });
      const valid = await verify(user?.passwordHash ?? (await dummy()), password).catch(() => false);
      if (!user || !valid || user.status !== 'active') {
        em.create(AuditLog, {
          actorType: 'user', actorUser: user?.id ?? null, action: 'LOGIN_FAILED', entityType: 'user', entityId: user?.id ?? NO_USER,
          ip: client.ip, userAgent: client.userAgent, metadata: { email: normalized, reason: !user ? 'unknown email' : !valid ? 'wrong password' : 'disabled' },
        });
        await em.flush();
        throw unauthenticated(user && valid ? 'This account is disabled.' : 'Wrong email or password.');
      }
      user.lastLoginAt = new Date();
      em.create(AuditLog, { actorType: 'user', actorUser: user.id, action: 'LOGIN', entityType: 'user', entityId: user.id, ip: client.ip, userAgent: client.userAgent });
      return start(em, user, randomUUID(), client);
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
      if (outcome === 'ended') throw unauthenticated('The session has ended. Sign in again.');
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

    /** The active user behind a bearer token whose session is still open, or undefined. */
    async viewer(accessToken: string): Promise<Viewer | undefined> {
      const claims = await verifyAccessToken(accessToken, deps.key);
      if (!claims) return undefined;
      const load = () => loadViewer(deps.orm.em.fork(), claims.userId, claims.sessionId);
      return deps.viewers ? deps.viewers.get(claims.userId, claims.sessionId, load) : load();
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
