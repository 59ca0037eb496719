/**
 * Automation rule commands (seed §8): rules are stored, edited and switched on and off here,
 * each change audited in its transaction. A test run is stored as a queued execution (is_test);
 * the automation engine (its own issue) runs executions.
 */
import { randomUUID } from 'node:crypto';
import { AutomationExecution, AutomationRule, DomainEvent } from '../db/entities/index.ts';
import { assertPermission } from '../domain/access.ts';
import { invalidInput, notFound } from '../domain/errors.ts';
import { recordEdit } from './change-records.ts';
import type { Caller, ServiceDeps } from './context.ts';
import { isUuid } from './rows.ts';

export const RULE_STATUSES = ['active', 'disabled', 'testing'] as const;
export type RuleStatus = (typeof RULE_STATUSES)[number];
/** What a test run is stored as until the engine picks it up (beside the seed's running / done / failed). */
export const QUEUED = 'queued';

/** A rule's stored columns, JSON already parsed (the edge validates the texts). */
export type RuleColumns = Partial<Pick<AutomationRule,
  'name' | 'description' | 'trigger' | 'triggerFilters' | 'schedule' | 'conditions' | 'actions' | 'limits' | 'status'>>;

export interface NewRule extends RuleColumns {
  readonly name: string;
  readonly trigger: string;
  readonly status: RuleStatus;
}

const ruleSnapshot = (rule: AutomationRule) => ({
  name: rule.name, status: rule.status, trigger: rule.trigger, trigger_filters: rule.triggerFilters ?? null, schedule: rule.schedule ?? null,
  conditions: rule.conditions, actions: rule.actions, limits: rule.limits ?? null,
});

export function createAutomationService(deps: ServiceDeps) {
  const { em } = deps;

  /** Changes a stored rule and audits it, in one transaction. */
  async function changeRule(caller: Caller, id: string, columns: RuleColumns, reason: string): Promise<AutomationRule> {
    assertPermission(caller.principal, 'automation.write');
    await em.transactional(async (tx) => {
      const rule = isUuid(id) ? await tx.findOne(AutomationRule, { id }) : null;
      if (!rule) throw notFound('automation rule', id);
      const before = ruleSnapshot(rule);
      tx.assign(rule, columns);
      await tx.flush();
      await recordEdit(tx, caller, { action: 'UPDATE', entityType: 'automation_rule', entityId: rule.id, before, after: ruleSnapshot(rule), metadata: { change: reason } });
    });
    return em.findOneOrFail(AutomationRule, { id }, { refresh: true });
  }

  return {
    async createRule(caller: Caller, rule: NewRule): Promise<AutomationRule> {
      assertPermission(caller.principal, 'automation.write');
      const id = await em.transactional(async (tx) => {
        const created = tx.create(AutomationRule, { ...rule, conditions: rule.conditions, actions: rule.actions });
        await tx.flush();
        await recordEdit(tx, caller, { action: 'CREATE', entityType: 'automation_rule', entityId: created.id, before: null, after: ruleSnapshot(created) });
        return created.id;
      });
      return em.findOneOrFail(AutomationRule, { id }, { refresh: true });
    },

    updateRule: (caller: Caller, id: string, columns: RuleColumns) => changeRule(caller, id, columns, 'edited'),
    enableRule: (caller: Caller, id: string) => changeRule(caller, id, { status: 'active' satisfies RuleStatus }, 'enabled'),
    disableRule: (caller: Caller, id: string) => changeRule(caller, id, { status: 'disabled' satisfies RuleStatus }, 'disabled'),

    /** Queues a test run of a rule, once per (rule, event) when an event is given. */
    async requestTest(caller: Caller, id: string, input: { eventId?: string | undefined; payload?: Record<string, unknown> | undefined }): Promise<AutomationExecution> {
      assertPermission(caller.principal, 'automation.write');
      const rule = isUuid(id) ? await em.findOne(AutomationRule, { id }) : null;
      if (!rule) throw notFound('automation rule', id);
      const { eventId, payload } = input;
      if (eventId !== undefined && (!isUuid(eventId) || !(await em.findOne(DomainEvent, { id: eventId })))) throw invalidInput('eventId', 'no such domain event');
      const existing = eventId ? await em.findOne(AutomationExecution, { rule: rule.id, eventId }) : null;
      if (existing) return existing;
      const executionId = await em.transactional(async (tx) => {
        const execution = tx.create(AutomationExecution, {
          rule: rule.id, eventId: eventId ?? randomUUID(), status: QUEUED, isTest: true,
          logs: [{ at: new Date().toISOString(), message: 'test run requested; not executed: the automation engine is not built yet' }],
          result: { requested_by: caller.principal.id, event_id: eventId ?? null, sample_payload: payload ?? null },
        });
        await tx.flush();
        await recordEdit(tx, caller, { action: 'TEST', entityType: 'automation_rule', entityId: rule.id, before: null, after: { execution_id: execution.id, event_id: eventId ?? null } });
        return execution.id;
      });
      return em.findOneOrFail(AutomationExecution, { id: executionId }, { refresh: true });
    },
  };
}
