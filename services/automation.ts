/**
 * Automation rule commands (seed §8): rules are data, validated whole when saved
 * (services/automation-rules.ts), and every save is a new version (automation_rule_versions)
 * of which the rule's own columns are the active one; an earlier version can be restored (as a
 * new version). Each change is audited in its transaction. Also: dry runs of a rule or a draft
 * (nothing executed), retry of a failed execution from its failed action, the engine's
 * auto-pause, and the outbox backlog ops managers watch.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AutomationExecution, AutomationRule, AutomationRuleVersion } from '../db/entities/index.ts';
import { SYSTEM, assertPermission } from '../domain/access.ts';
import { evaluate, matchesFilters } from '../domain/automation-conditions.ts';
import { eventSpec } from '../domain/automation-events.ts';
import { executionWorkflowId, type RuleDefinition, type RuleStatus } from '../domain/automation-rules.ts';
import { conflict, invalidInput, notFound } from '../domain/errors.ts';
import {
  SA_EVENT_ID, SA_EVENT_TYPE, SA_RULE_ID, attemptWorkflowId, automationExecutionWorkflowType, type AutomationExecutionInput,
} from '../workflows/automation/messages.ts';
import { BACKGROUND_TASK_QUEUE } from '../workflows/task-queues.ts';
import { ACTIONS, parseParams, type ExecutionEvent } from './automation-actions/index.ts';
import { loadEvent, loadFacts } from './automation-context.ts';
import { syncSchedule } from './automation-schedules.ts';
import { validateRule, type RuleInput } from './automation-rules.ts';
import { recordEdit } from './change-records.ts';
import type { Caller, ServiceDeps } from './context.ts';
import { isUuid } from './rows.ts';

export { RULE_STATUSES, type RuleStatus } from '../domain/automation-rules.ts';

/** A rule's columns as they may be changed (JSON already parsed by the edge). */
export type RuleColumns = Partial<Omit<RuleInput, 'status'>>;

const definitionOf = (rule: AutomationRule): RuleDefinition => ({
  name: rule.name, description: rule.description ?? null, status: rule.status as RuleStatus, trigger: rule.trigger,
  triggerFilters: rule.triggerFilters ?? null, schedule: rule.schedule ?? null, conditions: rule.conditions as RuleDefinition['conditions'],
  actions: rule.actions as RuleDefinition['actions'], limits: (rule.limits ?? null) as RuleDefinition['limits'],
});

const columnsOf = (d: RuleDefinition) => ({
  name: d.name, description: d.description, status: d.status, trigger: d.trigger, triggerFilters: d.triggerFilters as Record<string, unknown> | null,
  schedule: d.schedule, conditions: d.conditions as unknown, actions: d.actions as unknown, limits: d.limits as Record<string, unknown> | null,
});

/** What a rule would do with one event (dry run). */
export interface DryRunVerdict {
  readonly runs: boolean;
  /** Why not (filters, conditions, the rule's status); null when it runs. */
  readonly reason: string | null;
  readonly actions: string[];
}

export interface DryRunEntry {
  readonly eventId: string | null;
  readonly eventType: string;
  readonly entityType: string;
  readonly entityId: string | null;
  readonly verdict: DryRunVerdict;
  /** For a draft: what the active version would do, and whether the draft acts differently. */
  readonly active?: DryRunVerdict | undefined;
  readonly differs: boolean;
}

export interface DryRunInput {
  readonly eventId?: string | undefined;
  readonly sample?: { readonly payload: Record<string, unknown>; readonly entityId?: string | undefined } | undefined;
  /** The rule's last N events of its trigger. */
  readonly lastEvents?: number | undefined;
  /** A change to try instead of the active version (not saved). */
  readonly draft?: RuleColumns | undefined;
}

export const MAX_DRY_RUN_EVENTS = 200;

