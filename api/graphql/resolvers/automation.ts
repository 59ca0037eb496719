/**
 * Automation rules and executions (seed §8): reads, and the parsing of rule input (JSON texts);
 * the commands (store, edit, enable, disable, request a test run) are services/automation.ts.
 */
import { z } from 'zod';
import { AutomationExecution, AutomationRule } from '../../../db/entities/index.ts';
import { RULE_STATUSES, type RuleColumns, type RuleStatus } from '../../../services/automation.ts';
import { requirePermission } from '../../auth/authorize.ts';
import { afterCursor, pageSize, toConnection } from '../connection.ts';
import { callerOf, servicesOf } from '../services.ts';
import type { Resolvers } from '../generated/types.ts';
import { parseInput } from '../validation.ts';
import {
  isUuid, jsonText, parseJsonObject, rangeCondition, redactFor, invalidInput,
} from './operations-support.ts';


const eventName = z.string().trim().min(3).max(100).regex(/^[a-z_]+\.[a-z_.]+$/, 'a domain event name such as inquiry.created');
const cron = z.string().trim().max(100).regex(/^(\S+\s+){4}\S+$/, 'a five-field cron expression');

const conditionInput = z.object({
  field: z.string().trim().min(1).max(100),
  operator: z.enum(['equals', 'not_equals', 'in', 'not_in', 'contains', 'not_contains', 'greater_than', 'less_than']),
  value: z.string().max(5000),
});
const actionInput = z.object({
  type: z.enum(['create_task', 'create_exception', 'send_message', 'update_status', 'assign_operator', 'call_webhook', 'schedule_followup']),
  params: z.string().max(10_000).optional().nullable(),
});
const limitsInput = z.object({ maxPerHour: z.number().int().min(1).max(100_000).optional().nullable(), maxPerDay: z.number().int().min(1).max(1_000_000).optional().nullable() });

const ruleFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000).optional().nullable(),
  trigger: eventName,
  triggerFilters: z.string().max(10_000).optional().nullable(),
  schedule: cron.optional().nullable(),
  conditions: z.array(conditionInput).max(50),
  actions: z.array(actionInput).min(1, 'a rule needs at least one action').max(20),
  limits: limitsInput.optional().nullable(),
};
const createRuleInput = z.object({ ...ruleFields, status: z.enum(RULE_STATUSES).default('disabled') });
const updateRuleInput = z.object({
  name: ruleFields.name.optional(), description: ruleFields.description, trigger: eventName.optional(), triggerFilters: ruleFields.triggerFilters,
  schedule: ruleFields.schedule, conditions: ruleFields.conditions.optional().nullable(), actions: ruleFields.actions.optional().nullable(), limits: ruleFields.limits,
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
  if (input.conditions) {
    columns.conditions = input.conditions.map((c, i) => ({ field: c.field, operator: c.operator, value: parseJsonValue(`conditions.${i}.value`, c.value) }));
  }
  if (input.actions) columns.actions = input.actions.map((a, i) => ({ type: a.type, params: parseJsonObject(`actions.${i}.params`, a.params) ?? {} }));
  if (input.limits !== undefined) {
    columns.limits = input.limits ? Object.fromEntries(Object.entries({ max_per_hour: input.limits.maxPerHour, max_per_day: input.limits.maxPerDay }).filter(([, v]) => v !== null && v !== undefined)) : null;
  }
  return columns as RuleColumns;
}

const asList = (value: unknown): Array<Record<string, unknown>> => (Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => !!v && typeof v === 'object') : []);

export const automationResolvers: Resolvers = {
  Query: {
    async automationRule(_, args, ctx) {
      requirePermission(ctx.viewer, 'automation.read');
      return isUuid(args.id) ? ctx.em.findOne(AutomationRule, { id: args.id }) : null;
    },
    async automationRules(_, args, ctx) {
      requirePermission(ctx.viewer, 'automation.read');
      const size = pageSize(args.first);
      const conditions: Record<string, unknown>[] = [];
      if (args.status) conditions.push({ status: args.status });
      if (args.trigger) conditions.push({ trigger: args.trigger });
      const after = afterCursor(args.after);
      if (after) conditions.push(after);
      const rows = await ctx.em.find(AutomationRule, { $and: conditions }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 });
      return toConnection(rows, size);
    },
    async automationExecutions(_, args, ctx) {
      requirePermission(ctx.viewer, 'automation.read');
      const size = pageSize(args.first);
      const conditions: Record<string, unknown>[] = [];
      const push = (c: Record<string, unknown> | undefined) => c && conditions.push(c);
      if (args.ruleId) {
        if (!isUuid(args.ruleId)) throw invalidInput('ruleId', 'must be an id');
        push({ rule: args.ruleId });
      }
      if (args.status) push({ status: args.status });
      if (args.isTest !== null && args.isTest !== undefined) push({ isTest: args.isTest });
      push(rangeCondition('startedAt', args.startedFrom, args.startedTo, ['startedFrom', 'startedTo']));
      push(afterCursor(args.after, 'startedAt'));
      const rows = await ctx.em.find(AutomationExecution, { $and: conditions }, { orderBy: { startedAt: 'desc', id: 'desc' }, limit: size + 1 });
      return toConnection(rows, size, (r) => r.startedAt);
    },
  },
  Mutation: {
    async createAutomationRule(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'automation.write');
      const parsed = parseInput(createRuleInput, args.input);
      return servicesOf(ctx).automation.createRule(callerOf(ctx, viewer), { ...ruleColumns(parsed), name: parsed.name, trigger: parsed.trigger, status: parsed.status });
    },
    async updateAutomationRule(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'automation.write');
      const parsed = parseInput(updateRuleInput, args.input);
      return servicesOf(ctx).automation.updateRule(callerOf(ctx, viewer), args.id, ruleColumns(parsed));
    },
    async enableAutomationRule(_, args, ctx) {
      return servicesOf(ctx).automation.enableRule(callerOf(ctx, requirePermission(ctx.viewer, 'automation.write')), args.id);
    },
    async disableAutomationRule(_, args, ctx) {
      return servicesOf(ctx).automation.disableRule(callerOf(ctx, requirePermission(ctx.viewer, 'automation.write')), args.id);
    },
    async testAutomationRule(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'automation.write');
      const payload = parseJsonObject('payload', args.input?.payload);
      return servicesOf(ctx).automation.requestTest(callerOf(ctx, viewer), args.id, { eventId: args.input?.eventId ?? undefined, payload });
    },
  },
  AutomationRule: {
    status: (row) => row.status as RuleStatus,
    triggerFilters: (row) => jsonText(row.triggerFilters),
    conditions: (row) => asList(row.conditions).map((c) => ({ field: String(c.field ?? ''), operator: String(c.operator ?? ''), value: jsonText(c.value) })),
    actions: (row, _, ctx) => asList(row.actions).map((a) => ({ type: String(a.type ?? ''), params: jsonText(redactFor(ctx.viewer, a.params)) })),
    limits: (row) => jsonText(row.limits),
  },
  AutomationExecution: {
    ruleId: (row) => row.rule.id,
    // Executions carry event data (contacts, amounts): shown as the viewer may see them.
    logs: (row, _, ctx) => jsonText(redactFor(ctx.viewer, row.logs)),
    result: (row, _, ctx) => jsonText(redactFor(ctx.viewer, row.result)),
  },
};
