/** A rule message's variables: where each comes from, and how a value reads. */
import { describe, expect, test } from '@jest/globals';
import { readField } from './automation-conditions.ts';
import { formatVariable, sourcesOf } from './automation-messages.ts';

describe('template variables', () => {
  test('a mapping wins; else the well-known sources, then a payload field and a column of the same name', () => {
    expect(sourcesOf('client_name', { client_name: 'inquiry.client_name' })).toEqual(['inquiry.client_name']);
    expect(sourcesOf('client_name', undefined)).toEqual(['client.full_name', 'inquiry.client_name', 'event.client_name', 'entity.client_name']);
    expect(sourcesOf('minutes_until_start', {})).toEqual(['event.minutes_until_start', 'entity.minutes_until_start']);
    expect(readField({ event: {}, entity: null, booking: null, inquiry: null, client: { full_name: 'Ann' } }, 'client.full_name')).toBe('Ann');
  });

  test('money with its currency, timestamps in UTC, absent values absent', () => {
    expect(formatVariable('inquiry.deposit_amount', 120)).toBe('£120.00');
    expect(formatVariable('booking.deposit_required', '99.5', 'EUR')).toBe('€99.50');
    expect(formatVariable('booking.price_total', 10, 'CHF')).toBe('10.00 CHF');
    expect(formatVariable('booking.start_at', '2026-12-25T19:00:00+00:00')).toBe('2026-12-25 19:00 UTC');
    expect(formatVariable('booking.start_at', '2026-12-25T20:00:00+01:00')).toBe('2026-12-25 19:00 UTC');
    expect(formatVariable('entity.ref', 'B-1235')).toBe('B-1235');
    expect(formatVariable('event.minutes_until_start', 30)).toBe('30');
    expect(formatVariable('client.full_name', null)).toBeUndefined();
    expect(formatVariable('client.full_name', '')).toBeUndefined();
  });
});
