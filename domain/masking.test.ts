import { describe, expect, test } from '@jest/globals';
import { FINANCE_KEY, maskContactsInText, maskEmail, maskPhone } from './masking.ts';

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

  test('contacts quoted in free text are masked; dates and ids are not', () => {
    expect(maskContactsInText('SMTP refused james.carter@example.com; call +44 7700 900123 or 07700900123 before 2026-11-30 16:40 (id 8c5b25f0-1234)'))
      .toBe('SMTP refused ja***@example.com; call +447700***123 or 07700***123 before 2026-11-30 16:40 (id 8c5b25f0-1234)');
  });
});

describe('finance fields (operators never see amounts)', () => {
  test.each(['amount', 'amountRefunded', 'price_total', 'deposit_required', 'depositStatus', 'payment_status'])('%s is a finance field', (key) => {
    expect(FINANCE_KEY.test(key)).toBe(true);
  });
  test.each(['paymentId', 'providerRef', 'currency', 'bookingId'])('%s is not', (key) => expect(FINANCE_KEY.test(key)).toBe(false));
});
