/**
 * The one place where failures become GraphQL errors (and the only module that constructs a
 * GraphQLError; lint forbids it elsewhere). Everything else throws DomainError (domain/errors.ts).
 *
 * The error contract (README "One error format"): every error in a response carries one of
 * ERROR_CODES as `extensions.code`. Domain codes travel with their details; a workflow update's
 * coded failure likewise; whatever graphql-js or Yoga refuse before anything runs (syntax,
 * validation, variables, operation choice, HTTP method) is VALIDATION naming the part of the
 * request at fault; PostgreSQL or Temporal unreachable for a moment is UNAVAILABLE (retryable with
 * the same Idempotency-Key: the change may have been applied, and the retry gets its outcome);
 * anything else is a fault: INTERNAL, masked, and the only kind logged as an error. Execution
 * errors keep their response `path` and `locations`.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { BREAK, GraphQLError, Kind, visit, type ASTNode, type DocumentNode, type GraphQLErrorOptions } from 'graphql';
import { DOMAIN_ERROR_CODES, DomainError } from '../../domain/errors.ts';
import { isUnavailable } from '../../platform/unavailable.ts';

/**
 * Every `extensions.code` a response can carry: the domain's refusals, UNAVAILABLE for a
 * dependency that could not be reached, and INTERNAL for faults.
 */
export const ERROR_CODES = [...DOMAIN_ERROR_CODES, 'UNAVAILABLE', 'INTERNAL'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const MASKED_MESSAGE = 'Unexpected error.';
const UNAVAILABLE_MESSAGE = 'The service is briefly unavailable. Send the same request again (with the same Idempotency-Key) in a moment.';
const isErrorCode = (code: unknown): code is ErrorCode => (ERROR_CODES as readonly unknown[]).includes(code);

/**
 * The GraphQL error a DomainError reads as. Hooks that must hand Yoga, envelop or graphql-ws a
 * GraphQLError themselves (a scalar's parser, an armor rejection, a request refused before
 * GraphQL) use this; everything else just throws the DomainError.
 */
export function graphQLError(error: DomainError, nodes?: ReadonlyArray<ASTNode> | ASTNode): GraphQLError {
  return new GraphQLError(error.message, { nodes: nodes ?? null, extensions: { code: error.code, ...error.details } });
}

/** Where the outer error was raised (nodes, source, response path), kept on its contract form. */
function placeOf(error: GraphQLError): GraphQLErrorOptions {
  return { nodes: error.nodes ?? null, source: error.source ?? null, positions: error.positions ?? null, path: error.path ?? null };
}

/** Yoga's HTTP hints (`extensions.http`: status, headers) ride along; Yoga strips them from the body. */
function httpOf(error: GraphQLError): Record<string, unknown> {
  return error.extensions.http === undefined ? {} : { http: error.extensions.http };
}

/** A coded failure from a domain rule, a workflow update, or a coded GraphQLError of ours. */
function codedCause(error: unknown): { message: string; extensions: Record<string, unknown> } | undefined {
  if (error instanceof DomainError) return { message: error.message, extensions: { code: error.code, ...error.details } };
  // A workflow update validator or handler rejected the request with a coded failure.
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && isErrorCode(error.cause.type)) {
    const details = (error.cause.details?.[0] ?? {}) as Record<string, unknown>;
    return { message: error.cause.message, extensions: { code: error.cause.type, ...details } };
  }
  if (error instanceof GraphQLError && isErrorCode(error.extensions.code)) return { message: error.message, extensions: { ...error.extensions } };
  return undefined;
}

/**
 * graphql-js's refusal of a variable's value ("Variable "$s" got invalid value "x" at "s[0]"; …",
 * or "… of required type "Int!" was not provided."): VALIDATION naming the variable and the path
 * inside it; a coded cause (our DateTime scalar) keeps its extensions.
 */
function variableError(error: GraphQLError, variable: string): GraphQLError {
  const at = /got invalid value .*? at "([^"]+)";/.exec(error.message)?.[1];
  const inner = error.originalError instanceof GraphQLError ? error.originalError.extensions : {};
  return new GraphQLError(error.message, {
    ...placeOf(error),
    extensions: { ...inner, code: 'VALIDATION', variable, field: at ?? variable, ...httpOf(error) },
  });
}

/**
 * Where in the document a validation error points: the selection path (response names, e.g.
 * `inquiries.edges.node.idd`), the argument and the variable, when the node sits in one.
 */
