/**
 * The outbox dispatcher's one step: turns committed, undispatched domain events into rule
 * executions. In ONE PostgreSQL transaction it takes a batch of unpublished events (FOR UPDATE
 * SKIP LOCKED: any number of dispatchers share the work without taking the same event), finds
 * the dispatched rules (active or testing) whose trigger and filters match each, inserts the
 * (rule, event) execution rows (UNIQUE(rule_id, event_id): a second insert is a no-op), starts
 * one execution workflow per row with the id `automation:<rule>:<event>` (a second start of the
 * same id, even of a finished run, is refused by Temporal and ignored here), and stamps the
 * events published; then commits.
 *
 * Crash safety: the workflows are started before the commit. A crash before the commit leaves
 * the events unpublished, so they are dispatched again; the starts that did happen are found by
 * their workflow ids, and each execution inserts its own row if the dispatcher's never
 * committed (services/automation-engine.ts begin). A crash after the commit has nothing left
 * to do. So an event is neither lost nor run twice for a rule.
 *
 * The loop that calls this (LISTEN for speed, a periodic sweep for safety) is
 * worker/automation-dispatcher.ts.
 */
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { matchesFilters } from '../domain/automation-conditions.ts';
import { DISPATCHED_RULE_STATUSES, executionWorkflowId } from '../domain/automation-rules.ts';
import { sqlList } from '../domain/formats.ts';
import {
  SA_EVENT_ID, SA_EVENT_TYPE, SA_RULE_ID, attemptWorkflowId, automationExecutionWorkflowType, subjectMovedSignal, type AutomationExecutionInput,
} from '../workflows/automation/messages.ts';
import { BACKGROUND_TASK_QUEUE } from '../workflows/task-queues.ts';
import { causationOf } from './automation-context.ts';

export interface DispatchedBatch {
  /** Events stamped published. */
  readonly events: number;
  /** Executions started (new rows). */
  readonly executions: number;
  /** Commit-to-dispatch lag of each event, in ms. */
  readonly lagsMs: readonly number[];
}

interface EventRow {
  id: string; event_type: string; entity_type: string; entity_id: string; payload: Record<string, unknown>; transition_id: string | null; created_at: Date; lag_ms: number;
}
interface RuleRow { id: string; name: string; trigger: string; trigger_filters: Record<string, unknown> | null }

export const DISPATCH_BATCH = 200;
/** Workflow starts in flight at once within a batch. */
const START_CONCURRENCY = 16;

async function startAll<T>(items: readonly T[], start: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(START_CONCURRENCY, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await start(item);
    }
  });
  await Promise.all(lanes);
}

