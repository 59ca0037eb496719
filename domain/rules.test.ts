/** The rules written once in domain/: status sets read off the tables, formats, booking rules. */
import { describe, expect, test } from '@jest/globals';
import { AMENDABLE_STATUSES, TIME_HOLDING_STATUSES, amendmentProblem, arrivalConfirmationProblem, newBookingProblem, rescheduleProblem } from './booking.ts';
import { MONEY_PATTERN, isPositiveAmount, normalizeAmount, normalizePhone, sqlList } from './formats.ts';
import {
  FINAL_BOOKING_STATUSES, FINAL_EXCEPTION_STATUSES, FINAL_INQUIRY_STATUSES, FINAL_TASK_STATUSES, OPEN_EXCEPTION_STATUSES, OPEN_TASK_STATUSES,
} from './lifecycles.ts';

describe('status sets come from the transition tables', () => {
  test('final and open sets', () => {
    expect(FINAL_INQUIRY_STATUSES).toEqual(['converted', 'lost', 'spam']);
    expect(FINAL_BOOKING_STATUSES).toEqual(['completed', 'cancelled', 'no_show', 'expired']);
    expect(OPEN_TASK_STATUSES).toEqual(['open', 'in_progress']);
    expect(FINAL_TASK_STATUSES).toEqual(['done', 'failed', 'cancelled']);
    expect(OPEN_EXCEPTION_STATUSES).toEqual(['open', 'investigating']);
    expect(FINAL_EXCEPTION_STATUSES).toEqual(['resolved', 'dismissed']);
  });

  test('a booking that holds time or may change is never finished', () => {
    for (const status of [...TIME_HOLDING_STATUSES, ...AMENDABLE_STATUSES]) expect(FINAL_BOOKING_STATUSES).not.toContain(status);
  });
});

describe('formats', () => {
  test('money fits NUMERIC(10,2)', () => {
    expect(MONEY_PATTERN.test('99999999.99')).toBe(true);
    expect(MONEY_PATTERN.test('100000000')).toBe(false);
    expect(MONEY_PATTERN.test('1.005')).toBe(false);
    expect(isPositiveAmount('0')).toBe(false);
    expect(isPositiveAmount(550)).toBe(true);
    expect(isPositiveAmount('-5')).toBe(false);
    expect(normalizeAmount('550')).toBe('550.00');
  });

  test('phones are stored as + and digits', () => {
    expect(normalizePhone('+44 (7700) 900-123')).toBe('+447700900123');
  });

  test('SQL lists quote and escape', () => {
    expect(sqlList(['open', 'in_progress'])).toBe("'open', 'in_progress'");
    expect(sqlList(["o'neil"])).toBe("'o''neil'");
  });
});

describe('booking rules', () => {
  test('amendments', () => {
    expect(amendmentProblem({}, 'draft')?.field).toBe('terms');
    expect(amendmentProblem({ priceTotal: '10.00' }, 'completed')?.field).toBe('status');
    expect(amendmentProblem({ priceTotal: '1000000000' }, 'pending')?.field).toBe('priceTotal');
    expect(amendmentProblem({ depositRequired: null }, 'confirmed')).toBeUndefined();
    expect(amendmentProblem({ currency: 'gbp' }, 'confirmed')?.field).toBe('currency');
  });

  test.each([
    ['draft', false], ['pending', true], ['deposit_required', true], ['confirmed', true],
    ['in_progress', false], ['completed', false], ['cancelled', false], ['expired', false], ['no_show', false],
  ] as const)('arrival confirmation on a %s booking: allowed=%s', (status, allowed) => {
    expect(arrivalConfirmationProblem(status)?.field).toBe(allowed ? undefined : 'status');
  });

  test('reschedules', () => {
    const times = { startAt: '2027-01-01T10:00:00Z', endAt: '2027-01-01T12:00:00Z' };
    expect(rescheduleProblem(times, 'confirmed')).toBeUndefined();
    expect(rescheduleProblem(times, 'in_progress')?.message).toBe('a booking that is in_progress cannot move');
    expect(rescheduleProblem({ startAt: times.endAt, endAt: times.startAt }, 'draft')?.message).toBe('the start must be before the end');
    expect(rescheduleProblem({ startAt: 'soon', endAt: times.endAt }, 'draft')?.message).toBe('startAt and endAt must be ISO instants');
  });

  test('a converted booking needs a time window and a price', () => {
    expect(newBookingProblem({ startAt: '2027-01-01T10:00:00Z', endAt: '2027-01-01T09:00:00Z', priceTotal: '10' })?.field).toBe('booking.endAt');
    expect(newBookingProblem({ startAt: '2027-01-01T10:00:00Z', endAt: '2027-01-01T11:00:00Z', priceTotal: '0' })?.field).toBe('booking.priceTotal');
  });
});
