import { describe, expect, test } from '@jest/globals';
import type { DomainError } from './errors.ts';
import { MODEL_STATUSES, MODEL_STATUS_TRANSITIONS, assertModelStatusChange } from './models.ts';
import { priceFromRates, type CallRateFacts } from './pricing.ts';

const codeOf = (fn: () => void) => {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return (error as DomainError).code;
  }
};

describe('model status', () => {
  const pairs = MODEL_STATUSES.flatMap((from) => MODEL_STATUSES.filter((to) => to !== from).map((to) => [from, to] as const));
  test.each(pairs)('%s → %s follows the table', (from, to) => {
    expect(codeOf(() => assertModelStatusChange(from, to, 'because'))).toBe(MODEL_STATUS_TRANSITIONS[from].includes(to) ? 'ok' : 'INVALID_TRANSITION');
  });
  test('a suspension needs a reason; an unknown status is VALIDATION', () => {
    expect(codeOf(() => assertModelStatusChange('active', 'suspended', '  '))).toBe('VALIDATION');
    expect(codeOf(() => assertModelStatusChange('active', 'retired', 'x'))).toBe('VALIDATION');
  });
});

describe('pricing from call rates', () => {
  const rates: CallRateFacts[] = [
    { id: 'g60', locationId: null, durationMinutes: 60, price: '300', currency: 'GBP' },
    { id: 'g120', locationId: null, durationMinutes: 120, price: '550', currency: 'GBP' },
    { id: 'm120', locationId: 'mayfair', durationMinutes: 120, price: '650.5', currency: 'GBP' },
  ];
  test('the location rate for the duration beats a general one', () => {
    expect(priceFromRates(rates, 'mayfair', 120)).toEqual({ priceTotal: '650.50', currency: 'GBP', rateId: 'm120', basis: 'call rate for 120 min at the location' });
  });
  test('the shortest covering rate, falling back to general rates', () => {
    expect(priceFromRates(rates, 'mayfair', 90)?.rateId).toBe('m120');
    expect(priceFromRates(rates, 'soho', 45)).toMatchObject({ rateId: 'g60', basis: 'call rate for 60 min at all locations (covers 45 min)' });
    expect(priceFromRates(rates, 'soho', 180)).toBeUndefined();
  });
});
