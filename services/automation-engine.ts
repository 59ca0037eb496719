/**
 * The steps of one rule execution, as commands the execution workflow's activities call
 * (workflows/automation/execution.ts decides the order; this module does the reads and writes):
 *
 * - begin: claims the (rule, event) execution row and decides, in one transaction, whether it
 *   runs: the rule still dispatched, the chain not too deep, the conditions met on the rows as
 *   they are now, the rate limit not reached (counted under a per-rule lock, so concurrent events
 *   cannot all slip under it). A skip is recorded with its reason.
 * - runAction: one action through its module (services/automation-actions/), as the platform
 *   keyed by (execution, action), its outcome recorded on the execution row; a refusal (coded
 *   domain error, a workflow's refusal) is a failed action, anything else is thrown so the ops
 *   queue's retry policy retries it.
 * - finish: done or failed (with the failed action, where a retry starts), and auto-pause of a
 *   rule whose recent executions mostly failed (+ an exception for ops).
 *
 * Every step is idempotent: begin finds its own earlier claim, an action's ids derive from
 * (execution, action), finish writes the same values again.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { evaluate, matchesFilters } from '../domain/automation-conditions.ts';
import {
  DISPATCHED_RULE_STATUSES, MAX_CHAIN_DEPTH, actionRequestKey, executionWorkflowId, rateLimitExceeded, shouldAutoPause, subjectStage,
  type RuleAction, type RuleDefinition, type RuleStatus, type SkipReason,
} from '../domain/automation-rules.ts';
import { ACTIONS, refusalOf, type ActionContext } from './automation-actions/index.ts';
import { causationOf, loadEvent, loadFacts, type ExecutionFacts, type StoredEvent } from './automation-context.ts';
import { systemCaller, type ServiceDeps } from './context.ts';
import { createServices } from './index.ts';

export interface BeginExecution {
  readonly ruleId: string;
  readonly eventId: string;
  /** 1 for the dispatched run; a retry from the failed action counts up. */
  readonly attempt: number;
}

export type BeginResult =
  | { readonly outcome: 'skipped'; readonly executionId: string; readonly reason: SkipReason | 'no_event'; readonly detail: string }
  | { readonly outcome: 'finished'; readonly executionId: string; readonly status: string }
  | {
    readonly outcome: 'run'; readonly executionId: string; readonly ruleName: string; readonly ruleVersion: number; readonly testing: boolean;
    readonly actions: readonly RuleAction[]; readonly startAt: number;
    /** The event's entity's status when the execution began (a follow-up runs only if it is unchanged). */
    readonly subjectStatus: string | null;
  };

export interface ActionRecord {
  readonly index: number;
  readonly type: string;
  /** done, unchanged, cancelled, failed, or would (testing: what it would have done). */
  readonly outcome: 'done' | 'unchanged' | 'cancelled' | 'failed' | 'would';
  readonly detail: string;
  readonly code?: string;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly at: string;
}

interface ExecutionRow {
  id: string; rule_id: string; event_id: string; status: string; attempt: number; depth: number; rule_version: number | null; failed_action: number | null;
}

const FINISHED = ['done', 'failed', 'skipped'];

/** The definition a rule version holds (the rule's own columns are its active version). */
async function definitionOf(em: EntityManager, ruleId: string, version: number): Promise<RuleDefinition | null> {
  const [row] = await em.getConnection().execute<Array<{ definition: RuleDefinition }>>(
    `SELECT definition FROM automation_rule_versions WHERE rule_id = ? AND version = ?`, [ruleId, version], 'all', em.getTransactionContext());
  return row?.definition ?? null;
}

/** Adds a line to an execution's log (jsonb array). */
const LOG = `logs = coalesce(logs, '[]'::jsonb) || jsonb_build_array(jsonb_build_object('at', clock_timestamp(), 'message', ?::text))`;

/** Inserts the execution row for (rule, event) if it is not there yet: the dispatcher normally has. */
export async function ensureExecutionRow(em: EntityManager, ruleId: string, event: StoredEvent): Promise<void> {
  const { causedBy, depth } = await causationOf(em, event.transitionId);
  await em.getConnection().execute(
    `INSERT INTO automation_executions (rule_id, event_id, status, event_type, entity_type, entity_id, depth, caused_by, workflow_id)
     VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?) ON CONFLICT (rule_id, event_id) DO NOTHING`,
    [ruleId, event.id, event.type, event.entityType, event.entityId, depth, causedBy, executionWorkflowId(ruleId, event.id)], 'all', em.getTransactionContext());
}

