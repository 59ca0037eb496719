/**
 * The one place a DomainError becomes a Temporal failure (deterministic: imports only
 * @temporalio/common and domain/, so workflows and activities alike use it). The failure's
 * `type` is the domain code and its first detail the error's details; it is non-retryable, so
 * it fails the update (not the workflow) and reaches the API intact, where
 * api/graphql/errors.ts maps it to GraphQL.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { DomainError } from '../domain/errors.ts';

/**
 * DomainError → ApplicationFailure, and an activity's coded failure → that failure itself;
 * anything else is returned unchanged.
 */
export function toFailure(error: DomainError): ApplicationFailure;
export function toFailure(error: unknown): unknown;
export function toFailure(error: unknown): unknown {
  if (error instanceof DomainError) {
    return ApplicationFailure.create({ type: error.code, message: error.message, details: [error.details], nonRetryable: true });
  }
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) return error.cause;
  return error;
}
