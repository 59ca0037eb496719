/**
 * The next statuses a client is offered (openNextStatuses) and the guards the workflow applies
 * (assertGuards) are one rule: over every (from, to) pair of every lifecycle, a status is offered
 * exactly when the workflow would accept it, given the facts and what the change itself carries.
 */
import { describe, expect, test } from '@jest/globals';
import { assertGuards, changeInputs, openNextStatuses, unmetGuards, type Facts } from './guards.ts';
import { LIFECYCLE_ENTITY_TYPES, LIFECYCLES, type LifecycleEntityType } from './lifecycles.ts';

const COMPLETE: Readonly<Record<LifecycleEntityType, Facts>> = {
  inquiry: { depositAmount: '50.00', bookingId: 'b1' },
  booking: { clientId: 'c', modelId: 'm', locationId: 'l', startAt: '2026-12-01T10:00:00Z', endAt: '2026-12-01T12:00:00Z', priceTotal: '500.00', depositRequired: '100.00' },
  task: {},
  exception: {},
};
/** What a change may carry with it: a reason and the lifecycle's data fields. */
const CARRIED: Readonly<Record<LifecycleEntityType, Facts>> = {
  inquiry: { depositAmount: '50.00' }, booking: { depositRequired: '100.00' }, task: {}, exception: {},
};

const pairs = LIFECYCLE_ENTITY_TYPES.flatMap((type) => {
  const transitions = LIFECYCLES[type].transitions as Readonly<Record<string, readonly string[]>>;
  return Object.entries(transitions).flatMap(([from, tos]) => tos.map((to) => [type, from, to] as const));
});

describe('openNextStatuses agrees with assertGuards', () => {
  test.each(pairs)('%s %s → %s, with no facts', (type, from, to) => {
    const transitions = LIFECYCLES[type].transitions as Readonly<Record<string, readonly string[]>>;
    const offered = openNextStatuses(type, transitions, from, {}).includes(to);
    const accepted = (() => {
      try { assertGuards(type, from, to, { ...CARRIED[type] }, 'a reason'); return true; } catch { return false; }
    })();
    expect(offered).toBe(accepted);
  });

  test.each(pairs)('%s %s → %s, with every fact: offered and accepted', (type, from, to) => {
    const transitions = LIFECYCLES[type].transitions as Readonly<Record<string, readonly string[]>>;
    expect(openNextStatuses(type, transitions, from, COMPLETE[type])).toContain(to);
    expect(() => assertGuards(type, from, to, COMPLETE[type], 'a reason')).not.toThrow();
  });
});

describe('what is never offered by a status change', () => {
  test('an inquiry is converted only by its conversion; a draft booking without a price does not go pending', () => {
    expect(openNextStatuses('inquiry', LIFECYCLES.inquiry.transitions, 'awaiting_deposit', { depositAmount: '50.00' })).toEqual(['lost']);
    const draft = { ...COMPLETE.booking, priceTotal: null };
    expect(openNextStatuses('booking', LIFECYCLES.booking.transitions, 'draft', draft)).toEqual(['cancelled']);
    expect(unmetGuards('booking', 'draft', 'pending', draft)).toEqual([{ field: 'priceTotal', reason: 'a price is required' }]);
  });
});

describe('what a change has to carry', () => {
  test.each([
    ['inquiry', 'awaiting_deposit', ['depositAmount']],
    ['inquiry', 'lost', ['closedReason']],
    ['inquiry', 'spam', ['closedReason']],
    ['inquiry', 'qualified', []],
    ['inquiry', 'converted', []],
    ['booking', 'deposit_required', ['depositRequired']],
    ['booking', 'confirmed', []],
    ['task', 'done', []],
  ] as const)('%s → %s: %j', (type, to, inputs) => {
    expect(changeInputs(type, to)).toEqual(inputs);
  });
});
