/**
 * Automation rules, executions, the event catalogue and backlog, operators' shifts and caps
 * (seed §8): reads, and the parsing of rule input (JSON texts); the commands and the rule
 * validation are services/automation.ts, services/automation-rules.ts and services/operators.ts.
 */
import { z } from 'zod';
import { AutomationExecution, AutomationRule, AutomationRuleVersion } from '../../../db/entities/index.ts';
import { EVENT_CATALOGUE } from '../../../domain/automation-events.ts';
import { RULE_STATUSES, type RuleColumns, type RuleStatus } from '../../../services/automation.ts';
import { requirePermission } from '../../auth/authorize.ts';
import { pageOf } from '../connection.ts';
import { callerOf, servicesOf } from '../services.ts';
import type { Resolvers, UpdateAutomationRuleInput } from '../generated/types.ts';
import { parseInput } from '../validation.ts';
import {
  isUuid, jsonText, parseJsonObject, rangeCondition, redactFor, invalidInput,
} from './operations-support.ts';

const eventName = z.string().trim().min(3).max(100).regex(/^[a-z_]+\.[a-z_.]+$/, 'a domain event name such as inquiry.created');
const cron = z.string().trim().max(100).regex(/^(\S+\s+){4}\S+$/, 'a five-field cron expression');

// The shapes the schema cannot say; what the fields and values mean is checked by the rule validator.
const conditionInput = z.object({
  field: z.string().trim().min(1).max(200),
  operator: z.string(),
  value: z.string().max(5000).optional().nullable(),
});
const actionInput = z.object({ type: z.string(), params: z.string().max(10_000).optional().nullable() });
const limitsInput = z.object({ maxPerHour: z.number().int().min(1).max(100_000).optional().nullable(), maxPerDay: z.number().int().min(1).max(1_000_000).optional().nullable() });

const ruleFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000).optional().nullable(),
  trigger: eventName,
  triggerFilters: z.string().max(10_000).optional().nullable(),
  schedule: cron.optional().nullable(),
  conditions: z.array(conditionInput).max(50).optional().nullable(),
  conditionTree: z.string().max(20_000).optional().nullable(),
  actions: z.array(actionInput).min(1, 'a rule needs at least one action').max(20),
  limits: limitsInput.optional().nullable(),
};
const createRuleInput = z.object({ ...ruleFields, status: z.enum(RULE_STATUSES).default('disabled') });
const updateRuleInput = z.object({
  name: ruleFields.name.optional(), description: ruleFields.description, trigger: eventName.optional(), triggerFilters: ruleFields.triggerFilters,
  schedule: ruleFields.schedule, conditions: ruleFields.conditions, conditionTree: ruleFields.conditionTree, actions: ruleFields.actions.optional().nullable(), limits: ruleFields.limits,
});

function parseJsonValue(field: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidInput(field, 'must be JSON text');
  }
}

/** Rule columns from validated input, JSON texts parsed (VALIDATION naming the field otherwise). */
function ruleColumns(input: z.infer<typeof updateRuleInput>): RuleColumns {
  const columns: Record<string, unknown> = {};
  if (input.name !== undefined) columns.name = input.name;
  if (input.description !== undefined) columns.description = input.description ?? null;
  if (input.trigger !== undefined) columns.trigger = input.trigger;
  if (input.triggerFilters !== undefined) columns.triggerFilters = parseJsonObject('triggerFilters', input.triggerFilters) ?? null;
  if (input.schedule !== undefined) columns.schedule = input.schedule ?? null;
  if (input.conditions && input.conditionTree) throw invalidInput('conditionTree', 'give conditions or conditionTree, not both');
  if (input.conditions) {
    columns.conditions = input.conditions.map((c, i) => ({
      field: c.field, operator: c.operator, ...(c.value === undefined || c.value === null ? {} : { value: parseJsonValue(`conditions.${i}.value`, c.value) }),
    }));
  }
  if (input.conditionTree) columns.conditions = parseJsonValue('conditionTree', input.conditionTree);
  if (input.actions) columns.actions = input.actions.map((a, i) => ({ type: a.type, params: parseJsonObject(`actions.${i}.params`, a.params) ?? {} }));
  if (input.limits !== undefined) {
    columns.limits = input.limits ? Object.fromEntries(Object.entries({ max_per_hour: input.limits.maxPerHour, max_per_day: input.limits.maxPerDay }).filter(([, v]) => v !== null && v !== undefined)) : null;
  }
  return columns as RuleColumns;
}

