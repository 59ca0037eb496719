/**
 * Non-retryable activity failures, typed and named (bundling can mangle class names, so the
 * type string is explicit): a DomainError made a Temporal failure by workflows/failures.ts.
 * The workflow turns them into the update's failure; the API maps `type` to the GraphQL error code.
 */
import type { ApplicationFailure } from '@temporalio/common';
import { DomainError, type DomainErrorCode } from '../../domain/errors.ts';
import { toFailure } from '../../workflows/failures.ts';

export function nonRetryable(code: DomainErrorCode, message: string, details: Record<string, unknown> = {}): ApplicationFailure {
  return toFailure(new DomainError(code, message, details));
}

/** Runs a store write whose coded refusals (DomainError) must fail the update, not be retried. */
export async function coded<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw toFailure(error);
  }
}
