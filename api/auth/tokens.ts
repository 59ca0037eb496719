/**
 * Access tokens: short-lived HS256 JWTs (jose) naming the user and the session (refresh-token
 * family) they belong to. Refresh tokens are opaque random strings, stored only as hashes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const ISSUER = 'virel-ops';

export interface AccessClaims {
  readonly userId: string;
  readonly sessionId: string;
}

export function signingKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function issueAccessToken(claims: AccessClaims, key: Uint8Array, now = Date.now()): Promise<{ token: string; expiresAt: Date }> {
  const expiresAt = new Date(now + ACCESS_TOKEN_TTL_SECONDS * 1000);
  const token = await new SignJWT({ sid: claims.sessionId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.userId)
    .setIssuer(ISSUER)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(key);
  return { token, expiresAt };
}

/** The token of an `Authorization: Bearer <token>` value (HTTP header or graphql-ws connectionParams). */
export function bearerToken(authorization: unknown): string | undefined {
  return typeof authorization === 'string' ? /^Bearer (\S+)$/.exec(authorization)?.[1] : undefined;
}

/** A token's claims, or why it is refused: expired (refresh it) or invalid (sign in). */
export type AccessTokenCheck = { readonly claims: AccessClaims } | { readonly refused: 'token_expired' | 'token_invalid' };

export async function checkAccessToken(token: string, key: Uint8Array): Promise<AccessTokenCheck> {
  try {
    const { payload } = await jwtVerify(token, key, { issuer: ISSUER, algorithms: ['HS256'] });
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return { refused: 'token_invalid' };
    return { claims: { userId: payload.sub, sessionId: payload.sid } };
  } catch (error) {
    // Only a well-signed token past its `exp` is "expired"; jose checks the signature first.
    return { refused: error instanceof joseErrors.JWTExpired ? 'token_expired' : 'token_invalid' };
  }
}

/** The claims of a valid, unexpired token; undefined for anything else. */
export async function verifyAccessToken(token: string, key: Uint8Array): Promise<AccessClaims | undefined> {
  const check = await checkAccessToken(token, key);
  return 'claims' in check ? check.claims : undefined;
}

export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