export interface EngineOptions {
  /** The operations team's addresses per channel (send_message `to: ops`; platform/config.ts messaging.ops). */
  readonly opsAddresses?: Readonly<Partial<Record<string, string | undefined>>> | undefined;
}

export function createAutomationEngine(deps: ServiceDeps, options: EngineOptions = {}) {
  const { em } = deps;

  async function skip(tx: EntityManager, execution: ExecutionRow, reason: SkipReason, detail: string): Promise<BeginResult> {
    await tx.getConnection().execute(
      `UPDATE automation_executions SET status = 'skipped', skip_reason = ?, finished_at = now(), ${LOG} WHERE id = ?`,
      [reason, `skipped: ${reason.replaceAll('_', ' ')} (${detail})`, execution.id], 'all', tx.getTransactionContext());
    return { outcome: 'skipped', executionId: execution.id, reason, detail };
  }

  return {
    async begin(input: BeginExecution): Promise<BeginResult> {
      return em.fork().transactional(async (tx) => {
        const conn = tx.getConnection();
        const ctx = tx.getTransactionContext();
        const event = await loadEvent(tx, input.eventId);
        if (!event) throw new Error(`domain event ${input.eventId} not found`);
        await ensureExecutionRow(tx, input.ruleId, event);
        const [execution] = await conn.execute<ExecutionRow[]>(
          `SELECT id, rule_id, event_id, status, attempt, depth, rule_version, failed_action FROM automation_executions WHERE rule_id = ? AND event_id = ? FOR UPDATE`,
          [input.ruleId, input.eventId], 'all', ctx);
        if (!execution) throw new Error('execution row vanished');
        const [rule] = await conn.execute<Array<{ name: string; status: RuleStatus; version: number }>>(
          `SELECT name, status, version FROM automation_rules WHERE id = ?`, [input.ruleId], 'all', ctx);

        // A retry of this step after its transaction committed: carry on from what was decided.
        if (FINISHED.includes(execution.status) && execution.attempt >= input.attempt) return { outcome: 'finished', executionId: execution.id, status: execution.status };
        const resuming = (execution.status === 'running' || execution.status === 'waiting') && execution.attempt === input.attempt;
        if (resuming || input.attempt > 1) {
          const version = execution.rule_version ?? rule?.version ?? 1;
          const definition = await definitionOf(tx, input.ruleId, version);
          if (!definition || !rule) return skip(tx, execution, 'rule_disabled', 'the rule or its version is gone');
          const facts = await loadFacts(tx, event);
          if (!resuming) {
            await conn.execute(`UPDATE automation_executions SET status = 'running', finished_at = NULL, error = NULL, ${LOG} WHERE id = ?`,
              [`retry ${input.attempt} from action ${execution.failed_action ?? 0}`, execution.id], 'all', ctx);
          }
          return {
            outcome: 'run', executionId: execution.id, ruleName: definition.name, ruleVersion: version, testing: definition.status === 'testing',
            actions: definition.actions, startAt: input.attempt > 1 ? (execution.failed_action ?? 0) : 0, subjectStatus: statusOf(facts.facts.entity),
          };
        }

        if (!rule || !DISPATCHED_RULE_STATUSES.includes(rule.status)) return skip(tx, execution, 'rule_disabled', rule ? `rule is ${rule.status}` : 'rule deleted');
        const definition = await definitionOf(tx, input.ruleId, rule.version);
        if (!definition) return skip(tx, execution, 'rule_disabled', `version ${rule.version} missing`);
        if (execution.depth > MAX_CHAIN_DEPTH) return skip(tx, execution, 'loop_depth', `depth ${execution.depth} > ${MAX_CHAIN_DEPTH}`);
        const filters = matchesFilters(definition.triggerFilters, event.payload);
        if (!filters.matched) return skip(tx, execution, 'conditions_not_met', filters.failed ?? 'trigger filters');
        const facts = await loadFacts(tx, event);
        const verdict = evaluate(definition.conditions, facts.facts);
        if (!verdict.matched) return skip(tx, execution, 'conditions_not_met', verdict.failed ?? 'conditions');
        // Concurrent executions of a rate-limited rule count their runs one at a time (the lock is
        // released at commit); a rule without limits takes no lock, so its executions never queue here.
        let limited: ReturnType<typeof rateLimitExceeded>;
        if (definition.limits && Object.keys(definition.limits).length > 0) {
          await conn.execute(`SELECT pg_advisory_xact_lock(hashtext(?))`, [`virel.rule:${input.ruleId}`], 'all', ctx);
          const [runs] = await conn.execute<Array<{ hour: string; day: string }>>(
            `SELECT count(*) FILTER (WHERE started_at > now() - interval '1 hour') AS hour, count(*) AS day FROM automation_executions
              WHERE rule_id = ? AND id <> ? AND status IN ('running', 'waiting', 'done', 'failed') AND started_at > now() - interval '1 day'`,
            [input.ruleId, execution.id], 'all', ctx);
          limited = rateLimitExceeded(definition.limits, { lastHour: Number(runs?.hour ?? 0), lastDay: Number(runs?.day ?? 0) });
        }
        if (limited) return skip(tx, execution, 'rate_limited', `${limited} ${definition.limits?.[limited]}`);
        await conn.execute(
          `UPDATE automation_executions SET status = 'running', started_at = now(), rule_version = ?, result = jsonb_build_object('testing', ?::boolean, 'actions', '{}'::jsonb), ${LOG} WHERE id = ?`,
          [rule.version, definition.status === 'testing', `running version ${rule.version}${definition.status === 'testing' ? ' in testing mode (no effect)' : ''}`, execution.id], 'all', ctx);
        return {
          outcome: 'run', executionId: execution.id, ruleName: definition.name, ruleVersion: rule.version, testing: definition.status === 'testing',
          actions: definition.actions, startAt: 0, subjectStatus: statusOf(facts.facts.entity),
        };
      });
    },

    async runAction(input: {
      executionId: string; index: number; action: RuleAction; testing: boolean; ruleName: string;
      /** For a follow-up after its timer: the status its subject must still have. */
      followupOf?: { status: string | null } | undefined;
    }): Promise<ActionRecord> {
      const work = em.fork();
      const facts = await factsOfExecution(work, input.executionId);
      const { event } = facts;
      const base = { index: input.index, type: input.action.type, at: new Date().toISOString() };
      const module = ACTIONS[input.action.type];
      // Params as the module reads them (defaults applied): a version stored by hand or by an older build still runs.
      const parsedParams = (module.params as unknown as { safeParse(v: unknown): { success: boolean; data?: unknown; error?: { message: string } } }).safeParse(input.action.params ?? {});
      const params = parsedParams.data as never;
      let record: ActionRecord;
      if (!parsedParams.success) {
        record = { ...base, outcome: 'failed', code: 'VALIDATION', detail: `params: ${parsedParams.error?.message ?? 'invalid'}` };
      } else if (input.followupOf && statusOf(facts.facts.entity) !== input.followupOf.status) {
        record = { ...base, outcome: 'cancelled', detail: `subject moved on (${input.followupOf.status ?? 'none'} → ${statusOf(facts.facts.entity) ?? 'none'})` };
      } else if (input.testing) {
        record = { ...base, outcome: 'would', detail: module.describe(params) };
      } else {
        const caller = systemCaller(actionRequestKey(input.executionId, input.index));
        const context: ActionContext = {
          services: createServices({ ...deps, em: work }), em: work, caller, ruleName: input.ruleName, event, facts: facts.facts, subject: facts.subject,
          decide: (key, choose) => decide(work, input.executionId, `${input.index}:${key}`, choose),
          opsAddress: (channel) => options.opsAddresses?.[channel],
        };
        try {
          const outcome = await module.run(params, context);
          record = { ...base, ...outcome };
        } catch (error) {
          const refusal = refusalOf(error);
          if (!refusal) throw error;
          record = { ...base, outcome: 'failed', code: refusal.code, detail: refusal.message };
        }
      }
      await saveRecord(work, input.executionId, record);
      return record;
    },

    /**
     * Marks a follow-up's wait (status waiting), so ops can see executions sleeping on a timer
     * and the dispatcher can tell them when their subject's status changes; says whether the
     * subject already moved on since the execution began.
     */
    async markWaiting(input: { executionId: string; index: number; until: string; status?: string | null | undefined }): Promise<{ moved: boolean }> {
      const work = em.fork();
      await work.getConnection().execute(`UPDATE automation_executions SET status = 'waiting', ${LOG} WHERE id = ? AND status = 'running'`,
        [`action ${input.index} waits until ${input.until}`, input.executionId]);
      if (input.status === undefined) return { moved: false };
      const facts = await factsOfExecution(work, input.executionId);
      return { moved: statusOf(facts.facts.entity) !== input.status };
    },

    /**
     * Before its timer ends: drops a follow-up whose subject moved on (recorded `cancelled`, as
     * when the timer fires), or null when the subject is still where it was and the wait goes on.
     */
    async dropFollowupIfMoved(input: { executionId: string; index: number; action: RuleAction; status: string | null }): Promise<ActionRecord | null> {
      const work = em.fork();
      const facts = await factsOfExecution(work, input.executionId);
      const now = statusOf(facts.facts.entity);
      if (now === input.status) return null;
      const record: ActionRecord = { index: input.index, type: input.action.type, outcome: 'cancelled', detail: `subject moved on (${input.status ?? 'none'} → ${now ?? 'none'}) before the follow-up was due`, at: new Date().toISOString() };
      await saveRecord(work, input.executionId, record);
      return record;
    },

    async finish(input: { executionId: string; status: 'done' | 'failed'; failedAction?: number | undefined; error?: string | undefined }): Promise<{ paused: boolean }> {
      const work = em.fork();
      const conn = work.getConnection();
      const [row] = await conn.execute<Array<{ rule_id: string }>>(
        `UPDATE automation_executions SET status = ?, finished_at = now(), failed_action = ?, error = ?, ${LOG} WHERE id = ? RETURNING rule_id`,
        [input.status, input.failedAction ?? null, input.error ?? null, input.status === 'done' ? 'done' : `failed at action ${input.failedAction}: ${input.error ?? ''}`, input.executionId]);
      if (!row || input.status !== 'failed') return { paused: false };
      const recent = await conn.execute<Array<{ status: 'done' | 'failed' }>>(
        `SELECT status FROM automation_executions WHERE rule_id = ? AND status IN ('done', 'failed') ORDER BY finished_at DESC NULLS LAST LIMIT 20`, [row.rule_id]);
      if (!shouldAutoPause(recent.map((r) => r.status))) return { paused: false };
      const services = createServices({ ...deps, em: work });
      const paused = await services.automation.pauseRule(row.rule_id, `auto-paused: most of its recent executions failed (last: ${input.error ?? 'unknown'})`);
      if (paused) {
        await services.workItems.createException(systemCaller(`autopause:${row.rule_id}:${input.executionId}`), {
          type: 'automation_rule_paused', severity: 'high', entityType: 'automation_rule', entityId: row.rule_id,
          summary: `Automation rule paused: most recent executions failed`, details: { rule_id: row.rule_id, last_execution_id: input.executionId, last_error: input.error ?? null },
        });
      }
      return { paused };
    },
  };
}

