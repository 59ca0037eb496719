/**
 * A rule as data, validated whole when saved: the trigger is an event of the catalogue, filters
 * and condition fields exist on that event or on the rows it concerns, operators and values fit,
 * every action is one the engine runs with params its module accepts (and a status change the
 * state machine could ever allow), limits and the schedule are sound. The first problem is a
 * VALIDATION error naming the part (`conditions.1.field`, `actions.0.params.new_status`);
 * nothing is saved.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { type z } from 'zod';
import { CONDITION_OPERATORS, isGroup, type ConditionNode } from '../domain/automation-conditions.ts';
import { EVENT_CATALOGUE, eventSpec, type EventSpec } from '../domain/automation-events.ts';
import { ACTION_TYPES, RULE_STATUSES, type RuleAction, type RuleDefinition } from '../domain/automation-rules.ts';
import { invalidInput } from '../domain/errors.ts';
import { ACTIONS } from './automation-actions/index.ts';
import { checkField } from './automation-fields.ts';

const cron = /^(\S+\s+){4}\S+$/;

function zodMessage(error: z.ZodError): { path: string; message: string } {
  const issue = error.issues[0];
  return { path: issue?.path.join('.') ?? '', message: issue?.message ?? 'invalid' };
}

function checkCondition(em: EntityManager, spec: EventSpec, node: unknown, field: string): ConditionNode {
  if (!node || typeof node !== 'object' || Array.isArray(node)) throw invalidInput(field, 'a condition is { field, operator, value } or a group { all: [...] } / { any: [...] }');
  const value = node as Record<string, unknown>;
  if ('all' in value || 'any' in value) {
    const key = 'all' in value ? 'all' : 'any';
    const children = value[key];
    if (!Array.isArray(children)) throw invalidInput(`${field}.${key}`, 'must be a list of conditions');
    return { [key]: children.map((child, i) => checkCondition(em, spec, child, `${field}.${key}.${i}`)) } as unknown as ConditionNode;
  }
  if (typeof value.field !== 'string' || !value.field.trim()) throw invalidInput(`${field}.field`, 'a field path such as event.source or entity.status');
  if (typeof value.operator !== 'string' || !(CONDITION_OPERATORS as readonly string[]).includes(value.operator)) {
    throw invalidInput(`${field}.operator`, `unknown operator ${String(value.operator)} (operators: ${CONDITION_OPERATORS.join(', ')})`);
  }
  checkField(em, spec, value.field, `${field}.field`);
  const operator = value.operator as (typeof CONDITION_OPERATORS)[number];
  if ((operator === 'in' || operator === 'not_in') && !Array.isArray(value.value)) throw invalidInput(`${field}.value`, `${operator} needs a list`);
  if ((operator === 'greater_than' || operator === 'less_than') && !(typeof value.value === 'number' || (typeof value.value === 'string' && value.value.trim() !== ''))) {
    throw invalidInput(`${field}.value`, `${operator} needs a number or a timestamp`);
  }
  if (operator === 'exists' && value.value !== undefined && typeof value.value !== 'boolean') throw invalidInput(`${field}.value`, 'exists takes true, false or nothing');
  if (operator !== 'exists' && value.value === undefined) throw invalidInput(`${field}.value`, `${operator} needs a value`);
  return { field: value.field.trim(), operator, ...(value.value === undefined ? {} : { value: value.value }) };
}

async function checkAction(em: EntityManager, spec: EventSpec, filters: Record<string, unknown>, action: unknown, field: string): Promise<RuleAction> {
  const raw = (action ?? {}) as { type?: unknown; params?: unknown };
  if (typeof raw.type !== 'string' || !(ACTION_TYPES as readonly string[]).includes(raw.type)) {
    throw invalidInput(`${field}.type`, `unknown action ${String(raw.type)} (actions: ${ACTION_TYPES.join(', ')})`);
  }
  const type = raw.type as RuleAction['type'];
  const module = ACTIONS[type];
  const parsed = (module.params as unknown as z.ZodType).safeParse(raw.params ?? {});
  if (!parsed.success) {
    const { path, message } = zodMessage(parsed.error);
    throw invalidInput(`${field}.params${path ? `.${path}` : ''}`, message);
  }
  const params = parsed.data as Record<string, unknown>;
  await module.check?.(params as never, { em, trigger: spec, field: `${field}.params`, filters });
  // Stored as written (defaults are applied when it runs), so a rule reads back as its author saved it.
  const written = (raw.params ?? {}) as Record<string, unknown>;
  if (type === 'schedule_followup') {
    const inner = await checkAction(em, spec, filters, params.action, `${field}.params.action`);
    return { type, params: { ...written, action: inner } };
  }
  return { type, params: written };
}

/** The raw form a rule arrives in (the edge has parsed its JSON texts). */
export interface RuleInput {
  readonly name: string;
  readonly description?: string | null | undefined;
  readonly status: string;
  readonly trigger: string;
  readonly triggerFilters?: Record<string, unknown> | null | undefined;
  readonly schedule?: string | null | undefined;
  readonly conditions?: unknown;
  readonly actions: unknown;
  readonly limits?: Readonly<Record<string, unknown>> | RuleDefinition['limits'] | undefined;
}

