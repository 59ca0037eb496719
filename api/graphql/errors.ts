/**
 * The one place where failures become GraphQL errors. Domain codes travel as
 * `extensions.code` with their details; anything unexpected is masked (logged, not leaked).
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { GraphQLError } from 'graphql';
import { DomainError } from '../../domain/errors.ts';

export function toGraphQLError(error: unknown): GraphQLError | undefined {
  if (error instanceof GraphQLError) return error;
  if (error instanceof DomainError) {
    return new GraphQLError(error.message, { extensions: { code: error.code, ...error.details } });
  }
  // A workflow update validator or handler rejected the request with a coded failure.
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    const failure = error.cause;
    const details = (failure.details?.[0] ?? {}) as Record<string, unknown>;
    return new GraphQLError(failure.message, { extensions: { code: failure.type ?? 'INTERNAL', ...details } });
  }
  return undefined;
}

/**
 * A refusal the API answers on purpose (VALIDATION, NOT_FOUND, CONFLICT, …), as opposed to a
 * fault. Yoga logs every error it maps; refusals are logged at info, faults at error.
 */
export function isRefusal(error: unknown): boolean {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  const code = toGraphQLError(original)?.extensions.code;
  return typeof code === 'string' && code !== 'INTERNAL' && code !== 'INTERNAL_SERVER_ERROR';
}
