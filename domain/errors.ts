/**
 * Coded domain errors. Workflows, activities and the API all throw this one class; the
 * API's error mapper turns `code` into GraphQL `extensions.code` in exactly one place.
 */

export const DOMAIN_ERROR_CODES = ['VALIDATION', 'INVALID_TRANSITION', 'NOT_FOUND', 'CONFLICT'] as const;
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

export function assertUnreachable(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}