export function createDispatcher(deps: { orm: MikroORM; temporal: Client; batchSize?: number }) {
  const batchSize = deps.batchSize ?? DISPATCH_BATCH;

  async function startExecution(rule: RuleRow, event: EventRow): Promise<void> {
    const input: AutomationExecutionInput = { ruleId: rule.id, eventId: event.id, attempt: 1 };
    try {
      await deps.temporal.workflow.start(automationExecutionWorkflowType, {
        workflowId: executionWorkflowId(rule.id, event.id),
        taskQueue: BACKGROUND_TASK_QUEUE,
        args: [input],
        // Never a second run for a (rule, event), even after the first closed.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [{ key: SA_RULE_ID, value: rule.id }, { key: SA_EVENT_ID, value: event.id }, { key: SA_EVENT_TYPE, value: event.event_type }],
        staticSummary: `Rule "${rule.name}" on ${event.event_type} (${event.entity_type} ${event.entity_id})`,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  /**
   * Tells executions waiting on a follow-up about a status change of the entity they are about,
   * so a reminder whose subject moved on (the deposit paid, the inquiry lost) is dropped now
   * rather than when its timer ends. Before the commit, like the starts: a crash re-sends, and a
   * repeated signal only makes the execution look again.
   */
  async function nudgeWaiting(tx: EntityManager, events: readonly EventRow[]): Promise<void> {
    const changes = events.flatMap((e) => {
      if (e.event_type.endsWith('.status_changed')) return [{ t: e.entity_type, i: e.entity_id }];
      // A paid deposit moves its inquiry or booking on too (domain/automation-rules.ts subjectStage).
      if (e.event_type === 'payment.succeeded') {
        return (['inquiry', 'booking'] as const).flatMap((t) => (typeof e.payload?.[`${t}Id`] === 'string' ? [{ t, i: e.payload[`${t}Id`] as string }] : []));
      }
      return [];
    });
    if (changes.length === 0) return;
    const waiting = await tx.getConnection().execute<Array<{ workflow_id: string; attempt: number; event_id: string }>>(
      `SELECT x.workflow_id, x.attempt, x.event_id FROM automation_executions x
         JOIN jsonb_to_recordset(?::jsonb) AS c(t text, i uuid) ON x.entity_type = c.t AND x.entity_id = c.i
        WHERE x.status = 'waiting'`, [JSON.stringify(changes)], 'all', tx.getTransactionContext());
    await startAll(waiting, async (execution) => {
      try {
        await deps.temporal.workflow.getHandle(attemptWorkflowId(execution.workflow_id, execution.attempt)).signal(subjectMovedSignal, { eventId: execution.event_id });
      } catch (error) {
        // Finished meanwhile: nothing to tell it.
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    });
  }

  async function dispatchIn(tx: EntityManager): Promise<DispatchedBatch> {
    const conn = tx.getConnection();
    const ctx = tx.getTransactionContext();
    const events = await conn.execute<EventRow[]>(
      `SELECT id, event_type, entity_type, entity_id, payload, transition_id, created_at, (extract(epoch FROM clock_timestamp() - created_at) * 1000)::float8 AS lag_ms
         FROM domain_events WHERE published_at IS NULL ORDER BY created_at, id LIMIT ? FOR UPDATE SKIP LOCKED`, [batchSize], 'all', ctx);
    if (events.length === 0) return { events: 0, executions: 0, lagsMs: [] };
    const types = [...new Set(events.map((e) => e.event_type))];
    const rules = await conn.execute<RuleRow[]>(
      `SELECT id, name, trigger, trigger_filters FROM automation_rules WHERE status IN (${sqlList(DISPATCHED_RULE_STATUSES)}) AND trigger IN (SELECT jsonb_array_elements_text(?::jsonb))`,
      [JSON.stringify(types)], 'all', ctx);
    const matches: Array<{ rule: RuleRow; event: EventRow }> = [];
    for (const event of events) {
      for (const rule of rules) {
        // A schedule's tick is its own rule's only.
        if (event.event_type === 'schedule.tick' && event.entity_id !== rule.id) continue;
        if (rule.trigger === event.event_type && matchesFilters(rule.trigger_filters, event.payload ?? {}).matched) matches.push({ rule, event });
      }
    }
    if (matches.length > 0) {
      const causes = new Map<string, { causedBy: string | null; depth: number }>();
      for (const { event } of matches) if (!causes.has(event.id)) causes.set(event.id, await causationOf(tx, event.transition_id));
      // One statement for the batch (the driver expands JS arrays, so the rows travel as one JSON text).
      const rows = matches.map(({ rule, event }) => ({
        r: rule.id, e: event.id, t: event.event_type, et: event.entity_type, ei: event.entity_id,
        d: causes.get(event.id)?.depth ?? 0, c: causes.get(event.id)?.causedBy ?? null, w: executionWorkflowId(rule.id, event.id),
      }));
      await conn.execute(
        `INSERT INTO automation_executions (rule_id, event_id, status, event_type, entity_type, entity_id, depth, caused_by, workflow_id)
         SELECT r, e, 'pending', t, et, ei, d, c, w FROM jsonb_to_recordset(?::jsonb) AS u(r uuid, e uuid, t text, et text, ei uuid, d int, c uuid, w text)
         ON CONFLICT (rule_id, event_id) DO NOTHING`, [JSON.stringify(rows)], 'all', ctx);
      await startAll(matches, ({ rule, event }) => startExecution(rule, event));
    }
    await nudgeWaiting(tx, events);
    await conn.execute(`UPDATE domain_events SET published_at = clock_timestamp() WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`, [JSON.stringify(events.map((e) => e.id))], 'all', ctx);
    return { events: events.length, executions: matches.length, lagsMs: events.map((e) => Number(e.lag_ms)) };
  }

  return {
    /** Dispatches one batch; returns what it did (events: 0 when the outbox is empty). */
    dispatchBatch(): Promise<DispatchedBatch> {
      return deps.orm.em.fork().transactional((tx) => dispatchIn(tx));
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
