/**
 * The one place where failures become GraphQL errors (and the only module that constructs a
 * GraphQLError; lint forbids it elsewhere). Everything else throws DomainError (domain/errors.ts);
 * domain codes travel as `extensions.code` with their details, a workflow update's coded failure
 * likewise; anything unexpected is masked (logged, not leaked).
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { GraphQLError, type ASTNode } from 'graphql';
import { DomainError } from '../../domain/errors.ts';

/**
 * The GraphQL error a DomainError reads as. Hooks that must hand Yoga, envelop or graphql-ws a
 * GraphQLError themselves (a scalar's parser, an armor rejection, a request refused before
 * GraphQL) use this; everything else just throws the DomainError.
 */
export function graphQLError(error: DomainError, nodes?: ReadonlyArray<ASTNode> | ASTNode): GraphQLError {
  return new GraphQLError(error.message, { nodes: nodes ?? null, extensions: { code: error.code, ...error.details } });
}

export function toGraphQLError(error: unknown): GraphQLError | undefined {
  if (error instanceof GraphQLError) return error;
  if (error instanceof DomainError) return graphQLError(error);
  // A workflow update validator or handler rejected the request with a coded failure.
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    const failure = error.cause;
    const details = (failure.details?.[0] ?? {}) as Record<string, unknown>;
    return new GraphQLError(failure.message, { extensions: { code: failure.type ?? 'INTERNAL', ...details } });
  }
  return undefined;
}

/** Any failure as a GraphQLError (what graphql-ws needs back from a refused subscribe). */
export function asGraphQLError(error: unknown): GraphQLError {
  return toGraphQLError(error) ?? new GraphQLError(String(error));
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
