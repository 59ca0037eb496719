/**
 * The announcement that a rule execution's status changed (pending → running → waiting → done /
 * failed / skipped): a NOTIFY from a trigger on automation_executions
 * (Migration20261130165000_automation_execution_notices), so every writer of that status (the
 * dispatcher's insert, the engine's begin / skip / wait / finish, a retry) announces it, in its
 * own transaction, heard by every API process only once it commits. Ids and the status only: the
 * listener (api/realtime/hub.ts) loads the rest.
 */

/** The NOTIFY channel of execution status changes. */
export const EXECUTIONS_CHANNEL = 'virel_automation_executions';

export interface ExecutionNotice {
  readonly executionId: string;
  /** The status this change wrote. */
  readonly status: string;
  /** 1, then one more per retry from the failed action. */
  readonly attempt: number;
}

/** A notification's payload as an ExecutionNotice; undefined for a foreign or malformed one. */
export function parseExecutionNotice(payload: string): ExecutionNotice | undefined {
  try {
    const value = JSON.parse(payload) as Partial<Record<keyof ExecutionNotice, unknown>> | null;
    if (value && typeof value.executionId === 'string' && typeof value.status === 'string' && typeof value.attempt === 'number') {
      return { executionId: value.executionId, status: value.status, attempt: value.attempt };
    }
  } catch {
    // Not JSON: nothing to deliver.
  }
  return undefined;
}