function locate(document: DocumentNode | undefined, node: ASTNode | undefined): Record<string, string> {
  const start = node?.loc?.start;
  if (!document || !node || start === undefined) return {};
  const found: Record<string, string> = {};
  visit(document, {
    enter(candidate, _key, _parent, _path, ancestors) {
      if (candidate.kind !== node.kind || candidate.loc?.start !== start) return undefined;
      const chain = [...ancestors.filter((a): a is ASTNode => !Array.isArray(a) && typeof a === 'object' && a !== null && 'kind' in a), candidate];
      const fields = chain.flatMap((a) => (a.kind === Kind.FIELD ? [a.alias?.value ?? a.name.value] : []));
      if (fields.length) found.field = fields.join('.');
      const argument = chain.findLast((a) => a.kind === Kind.ARGUMENT);
      if (argument?.kind === Kind.ARGUMENT) found.argument = argument.name.value;
      const variable = chain.findLast((a) => a.kind === Kind.VARIABLE_DEFINITION || a.kind === Kind.VARIABLE);
      if (variable?.kind === Kind.VARIABLE_DEFINITION) found.variable = variable.variable.name.value;
      else if (variable?.kind === Kind.VARIABLE) found.variable = variable.name.value;
      return BREAK;
    },
  });
  return found;
}

/**
 * Any failure in the contract's form. Idempotent: an error already in it comes back unchanged.
 * `document`, when known (validation), lets a refusal name the field / argument it is about.
 */
export function contractError(error: unknown, document?: DocumentNode): GraphQLError {
  if (!(error instanceof GraphQLError)) {
    const coded = codedCause(error);
    return coded ? new GraphQLError(coded.message, { extensions: coded.extensions }) : fault(error);
  }
  const cause = error.originalError;
  if (isErrorCode(error.extensions.code) && (cause === undefined || cause === null || error.extensions.code === 'INTERNAL' || error.extensions.code === 'UNAVAILABLE')) return error;
  const variableNode = error.nodes?.[0];
  if (variableNode?.kind === Kind.VARIABLE_DEFINITION) return variableError(error, variableNode.variable.name.value);
  const coded = codedCause(cause);
  if (coded) {
    return new GraphQLError(coded.message, { ...placeOf(error), extensions: { ...locate(document, error.nodes?.[0]), ...coded.extensions, ...httpOf(error) } });
  }
  // Raised while executing (a response path) or from code of ours that threw: a fault.
  if (error.path !== undefined || (cause !== undefined && cause !== null)) return fault(cause ?? error, error);
  // Refused before anything ran: syntax, validation, the operation's choice, the HTTP method.
  return new GraphQLError(error.message, {
    ...placeOf(error),
    extensions: { code: 'VALIDATION', ...locate(document, error.nodes?.[0]), ...httpOf(error) },
  });
}

/** The contract's form for graphql-ws, which sends extensions as they are: without Yoga's HTTP hints. */
export function socketError(error: unknown, document?: DocumentNode): GraphQLError {
  const answer = contractError(error, document);
  if (answer.extensions.http === undefined) return answer;
  const { http: _http, ...extensions } = answer.extensions;
  return new GraphQLError(answer.message, { ...placeOf(answer), extensions });
}

/**
 * A fault: UNAVAILABLE (retryable) when PostgreSQL or Temporal could not be reached, otherwise
 * masked for the client (INTERNAL); the cause is kept for Yoga's status and the log.
 */
function fault(cause: unknown, at?: GraphQLError): GraphQLError {
  const unavailable = isUnavailable(cause);
  return new GraphQLError(unavailable ? UNAVAILABLE_MESSAGE : MASKED_MESSAGE, {
    ...(at ? { path: at.path ?? null, nodes: at.nodes ?? null, source: at.source ?? null, positions: at.positions ?? null } : {}),
    originalError: cause instanceof Error ? cause : new Error(String(cause)),
    extensions: unavailable ? { code: 'UNAVAILABLE', retryable: true } : { code: 'INTERNAL' },
  });
}

/**
 * A refusal the API answers on purpose (VALIDATION, NOT_FOUND, CONFLICT, …), as opposed to a
 * fault: refusals are logged at info without a stack, faults at error with one.
 */
export function isRefusal(error: unknown): boolean {
  const { code } = contractError(error).extensions;
  return code !== 'INTERNAL' && code !== 'UNAVAILABLE';
}
