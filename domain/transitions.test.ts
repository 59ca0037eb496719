import { describe, expect, test } from '@jest/globals';
import { DomainError } from './errors.ts';
import { bookingLifecycle, exceptionLifecycle, inquiryLifecycle, isTerminal, taskLifecycle, type Lifecycle } from './lifecycles.ts';
import { assertTransition } from './transitions.ts';

const lifecycles = [inquiryLifecycle, bookingLifecycle, taskLifecycle, exceptionLifecycle] as Lifecycle<string>[];

const targets = (lifecycle: Lifecycle<string>, from: string) => lifecycle.transitions[from] ?? [];

/** Every (from, to) pair of every machine: allowed ones pass, all others are rejected clearly. */
const pairs = lifecycles.flatMap((lifecycle) =>
  lifecycle.statuses.flatMap((from) =>
    lifecycle.statuses.map((to) => ({ lifecycle, from, to, allowed: targets(lifecycle, from).includes(to) })),
  ),
);

describe('state machines (seed §4)', () => {
  test.each(pairs.filter((p) => p.allowed))('$lifecycle.entityType: $from → $to is allowed', ({ lifecycle, from, to }) => {
    expect(() => assertTransition(lifecycle, from, to)).not.toThrow();
  });

  test.each(pairs.filter((p) => !p.allowed))('$lifecycle.entityType: $from → $to is rejected', ({ lifecycle, from, to }) => {
    let error: unknown;
    try {
      assertTransition(lifecycle, from, to);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    const domainError = error as DomainError;
    expect(domainError.code).toBe('INVALID_TRANSITION');
    expect(domainError.details).toEqual({ entityType: lifecycle.entityType, from, to, allowed: [...targets(lifecycle, from)] });
    expect(domainError.message).toContain(`from ${from} to ${to}`);
  });

  test('an unknown target status is rejected like any other', () => {
    expect(() => assertTransition(bookingLifecycle, 'pending', 'teleported')).toThrow(/cannot go from pending to teleported/);
  });

  test('the seed tables, verbatim', () => {
    expect(inquiryLifecycle.transitions).toEqual({
      new: ['qualified', 'spam'],
      qualified: ['awaiting_client', 'lost'],
      awaiting_client: ['awaiting_deposit', 'lost'],
      awaiting_deposit: ['converted', 'lost'],
      converted: [], lost: [], spam: [],
    });
    expect(bookingLifecycle.transitions).toEqual({
      draft: ['pending', 'cancelled'],
      pending: ['deposit_required', 'confirmed', 'cancelled', 'expired'],
      deposit_required: ['confirmed', 'cancelled', 'expired'],
      confirmed: ['in_progress', 'cancelled', 'no_show'],
      in_progress: ['completed', 'cancelled'],
      completed: [], cancelled: [], no_show: [], expired: [],
    });
  });

  test.each(lifecycles)('$entityType: every status is reachable from the initial one and terminal states have no exits', (lifecycle) => {
    const seen = new Set([lifecycle.initial]);
    const queue = [lifecycle.initial];
    while (queue.length) {
      for (const next of targets(lifecycle, queue.shift() as string)) {
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    expect([...seen].sort()).toEqual([...lifecycle.statuses].sort());
    for (const status of lifecycle.statuses) expect(isTerminal(lifecycle, status)).toBe(targets(lifecycle, status).length === 0);
  });
});
