/**
 * The `Idempotency-Key` header on mutations (seed §7): the first request with a key runs and its
 * result is kept for 24 hours; a repeat with the same body returns that result and changes
 * nothing; the same key with a different body is a CONFLICT. Keys are scoped to the signed-in
 * user (anonymous calls such as login ignore the header: replaying a login would hand out tokens).
 *
 * Workflow-backed mutations are safe under retries on their own (the key is also the transition
 * id); this layer makes every mutation so, creates and catalogue edits included.
 */
import { createHash } from 'node:crypto';
import { print, type DocumentNode, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { conflict, invalidRequest } from '../../domain/errors.ts';
import type { ResolverContext } from './context.ts';

export const IDEMPOTENCY_KEY_TTL_HOURS = 24;
/** A first request that has not stored its result after this long is presumed dead. */
const IN_PROGRESS_TIMEOUT_SECONDS = 120;
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

      // Claim the key; an expired or abandoned claim is taken over.
      const claimed = await sql.execute<Array<{ id: string }>>(`
        INSERT INTO idempotency_keys (key, user_id, operation, request_hash)
        VALUES (?, ?, ?, ?)
        ON CONFLICT ON CONSTRAINT uq_idempotency_keys_user_key DO UPDATE
           SET operation = excluded.operation, request_hash = excluded.request_hash, response = NULL, created_at = now()
         WHERE idempotency_keys.created_at < now() - make_interval(hours => ?)
            OR (idempotency_keys.response IS NULL AND idempotency_keys.created_at < now() - make_interval(secs => ?))
        RETURNING id`, [key, userId, name, requestHash, IDEMPOTENCY_KEY_TTL_HOURS, IN_PROGRESS_TIMEOUT_SECONDS]);

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
      return {
        async onExecuteDone({ result }) {
          if (!('data' in result) && !('errors' in result)) return;
          const single = result as ExecutionResult;
          if (single.errors?.length) {
            // Refused requests change nothing: release the key so a corrected request may use it.
            await sql.execute('DELETE FROM idempotency_keys WHERE id = ?', [claimId]);
          } else {
            await sql.execute('UPDATE idempotency_keys SET response = ? WHERE id = ?', [JSON.stringify({ data: single.data }), claimId]);
          }
        },
      };
    },
  };
}
