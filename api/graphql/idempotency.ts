/**
 * The `Idempotency-Key` header on mutations (seed §7): the first request with a key runs and its
 * result is kept for 24 hours; a repeat with the same body returns that result and changes
 * nothing; the same key with a different body is a CONFLICT. Keys are scoped to the signed-in
 * user (anonymous calls such as login ignore the header: replaying a login would hand out tokens).
 *
 * Workflow-backed mutations are safe under retries on their own (the key is also the transition
 * id); this layer makes every mutation so, creates and catalogue edits included.
 *
 * While the first request runs, its key is reserved by a lease that the holding process renews
 * every few seconds. A process that dies (SIGKILL, a lost machine) stops renewing, so a retry
 * takes the key over within LEASE_SECONDS and runs the request again: a lifecycle change then
 * reaches its workflow with the same transition id and gets the original outcome back. A lease
 * rather than a session advisory lock, because it survives a PostgreSQL restart and needs no
 * connection held for the length of the request.
 */
import { createHash } from 'node:crypto';
import { print, type DocumentNode, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { conflict, invalidRequest } from '../../domain/errors.ts';
import type { ResolverContext } from './context.ts';

export const IDEMPOTENCY_KEY_TTL_HOURS = 24;
/** A running request's reservation lasts this long past its last renewal. */
export const LEASE_SECONDS = 4;
/** Renewed well before it runs out, so one slow renewal (a busy database) does not lose it. */
const RENEW_EVERY_MS = 1_000;
const KEY_PATTERN = /^[\w.:-]{8,200}$/;

export function assertIdempotencyKey(key: string): void {
  if (!KEY_PATTERN.test(key)) {
    throw invalidRequest('Idempotency-Key must be 8 to 200 letters, digits, dots, colons, dashes or underscores.', { field: 'Idempotency-Key' });
  }
}

/** JSON with sorted keys: the same variables in another order are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

interface StoredKey {
  request_hash: string;
  response: ExecutionResult | null;
}

export function useIdempotencyKey(): Plugin<ResolverContext> {
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue;
      const operation = (args.document as DocumentNode).definitions.find(
        (d): d is OperationDefinitionNode => d.kind === 'OperationDefinition' && (!args.operationName || d.name?.value === args.operationName),
      );
      const key = ctx.idempotencyKey;
      if (key === undefined || operation?.operation !== 'mutation' || !ctx.viewer) return;
      assertIdempotencyKey(key);
      const userId = ctx.viewer.id;
      const requestHash = createHash('sha256').update(canonical([print(operation), args.variableValues ?? {}])).digest('hex');
      const name = operation.name?.value ?? operation.selectionSet.selections.map((s) => (s.kind === 'Field' ? s.name.value : '…')).join(',');
      const sql = ctx.em.getConnection();

      // Claim the key; an expired key, or a claim whose holder stopped renewing its lease, is
      // taken over. A takeover gets a new id, so a late write by a holder presumed dead (and
      // alive after all) cannot overwrite the new holder's result.
      const claimed = await sql.execute<Array<{ id: string }>>(`
        INSERT INTO idempotency_keys (key, user_id, operation, request_hash, lease_expires_at)
        VALUES (?, ?, ?, ?, now() + make_interval(secs => ?))
        ON CONFLICT ON CONSTRAINT uq_idempotency_keys_user_key DO UPDATE
           SET id = gen_random_uuid(), operation = excluded.operation, request_hash = excluded.request_hash, response = NULL,
               created_at = now(), lease_expires_at = excluded.lease_expires_at
         WHERE idempotency_keys.created_at < now() - make_interval(hours => ?)
            OR (idempotency_keys.response IS NULL AND idempotency_keys.request_hash = excluded.request_hash
                AND coalesce(idempotency_keys.lease_expires_at, '-infinity') < now())
        RETURNING id`, [key, userId, name, requestHash, LEASE_SECONDS, IDEMPOTENCY_KEY_TTL_HOURS]);

      if (claimed.length === 0) {
        const [stored] = await sql.execute<StoredKey[]>(
          'SELECT request_hash, response FROM idempotency_keys WHERE user_id = ? AND key = ?', [userId, key]);
        if (!stored || stored.request_hash !== requestHash) {
          throw conflict('This Idempotency-Key was already used for a different request. Use a new key for a new request.', 'Idempotency-Key');
        }
        if (!stored.response) throw conflict('A request with this Idempotency-Key is still running. Retry shortly.', 'Idempotency-Key');
        ctx.log.info({ key, operation: name }, 'idempotent replay');
        setResultAndStopExecution(stored.response);
        return;
      }

      const claimId = claimed[0]?.id;
      const renewal = setInterval(() => {
        sql.execute('UPDATE idempotency_keys SET lease_expires_at = now() + make_interval(secs => ?) WHERE id = ? AND response IS NULL', [LEASE_SECONDS, claimId])
          .catch((error: unknown) => ctx.log.warn({ err: error, key }, 'could not renew an Idempotency-Key lease; retrying'));
      }, RENEW_EVERY_MS);
      renewal.unref();
      return {
        async onExecuteDone({ result }) {
          clearInterval(renewal);
          if (!('data' in result) && !('errors' in result)) return;
          const single = result as ExecutionResult;
          if (single.errors?.length) {
            // Refused requests change nothing: release the key so a corrected request may use it.
            await sql.execute('DELETE FROM idempotency_keys WHERE id = ?', [claimId]);
          } else {
            await sql.execute('UPDATE idempotency_keys SET response = ?, lease_expires_at = NULL WHERE id = ?', [JSON.stringify({ data: single.data }), claimId]);
          }
        },
      };
    },
  };
}
