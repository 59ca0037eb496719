/**
 * Where a rule's `send_message` finds the values of its template's variables, and how a value
 * reads in a message. Pure: the action module (services/automation-actions/send-message.ts)
 * reads the rows, the rule validator checks at save time that each variable has a source the
 * trigger can reach.
 *
 * A variable's sources, first found wins: the field path the rule maps it to (`variables:
 * { "client_name": "inquiry.client_name" }`), else the well-known sources below, else a payload
 * field or a column of the event's entity of the same name (`event.start_at`, `entity.ref`).
 */

/** Well-known template variables and the field paths that give them, in order of preference. */
export const VARIABLE_SOURCES: Readonly<Record<string, readonly string[]>> = {
  client_name: ['client.full_name', 'inquiry.client_name'],
  inquiry_ref: ['inquiry.ref'],
  booking_ref: ['booking.ref'],
  deposit_amount: ['inquiry.deposit_amount', 'booking.deposit_required'],
  price_total: ['booking.price_total'],
  start_at: ['booking.start_at', 'inquiry.requested_time_from'],
  end_at: ['booking.end_at', 'inquiry.requested_time_to'],
  ref: ['entity.ref'],
};

/** The field paths a variable may come from, in order. */
export function sourcesOf(name: string, mapping: Readonly<Record<string, string>> | undefined): readonly string[] {
  const mapped = mapping?.[name];
  if (mapped) return [mapped];
  return [...(VARIABLE_SOURCES[name] ?? []), `event.${name}`, `entity.${name}`];
}

/** Columns and payload fields that hold money (numeric text or a number), shown with their currency. */
const MONEY_FIELDS = new Set(['deposit_amount', 'deposit_required', 'price_total', 'amount', 'total_paid', 'amount_refunded', 'depositAmount', 'depositRequired', 'priceTotal']);
const CURRENCY_SYMBOLS: Readonly<Record<string, string>> = { GBP: '£', EUR: '€', USD: '$' };

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/**
 * A value as a message shows it: money with its currency (`£120.00`), a timestamp as
 * `2026-12-25 19:00 UTC`, anything else as text; undefined for an absent value.
 */
export function formatVariable(path: string, value: unknown, currency = 'GBP'): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const field = path.split('.').at(-1) ?? path;
  if (MONEY_FIELDS.has(field)) {
    const amount = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : undefined;
    if (amount !== undefined) {
      const symbol = CURRENCY_SYMBOLS[currency.toUpperCase()];
      return symbol ? `${symbol}${amount.toFixed(2)}` : `${amount.toFixed(2)} ${currency.toUpperCase()}`;
    }
  }
  if ((typeof value === 'string' && ISO_INSTANT.test(value)) || value instanceof Date) {
    const ms = value instanceof Date ? value.getTime() : Date.parse(value);
    if (!Number.isNaN(ms)) return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Where a message goes: `client` (the client the event concerns, on the channel), `ops` (the
 * operations team's configured address on the channel, e.g. TELEGRAM_OPS_CHAT_ID), or an
 * explicit address.
 */
export const NAMED_RECIPIENTS = ['client', 'ops'] as const;
export type NamedRecipient = (typeof NAMED_RECIPIENTS)[number];
