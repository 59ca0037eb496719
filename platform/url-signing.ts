/**
 * Time-limited signed links: HMAC-SHA256 over a path (with its query, in one canonical form the
 * caller builds) and an expiry instant, so whoever holds the link may GET that path until then
 * without a session, and changing the path, the query or the expiry breaks the signature. The key
 * comes from the environment (platform/config.ts); it never leaves the server.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UrlSigner {
  /** The signature (base64url) of `path` valid until `expires` (Unix seconds). */
  sign(path: string, expires: number): string;
  /** Whether `signature` is the one `sign(path, expires)` gives (compared in constant time). */
  verify(path: string, expires: number, signature: string): boolean;
}

export function createUrlSigner(key: string): UrlSigner {
  const sign = (path: string, expires: number) => createHmac('sha256', key).update(`${path}\n${expires}`).digest('base64url');
  return {
    sign,
    verify(path, expires, signature) {
      const wanted = Buffer.from(sign(path, expires));
      const given = Buffer.from(signature);
      return given.length === wanted.length && timingSafeEqual(given, wanted);
    },
  };
}
