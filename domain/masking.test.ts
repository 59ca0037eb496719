import { describe, expect, test } from '@jest/globals';
import { maskEmail, maskPhone } from './masking.ts';

describe('PII masking (seed §2)', () => {
  test.each([
    ['+447700900123', '+447700***123'],
    ['+44 7700 900123', '+447700***123'],
    ['07700900123', '07700***123'],
    ['5551234', '5***234'],
    ['12345', '*****'],
    [null, null],
  ])('phone %s → %s', (input, masked) => expect(maskPhone(input)).toBe(masked));

  test.each([
    ['james.carter@example.com', 'ja***@example.com'],
    ['j@example.com', 'j***@example.com'],
    ['not-an-email', '***'],
    [null, null],
  ])('email %s → %s', (input, masked) => expect(maskEmail(input)).toBe(masked));
});
