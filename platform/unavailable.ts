/**
 * Is this failure PostgreSQL or Temporal being unreachable for a moment (a server restarting, a
 * connection dropped, a pool starved), rather than a bug? Such a request may or may not have
 * been applied before the connection went: the API answers it with the retryable UNAVAILABLE
 * (api/graphql/errors.ts), and the same request sent again with the same Idempotency-Key gets
 * the original outcome (a lifecycle change by its transition id, a create by its derived id).
 *
 * Recognised along the error's cause chain (MikroORM, Temporal's client and the SDK wrap the
 * driver's error): Node socket errors, PostgreSQL's connection-exception and shutdown SQLSTATEs,
 * node-postgres' and knex's connection messages, gRPC UNAVAILABLE / DEADLINE_EXCEEDED from
 * Temporal, and an Update whose RPC timed out or was cancelled before its outcome was known.
 */

/** Node socket errors: the peer is down, restarting, or dropped the connection. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), 57P01–57P03 (the server shutting down,
 * crashed, or not yet accepting connections), 53300 (too many connections).
 */
const isPostgresUnavailable = (code: string) => code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code);

/** gRPC status codes Temporal's client reports when the server cannot be reached in time. */
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

/** node-postgres and knex say it in words only. */
const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /connection error and is not queryable/i,
  /Timeout acquiring a connection/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

/** The Temporal client's class for an Update whose outcome the RPC did not bring back. */
const UPDATE_RPC_LOST = 'WorkflowUpdateRPCTimeoutOrCancelledError';

type Failure = { code?: unknown; message?: unknown; name?: unknown; metadata?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };

/** The error, its causes and (for an AggregateError, which Node's connect raises) its parts. */
function* chainOf(error: unknown, depth = 0): Generator<Failure> {
  if (depth > 8 || typeof error !== 'object' || error === null) return;
  const failure = error as Failure;
  yield failure;
  yield* chainOf(failure.cause, depth + 1);
  yield* chainOf(failure.originalError, depth + 1);
  if (Array.isArray(failure.errors)) for (const part of failure.errors) yield* chainOf(part, depth + 1);
}

function isUnavailableFailure(failure: Failure): boolean {
  if (failure.name === UPDATE_RPC_LOST) return true;
  const { code } = failure;
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && isPostgresUnavailable(code)))) return true;
  // A gRPC status (it carries metadata; other numeric codes are not gRPC's).
  if (typeof code === 'number' && failure.metadata !== undefined && (code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED)) return true;
  const message = typeof failure.message === 'string' ? failure.message : '';
  return CONNECTION_MESSAGES.some((pattern) => pattern.test(message));
}

export function isUnavailable(error: unknown): boolean {
  for (const failure of chainOf(error)) if (isUnavailableFailure(failure)) return true;
  return false;
}
