/**
 * Coded domain errors. Everything that refuses a request throws this one class: domain rules,
 * workflows (through `toFailure` in workflows/failures.ts, which makes it the Temporal failure
 * an update fails with), activities, and the API (resolvers, auth, idempotency, cursors,
 * realtime, operation limits). The API's error mapper (api/graphql/errors.ts) turns `code`
 * into GraphQL `extensions.code` and `details` into the other extensions, in exactly one place.
 */

export const DOMAIN_ERROR_CODES = [
  'VALIDATION', 'INVALID_TRANSITION', 'NOT_FOUND', 'CONFLICT', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED',
] as const;
export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly code: DomainErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: DomainErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** One problem with the input: the field's path (dotted) and what is wrong with it. */
export interface InputIssue {
  readonly path: string;
  readonly message: string;
}

/** VALIDATION naming the field ("Invalid input: field: message"), with every issue found. */
export function invalidInput(field: string, message: string, issues: readonly InputIssue[] = [{ path: field, message }]): DomainError {
  return new DomainError('VALIDATION', `Invalid input: ${field ? `${field}: ` : ''}${message}`, { field, issues });
}

/** VALIDATION of the request itself (a header, a cursor, a page size, the transport, a limit): message and details as given. */
export function invalidRequest(message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError('VALIDATION', message, details);
}

/** NOT_FOUND naming the entity: "No booking <id>." */
export function notFound(kind: string, id: string): DomainError {
  return new DomainError('NOT_FOUND', `No ${kind} ${id}.`, { entityType: kind, entityId: id });
}

/** CONFLICT naming the field (a string) or carrying details (an object). */
export function conflict(message: string, details?: string | Record<string, unknown>): DomainError {
  return new DomainError('CONFLICT', message, typeof details === 'string' ? { field: details } : { ...details });
}

/**
 * Why a request is not signed in (`extensions.reason` of UNAUTHENTICATED), so a client knows
 * what to do: `token_expired`, refresh the session (refreshSession) and retry; `missing`,
 * `token_invalid` or `token_revoked` (the session ended: logout, a reused refresh token, the
 * user disabled), sign in; `bad_credentials` / `account_disabled`, the sign-in itself was
 * refused; `session_ended`, the refresh token is spent, revoked or expired: sign in.
 */
export const UNAUTHENTICATED_REASONS = [
  'missing', 'token_invalid', 'token_expired', 'token_revoked', 'bad_credentials', 'account_disabled', 'session_ended',
] as const;
export type UnauthenticatedReason = (typeof UNAUTHENTICATED_REASONS)[number];

/** UNAUTHENTICATED with the reason a client acts on. */
export function unauthenticated(message: string, reason: UnauthenticatedReason): DomainError {
  return new DomainError('UNAUTHENTICATED', message, { reason });
}

/** FORBIDDEN naming the permission the request needs (or, beyond one, the permissions). */
export function forbidden(message: string, permission: string | readonly string[]): DomainError {
  return new DomainError('FORBIDDEN', message, typeof permission === 'string' ? { permission } : { permissions: [...permission] });
}

/** RATE_LIMITED: too many attempts; the message says when to try again. */
export function rateLimited(message: string): DomainError {
  return new DomainError('RATE_LIMITED', message);
}

export function assertUnreachable(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}