/** A rule checked whole and normalised (params stored as written), or VALIDATION naming the first problem. */
export async function validateRule(em: EntityManager, input: RuleInput): Promise<RuleDefinition> {
  if (!input.name?.trim()) throw invalidInput('name', 'a rule needs a name');
  if (!(RULE_STATUSES as readonly string[]).includes(input.status)) throw invalidInput('status', `one of ${RULE_STATUSES.join(', ')}`);
  const spec = eventSpec(input.trigger);
  if (!spec) throw invalidInput('trigger', `unknown event ${input.trigger} (see automationEventCatalogue: ${EVENT_CATALOGUE.map((e) => e.name).slice(0, 6).join(', ')}, …)`);
  const filters = input.triggerFilters ?? {};
  for (const key of Object.keys(filters)) {
    if (!(key in spec.payload)) throw invalidInput(`triggerFilters.${key}`, `${spec.name} has no payload field ${key} (fields: ${Object.keys(spec.payload).join(', ')})`);
  }
  if (input.schedule !== undefined && input.schedule !== null) {
    if (!cron.test(input.schedule.trim())) throw invalidInput('schedule', 'a five-field cron expression');
    if (spec.name !== 'schedule.tick') throw invalidInput('trigger', 'a scheduled rule triggers on schedule.tick');
  } else if (spec.name === 'schedule.tick') {
    throw invalidInput('schedule', 'a schedule.tick rule needs a cron schedule');
  }
  const rawConditions = input.conditions ?? [];
  const conditions = Array.isArray(rawConditions)
    ? rawConditions.map((c, i) => checkCondition(em, spec, c, `conditions.${i}`))
    : checkCondition(em, spec, rawConditions, 'conditions');
  if (!Array.isArray(input.actions) || input.actions.length === 0) throw invalidInput('actions', 'a rule needs at least one action');
  if (input.actions.length > 20) throw invalidInput('actions', 'at most 20 actions');
  const actions: RuleAction[] = [];
  for (const [i, action] of (input.actions as unknown[]).entries()) actions.push(await checkAction(em, spec, filters, action, `actions.${i}`));
  const limits = input.limits ?? null;
  for (const [key, value] of Object.entries(limits ?? {}) as Array<[string, unknown]>) {
    if (key !== 'max_per_hour' && key !== 'max_per_day') throw invalidInput(`limits.${key}`, 'limits are max_per_hour and max_per_day');
    if (!Number.isInteger(value) || (value as number) < 1) throw invalidInput(`limits.${key}`, 'a whole number of at least 1');
  }
  return {
    name: input.name.trim(), description: input.description ?? null, status: input.status as RuleDefinition['status'], trigger: spec.name,
    triggerFilters: input.triggerFilters ?? null, schedule: input.schedule?.trim() ?? null, conditions, actions, limits: limits as RuleDefinition['limits'],
  };
}

/** True for a condition tree's group node (re-exported for the resolvers' shaping). */
export { isGroup };
