/** Rule conditions: every operator over every kind of value, groups, paths and trigger filters. */
import { describe, expect, test } from '@jest/globals';
import {
  CONDITION_OPERATORS, applyOperator, evaluate, leaves, matchesFilters, readField, sameValue, splitPath, type ConditionContext, type ConditionOperator,
} from './automation-conditions.ts';
import { actionRequestKey, causeOf, parseAssignee, rateLimitExceeded, shouldAutoPause } from './automation-rules.ts';

const context: ConditionContext = {
  event: { source: 'web', clientEmail: 'james@Example.com', amount: '550.00', tags: ['vip', 'repeat'], after: { status: 'qualified' }, paid: false, none: null },
  entity: { status: 'confirmed', price_total: '900.00', start_at: '2026-12-01T20:00:00.000Z', client_confirmed_arrival: false },
  booking: { status: 'deposit_required' },
  inquiry: null,
  client: { tags: ['vip'] },
};

describe('field paths', () => {
  test('roots, nesting and a bare path reading the payload', () => {
    expect(splitPath('entity.status')).toEqual(['entity', ['status']]);
    expect(splitPath('event.after.status')).toEqual(['event', ['after', 'status']]);
    expect(splitPath('source')).toEqual(['event', ['source']]);
    // A root name alone is a payload field of that name.
    expect(splitPath('booking')).toEqual(['event', ['booking']]);
    expect(readField(context, 'entity.status')).toBe('confirmed');
    expect(readField(context, 'event.after.status')).toBe('qualified');
    expect(readField(context, 'source')).toBe('web');
    expect(readField(context, 'booking.status')).toBe('deposit_required');
    expect(readField(context, 'inquiry.status')).toBeUndefined();
    expect(readField(context, 'event.tags.length')).toBeUndefined();
    expect(readField(context, 'event.source.more')).toBeUndefined();
  });
});

describe('values compare as meant', () => {
  test.each([
    ['550.00', 550, true], ['550', '550.0', true], [550, 551, false],
    ['2026-12-01T20:00:00.000Z', '2026-12-01T20:00:00Z', true], [true, 'true', true], [false, 'false', true], [false, true, false],
    ['web', 'Web', false], [null, undefined, true], [null, 'x', false], [{ a: 1 }, { a: 1 }, true], [['a'], ['b'], false],
  ])('sameValue(%j, %j) = %s', (a, b, expected) => {
    expect(sameValue(a, b)).toBe(expected);
  });
});

describe('every operator', () => {
  // [operator, field value, rule value, expected]
  const cases: Array<[ConditionOperator, unknown, unknown, boolean]> = [
    ['equals', 'web', 'web', true], ['equals', 'web', 'phone', false], ['equals', '550.00', 550, true], ['equals', undefined, 'web', false], ['equals', null, null, false],
    ['not_equals', 'web', 'phone', true], ['not_equals', 'web', 'web', false], ['not_equals', undefined, 'web', true],
    ['in', 'web', ['web', 'phone'], true], ['in', 'partner', ['web', 'phone'], false], ['in', '2', [1, 2], true], ['in', 'web', 'web', false], ['in', undefined, ['web'], false],
    ['not_in', 'partner', ['web'], true], ['not_in', 'web', ['web'], false], ['not_in', undefined, ['web'], true],
    ['contains', 'james@temp-mail.org', '@temp', true], ['contains', 'JAMES@TEMP.org', '@temp', true], ['contains', 'james@example.com', '@temp', false],
    ['contains', ['vip', 'repeat'], 'vip', true], ['contains', ['vip'], 'blacklist', false], ['contains', undefined, '@temp', false], ['contains', 5, 5, false],
    ['not_contains', 'james@example.com', '@temp', true], ['not_contains', 'a@trash.io', '@trash', false], ['not_contains', undefined, '@temp', true], ['not_contains', ['vip'], 'vip', false],
    ['greater_than', '900.00', 500, true], ['greater_than', 500, 500, false], ['greater_than', 400, '500', false], ['greater_than', 'abc', 1, false], ['greater_than', undefined, 1, false],
    ['greater_than', '2026-12-01T20:00:00Z', '2026-12-01T19:00:00Z', true],
    ['less_than', 400, 500, true], ['less_than', 500, 500, false], ['less_than', '2026-12-01T18:00:00Z', '2026-12-01T19:00:00Z', true], ['less_than', 'x', 'y', false],
    ['exists', 'web', true, true], ['exists', 'web', undefined, true], ['exists', undefined, true, false], ['exists', null, true, false],
    ['exists', undefined, false, true], ['exists', 'web', false, false],
  ];
  test.each(cases)('%s: field %j, value %j → %s', (operator, field, value, expected) => {
    expect(applyOperator(operator, field, value)).toBe(expected);
  });

  test('the cases cover every operator', () => {
    expect(new Set(cases.map(([op]) => op))).toEqual(new Set(CONDITION_OPERATORS));
  });

  test('an unknown operator is a programming error, not false', () => {
    expect(() => applyOperator('resembles' as ConditionOperator, 'a', 'a')).toThrow(/unknown condition operator/);
  });
});

