/**
 * Value formats the platform stores, written once: money (every amount column is
 * NUMERIC(10,2)), currency codes and phone numbers. The API's input schemas, the workflows'
 * validators and the store all read these; nothing else spells a money or phone pattern.
 */

/** An amount that fits NUMERIC(10,2): at most 8 digits before the point and 2 after. */
export const MONEY_PATTERN = /^\d{1,8}(\.\d{1,2})?$/;
export const MONEY_HINT = 'an amount with at most 8 digits and 2 decimals, e.g. "550.00"';

/** A money amount as text or number that fits the column and is above zero. */
export function isPositiveAmount(value: unknown): boolean {
  return (typeof value === 'string' || typeof value === 'number') && MONEY_PATTERN.test(String(value)) && Number(value) > 0;
}

/** The stored form of an amount: two decimals ("550" → "550.00"). */
export function normalizeAmount(value: string): string {
  return Number(value).toFixed(2);
}

/** ISO 4217 letters, as the bookings' and payments' currency columns hold them. */
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;
export const DEFAULT_CURRENCY = 'GBP';

/** A phone number as people type it: an optional +, digits, spaces, brackets and dashes. */
export const PHONE_PATTERN = /^\+?[0-9 ()-]{6,20}$/;

/**
 * The stored form of a phone: + and digits only, so an exact match finds it however it was
 * typed ("+44 (7700) 900-123" → "+447700900123").
 */
export function normalizePhone(phone: string): string {
  return phone.replace(/[^\d+]/g, '');
}

/** Digits only, for matching a phone however it is stored or typed. */
export function phoneDigits(phone: string): string {
  return phone.replace(/\D/g, '');
}

/** A SQL list literal of domain constants ('open', 'in_progress'): SQL reads the rule from here. */
export function sqlList(values: readonly string[]): string {
  return values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ');
}
