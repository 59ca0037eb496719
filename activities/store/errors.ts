/**
 * Non-retryable activity failures, typed and named (bundling can mangle class names, so the
 * type string is explicit). The workflow turns them into the update's failure; the API maps
 * `type` to the GraphQL error code.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { DomainErrorCode } from '../../domain/errors.ts';

export function nonRetryable(code: DomainErrorCode, message: string, details: Record<string, unknown> = {}): ApplicationFailure {
  return ApplicationFailure.create({ type: code, message, details: [details], nonRetryable: true });
}