describe('groups', () => {
  const yes = { field: 'event.source', operator: 'equals', value: 'web' } as const;
  const no = { field: 'entity.status', operator: 'equals', value: 'pending' } as const;

  test('a list is all-of; the first failing condition is named, never its value', () => {
    expect(evaluate([yes], context)).toEqual({ matched: true });
    expect(evaluate([yes, no], context)).toEqual({ matched: false, failed: 'entity.status equals' });
    expect(evaluate([], context)).toEqual({ matched: true });
    expect(JSON.stringify(evaluate([{ field: 'event.clientEmail', operator: 'equals', value: 'x' }], context))).not.toContain('james');
  });

  test('any-of, nested groups, empty any', () => {
    expect(evaluate({ any: [no, yes] }, context).matched).toBe(true);
    expect(evaluate({ any: [no, no] }, context)).toEqual({ matched: false, failed: 'none of (entity.status equals; entity.status equals)' });
    expect(evaluate({ any: [] }, context).matched).toBe(false);
    expect(evaluate({ all: [yes, { any: [no, { all: [yes, { field: 'entity.client_confirmed_arrival', operator: 'equals', value: false }] }] }] }, context).matched).toBe(true);
    expect(evaluate({ all: [yes, { any: [no] }] }, context).matched).toBe(false);
    expect(leaves({ all: [yes, { any: [no, { all: [yes] }] }] })).toEqual([yes, no, yes]);
  });

  test("seed rule 1's conditions", () => {
    const rule = [
      { field: 'event.clientEmail', operator: 'not_contains', value: '@temp' },
      { field: 'event.clientEmail', operator: 'not_contains', value: '@trash' },
    ] as const;
    expect(evaluate(rule, context).matched).toBe(true);
    expect(evaluate(rule, { ...context, event: { clientEmail: 'x@tempmail.com' } }).matched).toBe(false);
    expect(evaluate(rule, { ...context, event: { clientEmail: 'x@trashbox.io' } })).toEqual({ matched: false, failed: 'event.clientEmail not_contains' });
  });
});

describe('trigger filters', () => {
  test('equality per payload field, a list means one of, nothing means everything', () => {
    expect(matchesFilters({ source: 'web' }, { source: 'web' }).matched).toBe(true);
    expect(matchesFilters({ source: 'web' }, { source: 'phone' })).toEqual({ matched: false, failed: 'filter source' });
    expect(matchesFilters({ source: ['web', 'partner'] }, { source: 'partner' }).matched).toBe(true);
    expect(matchesFilters({ minutes_until_start: 30 }, { minutes_until_start: 30 }).matched).toBe(true);
    expect(matchesFilters({ new_status: 'awaiting_deposit' }, {}).matched).toBe(false);
    expect(matchesFilters(null, { any: 1 }).matched).toBe(true);
    expect(matchesFilters({}, {}).matched).toBe(true);
  });
});

describe('rule guards', () => {
  test('rate limits: hour first, then day; none set never limits', () => {
    expect(rateLimitExceeded({ max_per_hour: 2 }, { lastHour: 1, lastDay: 50 })).toBeUndefined();
    expect(rateLimitExceeded({ max_per_hour: 2 }, { lastHour: 2, lastDay: 2 })).toBe('max_per_hour');
    expect(rateLimitExceeded({ max_per_hour: 5, max_per_day: 3 }, { lastHour: 3, lastDay: 3 })).toBe('max_per_day');
    expect(rateLimitExceeded(null, { lastHour: 1e6, lastDay: 1e6 })).toBeUndefined();
  });

  test('auto-pause needs a full window, mostly failed', () => {
    const f = 'failed' as const;
    const d = 'done' as const;
    expect(shouldAutoPause([f, f, f, f, f, f, f, f, f])).toBe(false);
    expect(shouldAutoPause([f, f, f, f, f, f, f, f, d, d])).toBe(true);
    expect(shouldAutoPause([f, f, f, f, f, f, f, d, d, d])).toBe(false);
    // Only the newest window counts: old failures do not keep a recovered rule paused.
    expect(shouldAutoPause([d, d, d, f, f, f, f, f, f, f, f, f, f])).toBe(false);
  });

  test('an event written by an action names its execution', () => {
    const execution = '0b9f2a4e-8f1d-4c55-9b1a-3f7d2f0c1a22';
    const key = actionRequestKey(execution, 1);
    expect(causeOf(`system:${key}`)).toBe(execution);
    expect(causeOf(`create:${key}`)).toBe(execution);
    expect(causeOf('timer:approaching:123')).toBeUndefined();
    expect(causeOf(null)).toBeUndefined();
  });

  test('assignees: a user, a strategy, a role or team', () => {
    expect(parseAssignee('0B9F2A4E-8F1D-4C55-9B1A-3F7D2F0C1A22')).toEqual({ kind: 'user', userId: '0b9f2a4e-8f1d-4c55-9b1a-3f7d2f0c1a22' });
    expect(parseAssignee('next_available')).toEqual({ kind: 'next_available' });
    expect(parseAssignee('least_loaded')).toEqual({ kind: 'least_loaded' });
    expect(parseAssignee('finance_team')).toEqual({ kind: 'role', role: 'FINANCE' });
    expect(parseAssignee('OPS_MANAGER')).toEqual({ kind: 'role', role: 'OPS_MANAGER' });
  });
});