/** The subject's stage (its status, and a paid deposit while it waited for one): what a follow-up compares. */
const statusOf = subjectStage;

/** An execution's event and the rows it concerns, as they are now. */
async function factsOfExecution(em: EntityManager, executionId: string): Promise<ExecutionFacts & { event: StoredEvent }> {
  const [execution] = await em.getConnection().execute<Array<{ event_id: string }>>(`SELECT event_id FROM automation_executions WHERE id = ?`, [executionId]);
  const event = execution ? await loadEvent(em, execution.event_id) : null;
  if (!event) throw new Error(`execution ${executionId} or its event not found`);
  return { ...(await loadFacts(em, event)), event };
}

/** An action's outcome on the execution row (result.actions[index]). */
async function saveRecord(em: EntityManager, executionId: string, record: ActionRecord): Promise<void> {
  await em.getConnection().execute(
    `UPDATE automation_executions SET result = coalesce(result, '{}'::jsonb) || jsonb_build_object('actions', coalesce(result->'actions', '{}'::jsonb) || jsonb_build_object(?::text, ?::jsonb)) WHERE id = ?`,
    [String(record.index), JSON.stringify(record), executionId]);
}

/** A choice stored on the execution row the first time and returned as stored afterwards. */
async function decide<T>(em: EntityManager, executionId: string, key: string, choose: () => Promise<T>): Promise<T> {
  const conn = em.getConnection();
  const [row] = await conn.execute<Array<{ value: { v: T } | null }>>(`SELECT result->'decisions'->? AS value FROM automation_executions WHERE id = ?`, [key, executionId]);
  if (row?.value) return row.value.v;
  const value = await choose();
  await conn.execute(
    `UPDATE automation_executions SET result = coalesce(result, '{}'::jsonb) || jsonb_build_object('decisions', coalesce(result->'decisions', '{}'::jsonb) || jsonb_build_object(?::text, ?::jsonb)) WHERE id = ?`,
    [key, JSON.stringify({ v: value }), executionId]);
  return value;
}

export type AutomationEngine = ReturnType<typeof createAutomationEngine>;