const asList = (value: unknown): Array<Record<string, unknown>> => (Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => !!v && typeof v === 'object') : []);

/** The per-action records an execution stored (result.actions, keyed by index), in order. */
export function actionResults(result: Record<string, unknown> | null | undefined) {
  const actions = (result?.actions ?? {}) as Record<string, Record<string, unknown>>;
  return Object.values(actions)
    .map((a) => ({ index: Number(a.index), type: String(a.type), outcome: String(a.outcome), detail: a.detail === undefined ? null : String(a.detail), code: typeof a.code === 'string' ? a.code : null, at: typeof a.at === 'string' ? a.at : null }))
    .sort((a, b) => a.index - b.index);
}

function draftColumns(draft: UpdateAutomationRuleInput | null | undefined): RuleColumns | undefined {
  return draft ? ruleColumns(parseInput(updateRuleInput, draft)) : undefined;
}

export const automationResolvers: Resolvers = {
  Query: {
    async automationRule(_, args, ctx) {
      requirePermission(ctx, 'automation.read');
      return isUuid(args.id) ? ctx.em.findOne(AutomationRule, { id: args.id }) : null;
    },
    async automationRules(_, args, ctx) {
      requirePermission(ctx, 'automation.read');
      return pageOf(ctx.em, AutomationRule, args, (where) => {
        if (args.status) where({ status: args.status });
        if (args.trigger) where({ trigger: args.trigger });
      });
    },
    async automationExecutions(_, args, ctx) {
      requirePermission(ctx, 'automation.read');
      return pageOf(ctx.em, AutomationExecution, args, (where) => {
        for (const [field, value] of [['ruleId', args.ruleId], ['entityId', args.entityId], ['eventId', args.eventId]] as const) {
          if (value && !isUuid(value)) throw invalidInput(field, 'must be an id');
        }
        if (args.ruleId) where({ rule: args.ruleId });
        if (args.entityId) where({ entityId: args.entityId });
        if (args.eventId) where({ eventId: args.eventId });
        if (args.entityType) where({ entityType: args.entityType });
        if (args.status) where({ status: args.status });
        if (args.isTest !== null && args.isTest !== undefined) where({ isTest: args.isTest });
        where(rangeCondition('startedAt', args.startedFrom, args.startedTo, ['startedFrom', 'startedTo']));
      }, { key: 'startedAt' });
    },
    async automationExecution(_, args, ctx) {
      requirePermission(ctx, 'automation.read');
      return isUuid(args.id) ? ctx.em.findOne(AutomationExecution, { id: args.id }) : null;
    },
    automationEventCatalogue(_, __, ctx) {
      requirePermission(ctx, 'automation.read');
      return EVENT_CATALOGUE.map((e) => ({ name: e.name, entityType: e.entityType, description: e.description, fields: Object.entries(e.payload).map(([name, kind]) => ({ name, kind })) }));
    },
    async automationBacklog(_, __, ctx) {
      return servicesOf(ctx).automation.backlog(callerOf(ctx, requirePermission(ctx, 'automation.read')));
    },
    async operatorShifts(_, args, ctx) {
      const viewer = requirePermission(ctx, 'users.read');
      return servicesOf(ctx).operators.shifts(callerOf(ctx, viewer), { userId: args.userId ?? undefined, from: args.from ? new Date(args.from) : undefined });
    },
    async operatorCapacities(_, __, ctx) {
      return servicesOf(ctx).operators.capacities(callerOf(ctx, requirePermission(ctx, 'users.read')));
    },
  },
  Mutation: {
    async createAutomationRule(_, args, ctx) {
      const viewer = requirePermission(ctx, 'automation.write');
      const parsed = parseInput(createRuleInput, args.input);
      const columns = ruleColumns(parsed);
      return servicesOf(ctx).automation.createRule(callerOf(ctx, viewer), {
        ...columns, name: parsed.name, trigger: parsed.trigger, status: parsed.status, conditions: columns.conditions ?? [], actions: columns.actions,
      });
    },
    async updateAutomationRule(_, args, ctx) {
      const viewer = requirePermission(ctx, 'automation.write');
      const parsed = parseInput(updateRuleInput, args.input);
      return servicesOf(ctx).automation.updateRule(callerOf(ctx, viewer), args.id, ruleColumns(parsed));
    },
    async enableAutomationRule(_, args, ctx) {
      return servicesOf(ctx).automation.enableRule(callerOf(ctx, requirePermission(ctx, 'automation.write')), args.id);
    },
    async disableAutomationRule(_, args, ctx) {
      return servicesOf(ctx).automation.disableRule(callerOf(ctx, requirePermission(ctx, 'automation.write')), args.id);
    },
    async setAutomationRuleTesting(_, args, ctx) {
      return servicesOf(ctx).automation.testingRule(callerOf(ctx, requirePermission(ctx, 'automation.write')), args.id);
    },
    async restoreAutomationRuleVersion(_, args, ctx) {
      return servicesOf(ctx).automation.restoreVersion(callerOf(ctx, requirePermission(ctx, 'automation.write')), args.id, args.version);
    },
    async testAutomationRule(_, args, ctx) {
      const viewer = requirePermission(ctx, 'automation.write');
      const { input } = args;
      const payload = parseJsonObject('payload', input.payload);
      return servicesOf(ctx).automation.dryRun(callerOf(ctx, viewer), args.id, {
        eventId: input.eventId ?? undefined,
        sample: payload ? { payload, entityId: input.entityId ?? undefined } : undefined,
        lastEvents: input.lastEvents ?? undefined,
        draft: draftColumns(input.draft),
      });
    },
    async retryAutomationExecution(_, args, ctx) {
      return servicesOf(ctx).automation.retryExecution(callerOf(ctx, requirePermission(ctx, 'automation.write')), args.id);
    },
    async addOperatorShift(_, args, ctx) {
      const viewer = requirePermission(ctx, 'escalations.manage');
      return servicesOf(ctx).operators.addShift(callerOf(ctx, viewer), { userId: args.input.userId, startsAt: new Date(args.input.startsAt), endsAt: new Date(args.input.endsAt) });
    },
    async removeOperatorShift(_, args, ctx) {
      return servicesOf(ctx).operators.removeShift(callerOf(ctx, requirePermission(ctx, 'escalations.manage')), args.id);
    },
    async setOperatorCapacity(_, args, ctx) {
      return servicesOf(ctx).operators.setCapacity(callerOf(ctx, requirePermission(ctx, 'escalations.manage')), args.userId, args.maxOpenItems);
    },
  },
  AutomationRule: {
    status: (row) => row.status as RuleStatus,
    triggerFilters: (row) => jsonText(row.triggerFilters),
    conditions: (row) => asList(row.conditions).filter((c) => 'field' in c).map((c) => ({ field: String(c.field ?? ''), operator: String(c.operator ?? ''), value: jsonText(c.value) })),
    conditionTree: (row) => JSON.stringify(row.conditions ?? []),
    actions: (row, _, ctx) => asList(row.actions).map((a) => ({ type: String(a.type ?? ''), params: jsonText(redactFor(ctx.viewer, a.params)) })),
    limits: (row) => jsonText(row.limits),
    versions: (row, _, ctx) => ctx.em.find(AutomationRuleVersion, { rule: row.id }, { orderBy: { version: 'desc' } }),
  },
  AutomationRuleVersion: {
    definition: (row, _, ctx) => JSON.stringify(redactFor(ctx.viewer, row.definition)),
    createdBy: (row) => (row.createdBy as { id: string } | null)?.id ?? null,
  },
  AutomationExecution: {
    ruleId: (row) => row.rule.id,
    rule: (row, _, ctx) => ctx.em.findOne(AutomationRule, { id: row.rule.id }),
    actions: (row, _, ctx) => actionResults(redactFor(ctx.viewer, row.result) as Record<string, unknown> | null),
    // Executions carry event data (contacts, amounts): shown as the viewer may see them.
    logs: (row, _, ctx) => jsonText(redactFor(ctx.viewer, row.logs)),
    result: (row, _, ctx) => jsonText(redactFor(ctx.viewer, row.result)),
  },
  OperatorShift: {
    userId: (row) => (row.user as { id: string }).id,
  },
  OperatorCapacity: {
    userId: (row) => (row.user as { id: string }).id,
  },
};
