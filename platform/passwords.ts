/**
 * Password hashing: argon2id with OWASP's recommended minimum cost (19 MiB, 2 passes, 1 lane).
 * One module for every place that stores a password (the users service, the demo seed) or
 * verifies one (sign-in reads the parameters back from the stored PHC string).
 */
import { hash, verify } from '@node-rs/argon2';

/** `Algorithm.Argon2id` of @node-rs/argon2: a const enum, which type stripping cannot inline. */
const ARGON2ID = 2;

export const PASSWORD_HASH_OPTIONS = { algorithm: ARGON2ID as never, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PASSWORD_HASH_OPTIONS);
}

/** Whether the password matches the stored hash; false (never an error) for a malformed hash. */
export function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return verify(passwordHash, password).catch(() => false);
}
