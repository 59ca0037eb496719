/**
 * Integration secrets at rest: AES-256-GCM (node:crypto) under a keyring from the environment.
 *
 * INTEGRATIONS_KEYS is a comma-separated list of `<key id>:<base64 of 32 bytes>`; the first key
 * encrypts, every listed key decrypts. Each sealed value carries the id of the key that sealed it,
 * so a key is rotated by putting the new one first, running `npm run integrations:rekey` (every
 * row re-sealed with the first key), then dropping the old one. Outside production an unset
 * variable means a fixed development key (as JWT_SECRET has a development default); in production
 * there is no default: sealing or opening a secret fails naming INTEGRATIONS_KEYS (the platform
 * still starts, and integrations without secrets keep working).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface Keyring {
  /** The id of the key new values are sealed with. */
  readonly currentId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** A sealed value as stored in JSON: the algorithm, key id, nonce, tag and ciphertext. */
export interface Sealed {
  readonly alg: 'A256GCM';
  readonly kid: string;
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
}

export class KeyringError extends Error {
  override readonly name = 'KeyringError';
}

/** The development key: never secret, refused in production. */
export const DEV_INTEGRATIONS_KEYS = `dev:${createHash('sha256').update('virel-development-integrations-key-not-for-production').digest('base64')}`;

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Parses INTEGRATIONS_KEYS; a message naming what is wrong otherwise. */
export function parseKeyring(spec: string): Keyring {
  const keys = new Map<string, Buffer>();
  let currentId: string | undefined;
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = part.indexOf(':');
    const id = part.slice(0, at);
    if (at < 1 || !KEY_ID.test(id)) throw new KeyringError(`each key must be <id>:<base64 key> with an id of letters, digits, _ or - (got "${part.slice(0, 12)}…")`);
    const key = Buffer.from(part.slice(at + 1), 'base64');
    if (key.length !== 32) throw new KeyringError(`key ${id} must be 32 bytes, base64-encoded (got ${key.length} bytes)`);
    if (keys.has(id)) throw new KeyringError(`key id ${id} is listed twice`);
    keys.set(id, key);
    currentId ??= id;
  }
  if (!currentId) throw new KeyringError('at least one key is required');
  return { currentId, keys };
}

/** Seals a JSON value with the keyring's current key (a fresh 96-bit nonce each time). */
export function seal(keyring: Keyring, value: unknown): Sealed {
  const key = keyring.keys.get(keyring.currentId) as Buffer;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  // The key id is authenticated too: a value cannot be passed off as sealed by another key.
  cipher.setAAD(Buffer.from(keyring.currentId));
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return { alg: 'A256GCM', kid: keyring.currentId, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

export function isSealed(value: unknown): value is Sealed {
  const v = value as Partial<Sealed> | null;
  return !!v && typeof v === 'object' && v.alg === 'A256GCM' && typeof v.kid === 'string' && typeof v.iv === 'string' && typeof v.tag === 'string' && typeof v.data === 'string';
}

/** Opens a sealed value; KeyringError if its key is not in the keyring or it was tampered with. */
export function open<T = unknown>(keyring: Keyring, sealed: Sealed): T {
  const key = keyring.keys.get(sealed.kid);
  if (!key) throw new KeyringError(`the value was sealed with key ${sealed.kid}, which INTEGRATIONS_KEYS does not list`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(sealed.kid));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return JSON.parse(Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8')) as T;
  } catch {
    throw new KeyringError(`the value sealed with key ${sealed.kid} does not open (wrong key or altered)`);
  }
}

let fromEnvironment: Keyring | undefined;

/**
 * The process's keyring, from INTEGRATIONS_KEYS (or the development key outside production).
 * Read once; config validation at start has already refused a malformed value.
 */
export function environmentKeyring(env: NodeJS.ProcessEnv = process.env): Keyring {
  const spec = env.INTEGRATIONS_KEYS || (env.NODE_ENV === 'production' ? undefined : DEV_INTEGRATIONS_KEYS);
  if (!spec) throw new KeyringError('INTEGRATIONS_KEYS is not set: integration secrets cannot be sealed or opened in production without it');
  if (env !== process.env) return parseKeyring(spec);
  fromEnvironment ??= parseKeyring(spec);
  return fromEnvironment;
}
