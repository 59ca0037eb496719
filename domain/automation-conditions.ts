/**
 * Rule conditions (seed §8 "IF"), evaluated as pure code over what an execution loaded: the
 * event's payload and the rows it is about, as they are at execution time.
 *
 * A condition reads a field path: `event.<payload field>`, `entity.<column>`, `booking.<column>`,
 * `inquiry.<column>` or `client.<column>` (domain/automation-events.ts CONDITION_ROOTS), dotted further into JSON
 * (`event.after.status`). Conditions combine in `all` / `any` groups, nested; a rule's list of
 * conditions is an `all` group. Trigger filters (seed rule 1's `{ source: web }`) are equality
 * checks on payload fields (a list value: one of).
 *
 * Values are compared as the rule's author means them, not as JSON happens to store them: a
 * money column read as "550.00" equals 550, a timestamp compares by time, text matching with
 * `contains` ignores case. A missing field (or row) fails every operator except the negations
 * (not_equals, not_in, not_contains) and `exists: false`.
 */
import { CONDITION_ROOTS, type ConditionRoot } from './automation-events.ts';

export const CONDITION_OPERATORS = [
  'equals', 'not_equals', 'in', 'not_in', 'contains', 'not_contains', 'greater_than', 'less_than', 'exists',
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export interface Condition {
  readonly field: string;
  readonly operator: ConditionOperator;
  readonly value?: unknown;
}
export type ConditionGroup = { readonly all: readonly ConditionNode[] } | { readonly any: readonly ConditionNode[] };
export type ConditionNode = Condition | ConditionGroup;

/** What conditions read: the event's payload and the rows loaded for it (null when absent). */
export type ConditionContext = Readonly<Record<ConditionRoot, Readonly<Record<string, unknown>> | null>>;

export interface Verdict {
  readonly matched: boolean;
  /** The first condition (as `field operator`) that decided a false verdict; never the values (they may be PII). */
  readonly failed?: string;
}

export const isGroup = (node: ConditionNode): node is ConditionGroup => 'all' in node || 'any' in node;

/** A path as [root, ...keys]; a path without a known root reads the event's payload. */
export function splitPath(path: string): [ConditionRoot, string[]] {
  const parts = path.split('.').filter((p) => p.length > 0);
  const [head, ...rest] = parts;
  if (head !== undefined && (CONDITION_ROOTS as readonly string[]).includes(head) && rest.length > 0) return [head as ConditionRoot, rest];
  return ['event', parts];
}

/** The value at a field path, or undefined. */
export function readField(context: ConditionContext, path: string): unknown {
  const [root, keys] = splitPath(path);
  let value: unknown = context[root];
  for (const key of keys) {
    if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const absent = (value: unknown) => value === null || value === undefined;

/** A number for a number or numeric text ("550.00"), else undefined. */
function numeric(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/** Epoch ms for a Date or an ISO-8601 timestamp text, else undefined. */
function instant(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** Equality as a rule's author means it: numbers by value, timestamps by time, booleans also from 'true'/'false'. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (absent(a) || absent(b)) return absent(a) && absent(b);
  const [na, nb] = [numeric(a), numeric(b)];
  if (na !== undefined && nb !== undefined) return na === nb;
  const [ta, tb] = [instant(a), instant(b)];
  if (ta !== undefined && tb !== undefined) return ta === tb;
  if (typeof a === 'boolean' || typeof b === 'boolean') return String(a) === String(b);
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

function contains(field: unknown, value: unknown): boolean {
  if (Array.isArray(field)) return field.some((item) => sameValue(item, value));
  if (typeof field === 'string' && !absent(value)) return field.toLowerCase().includes(String(value).toLowerCase());
  return false;
}

function compare(field: unknown, value: unknown): number | undefined {
  const [nf, nv] = [numeric(field), numeric(value)];
  if (nf !== undefined && nv !== undefined) return nf - nv;
  const [tf, tv] = [instant(field), instant(value)];
  if (tf !== undefined && tv !== undefined) return tf - tv;
  return undefined;
}

/** One operator applied to a field's value. */
export function applyOperator(operator: ConditionOperator, field: unknown, value: unknown): boolean {
  switch (operator) {
    case 'equals':
      return !absent(field) && sameValue(field, value);
    case 'not_equals':
      return !applyOperator('equals', field, value);
    case 'in':
      return !absent(field) && Array.isArray(value) && value.some((v) => sameValue(field, v));
    case 'not_in':
      return !applyOperator('in', field, value);
    case 'contains':
      return contains(field, value);
    case 'not_contains':
      return !contains(field, value);
    case 'greater_than': {
      const order = compare(field, value);
      return order !== undefined && order > 0;
    }
    case 'less_than': {
      const order = compare(field, value);
      return order !== undefined && order < 0;
    }
    case 'exists':
      return (value === false) === absent(field);
    default: {
      const unknown: never = operator;
      throw new Error(`unknown condition operator ${String(unknown)}`);
    }
  }
}

const describe = (c: Condition) => `${c.field} ${c.operator}`;

/** Evaluates a condition tree; an empty `all` holds, an empty `any` does not. */
export function evaluate(node: ConditionNode | readonly ConditionNode[], context: ConditionContext): Verdict {
  if (Array.isArray(node)) return evaluate({ all: node as readonly ConditionNode[] }, context);
  const single = node as ConditionNode;
  if (!isGroup(single)) {
    return applyOperator(single.operator, readField(context, single.field), single.value) ? { matched: true } : { matched: false, failed: describe(single) };
  }
  if ('all' in single) {
    for (const child of single.all) {
      const verdict = evaluate(child, context);
      if (!verdict.matched) return verdict;
    }
    return { matched: true };
  }
  const failures: string[] = [];
  for (const child of single.any) {
    const verdict = evaluate(child, context);
    if (verdict.matched) return verdict;
    if (verdict.failed) failures.push(verdict.failed);
  }
  return { matched: false, failed: `none of (${failures.join('; ')})` };
}

/** Trigger filters: each key a payload field that must equal the value (or be one of a list). */
export function matchesFilters(filters: Readonly<Record<string, unknown>> | null | undefined, payload: Readonly<Record<string, unknown>>): Verdict {
  for (const [field, expected] of Object.entries(filters ?? {})) {
    const actual = readField({ event: payload, entity: null, booking: null, inquiry: null, client: null }, field);
    const ok = Array.isArray(expected) ? applyOperator('in', actual, expected) : applyOperator('equals', actual, expected);
    if (!ok) return { matched: false, failed: `filter ${field}` };
  }
  return { matched: true };
}

/** Every leaf condition of a tree (for validation). */
export function leaves(node: ConditionNode | readonly ConditionNode[]): Condition[] {
  if (Array.isArray(node)) return (node as readonly ConditionNode[]).flatMap((n) => leaves(n));
  const single = node as ConditionNode;
  if (!isGroup(single)) return [single];
  return leaves('all' in single ? single.all : single.any);
}