async function verdictOf(em: EntityManager, definition: RuleDefinition, event: ExecutionEvent): Promise<DryRunVerdict> {
  const filters = matchesFilters(definition.triggerFilters, event.payload);
  if (!filters.matched) return { runs: false, reason: `trigger ${filters.failed ?? 'filters'} not met`, actions: [] };
  const conditions = evaluate(definition.conditions, (await loadFacts(em, event)).facts);
  if (!conditions.matched) return { runs: false, reason: `condition ${conditions.failed ?? ''} not met`, actions: [] };
  return { runs: true, reason: null, actions: definition.actions.map((a) => ACTIONS[a.type].describe(parseParams(a.type, a.params) as never)) };
}

const sameVerdict = (a: DryRunVerdict, b: DryRunVerdict) => a.runs === b.runs && JSON.stringify(a.actions) === JSON.stringify(b.actions);

export function createAutomationService(deps: ServiceDeps) {
  const { em, temporal } = deps;

  async function ruleOrFail(tx: EntityManager, id: string): Promise<AutomationRule> {
    const rule = isUuid(id) ? await tx.findOne(AutomationRule, { id }, { lockMode: undefined }) : null;
    if (!rule) throw notFound('automation rule', id);
    return rule;
  }

  /** Validates a rule's next definition, stores it as a new version and the rule's columns, audited: one transaction. */
  async function saveVersion(caller: Caller | null, id: string, next: (current: RuleDefinition) => RuleInput, change: string): Promise<AutomationRule> {
    await em.transactional(async (tx) => {
      const rule = await ruleOrFail(tx, id);
      const before = definitionOf(rule);
      const definition = await validateRule(tx, next(before));
      const version = rule.version + 1;
      tx.assign(rule, { ...columnsOf(definition), version, pausedReason: change.startsWith('auto-paused') ? change : null });
      tx.create(AutomationRuleVersion, { rule, version, definition: definition as unknown as Record<string, unknown>, change, createdBy: caller?.principal.id ?? null });
      await tx.flush();
      await recordEdit(tx, caller ?? { principal: SYSTEM }, {
        action: 'UPDATE', entityType: 'automation_rule', entityId: rule.id, before: { ...before, version: version - 1 }, after: { ...definition, version }, metadata: { change },
      });
    });
    const saved = await em.findOneOrFail(AutomationRule, { id }, { refresh: true });
    await syncSchedule(temporal, saved);
    return saved;
  }

  return {
    async createRule(caller: Caller, input: RuleInput): Promise<AutomationRule> {
      assertPermission(caller.principal, 'automation.write');
      const id = await em.transactional(async (tx) => {
        const definition = await validateRule(tx, input);
        const rule = tx.create(AutomationRule, { ...columnsOf(definition), version: 1 });
        tx.create(AutomationRuleVersion, { rule, version: 1, definition: definition as unknown as Record<string, unknown>, change: 'created', createdBy: caller.principal.id });
        await tx.flush();
        await recordEdit(tx, caller, { action: 'CREATE', entityType: 'automation_rule', entityId: rule.id, before: null, after: { ...definition, version: 1 } });
        return rule.id;
      });
      const saved = await em.findOneOrFail(AutomationRule, { id }, { refresh: true });
      await syncSchedule(temporal, saved);
      return saved;
    },

    updateRule(caller: Caller, id: string, columns: RuleColumns): Promise<AutomationRule> {
      assertPermission(caller.principal, 'automation.write');
      return saveVersion(caller, id, (current) => ({ ...current, ...stripUndefined(columns) }), 'edited');
    },
    enableRule(caller: Caller, id: string): Promise<AutomationRule> {
      assertPermission(caller.principal, 'automation.write');
      return saveVersion(caller, id, (current) => ({ ...current, status: 'active' }), 'enabled');
    },
    disableRule(caller: Caller, id: string): Promise<AutomationRule> {
      assertPermission(caller.principal, 'automation.write');
      return saveVersion(caller, id, (current) => ({ ...current, status: 'disabled' }), 'disabled');
    },
    /** Sets a rule to testing: its executions evaluate and record what they would do, with no effect. */
    testingRule(caller: Caller, id: string): Promise<AutomationRule> {
      assertPermission(caller.principal, 'automation.write');
      return saveVersion(caller, id, (current) => ({ ...current, status: 'testing' }), 'testing');
    },

    /** Makes an earlier version active again, as a new version (history is never rewritten). */
    async restoreVersion(caller: Caller, id: string, version: number): Promise<AutomationRule> {
      assertPermission(caller.principal, 'automation.write');
      const stored = isUuid(id) ? await em.findOne(AutomationRuleVersion, { rule: id, version }) : null;
      if (!stored) throw invalidInput('version', `rule ${id} has no version ${version}`);
      return saveVersion(caller, id, () => stored.definition as unknown as RuleInput, `restored version ${version}`);
    },

    async versions(caller: Caller, id: string): Promise<AutomationRuleVersion[]> {
      assertPermission(caller.principal, 'automation.read');
      return em.find(AutomationRuleVersion, { rule: id }, { orderBy: { version: 'desc' } });
    },

    /** The engine's auto-pause (no caller: the platform); false when the rule was not active. */
    async pauseRule(id: string, reason: string): Promise<boolean> {
      const rule = await em.findOne(AutomationRule, { id }, { refresh: true });
      if (!rule || rule.status !== 'active') return false;
      await saveVersion(null, id, (current) => ({ ...current, status: 'disabled' }), reason.startsWith('auto-paused') ? reason : `auto-paused: ${reason}`);
      return true;
    },

    /**
     * A dry run: what the rule (or a draft of a change to it) would do with a sample event, one
     * stored event, or its trigger's last N events; nothing is executed or stored. For a draft,
     * each entry also says what the active version would do and whether the draft differs.
     */
    async dryRun(caller: Caller, id: string, input: DryRunInput): Promise<DryRunEntry[]> {
      assertPermission(caller.principal, 'automation.write');
      const rule = await ruleOrFail(em, id);
      const active = definitionOf(rule);
      const draft = input.draft ? await validateRule(em, { ...active, ...stripUndefined(input.draft) }) : undefined;
      const tried = draft ?? { ...active, status: 'active' as const };
      const spec = eventSpec(tried.trigger);
      if (!spec) throw invalidInput('trigger', `unknown event ${tried.trigger}`);
      const events: ExecutionEvent[] = [];
      if (input.eventId !== undefined) {
        const event = isUuid(input.eventId) ? await loadEvent(em, input.eventId) : null;
        if (!event) throw invalidInput('eventId', 'no such domain event');
        events.push(event);
      }
      if (input.sample) {
        const entityId = input.sample.entityId ?? null;
        if (entityId !== null && !isUuid(entityId)) throw invalidInput('entityId', 'must be an id');
        events.push({ id: '', type: tried.trigger, entityType: spec.entityType, entityId: entityId ?? '', payload: input.sample.payload });
      }
      if (input.lastEvents !== undefined) {
        if (!Number.isInteger(input.lastEvents) || input.lastEvents < 1 || input.lastEvents > MAX_DRY_RUN_EVENTS) throw invalidInput('lastEvents', `1 to ${MAX_DRY_RUN_EVENTS}`);
        const rows = await em.getConnection().execute<Array<{ id: string }>>(
          `SELECT id FROM domain_events WHERE event_type = ? ORDER BY created_at DESC, id DESC LIMIT ?`, [tried.trigger, input.lastEvents]);
        for (const row of rows) events.push((await loadEvent(em, row.id)) as ExecutionEvent);
      }
      if (events.length === 0) throw invalidInput('input', 'give an eventId, a sample payload, or lastEvents');
      const entries: DryRunEntry[] = [];
      for (const event of events) {
        const verdict = await verdictOf(em, tried, event);
        const before = draft ? (active.trigger === event.type ? await verdictOf(em, active, event) : { runs: false, reason: `the active version triggers on ${active.trigger}`, actions: [] }) : undefined;
        const activeVerdict = before && active.status === 'disabled' ? { ...before, runs: false, reason: 'the active version is disabled', actions: [] } : before;
        entries.push({
          eventId: event.id || null, eventType: event.type, entityType: event.entityType, entityId: event.entityId || null, verdict,
          active: activeVerdict, differs: activeVerdict ? !sameVerdict(verdict, activeVerdict) : false,
        });
      }
      return entries;
    },

    /** Runs a failed execution again from its failed action (earlier actions are not repeated). */
    async retryExecution(caller: Caller, id: string): Promise<AutomationExecution> {
      assertPermission(caller.principal, 'automation.write');
      const execution = isUuid(id) ? await em.findOne(AutomationExecution, { id }, { refresh: true }) : null;
      if (!execution) throw notFound('automation execution', id);
      if (execution.status !== 'failed') throw conflict(`Only a failed execution can be retried; this one is ${execution.status}.`, 'status');
      const ruleId = (execution.rule as { id: string }).id;
      const attempt = execution.attempt + 1;
      await em.transactional(async (tx) => {
        // Claimed here (pending + the next attempt) so two retries cannot both start.
        const claimed = await tx.getConnection().execute<unknown[]>(
          `UPDATE automation_executions SET status = 'pending', attempt = ? WHERE id = ? AND status = 'failed' AND attempt = ? RETURNING id`,
          [attempt, id, execution.attempt], 'all', tx.getTransactionContext());
        if (claimed.length === 0) throw conflict('This execution is being retried already.', 'status');
        await recordEdit(tx, caller, { action: 'RETRY', entityType: 'automation_execution', entityId: id, before: { attempt: execution.attempt }, after: { attempt, from_action: execution.failedAction } });
      });
      const input: AutomationExecutionInput = { ruleId, eventId: execution.eventId, attempt };
      const rule = await em.findOneOrFail(AutomationRule, { id: ruleId });
      await temporal.workflow.start(automationExecutionWorkflowType, {
        workflowId: attemptWorkflowId(executionWorkflowId(ruleId, execution.eventId), attempt), taskQueue: BACKGROUND_TASK_QUEUE, args: [input],
        typedSearchAttributes: [{ key: SA_RULE_ID, value: ruleId }, { key: SA_EVENT_ID, value: execution.eventId }, { key: SA_EVENT_TYPE, value: execution.eventType ?? rule.trigger }],
        staticSummary: `Retry ${attempt} of rule "${rule.name}" from action ${execution.failedAction ?? 0}`,
      });
      return em.findOneOrFail(AutomationExecution, { id }, { refresh: true });
    },

    /** The outbox: events committed but not yet dispatched, and how long the oldest has waited. */
    async backlog(caller: Caller): Promise<{ pending: number; oldestAgeSeconds: number; runningExecutions: number }> {
      assertPermission(caller.principal, 'automation.read');
      return outboxBacklog(em);
    },
  };
}

/** The outbox's backlog (also a Prometheus gauge): one indexed query over the unpublished events. */
export async function outboxBacklog(em: EntityManager): Promise<{ pending: number; oldestAgeSeconds: number; runningExecutions: number }> {
  const [row] = await em.getConnection().execute<Array<{ pending: string; oldest: string | null; running: string }>>(
    `SELECT (SELECT count(*) FROM domain_events WHERE published_at IS NULL) AS pending,
            (SELECT extract(epoch FROM now() - min(created_at)) FROM domain_events WHERE published_at IS NULL) AS oldest,
            (SELECT count(*) FROM automation_executions WHERE status IN ('pending', 'running', 'waiting')) AS running`);
  return { pending: Number(row?.pending ?? 0), oldestAgeSeconds: Math.max(0, Number(row?.oldest ?? 0)), runningExecutions: Number(row?.running ?? 0) };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export type AutomationService = ReturnType<typeof createAutomationService>;
