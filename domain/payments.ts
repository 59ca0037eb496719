/**
 * Payment rules, written once: what a payment's status may become, what a provider's notice
 * (webhook) does to it (including the out-of-order and duplicate cases), the booking's deposit
 * and payment status that follow, when a deposit may be requested and how much may be refunded.
 * The booking workflow checks a notice with these before it takes its lock (as an Update's
 * validator does), the store re-checks them under the payment row's lock, and the API's
 * messages come from here.
 */
import { conflict, DomainError } from './errors.ts';
import { MONEY_PATTERN } from './formats.ts';

export const PAYMENT_STATUSES = ['pending', 'succeeded', 'failed', 'cancelled'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const PAYMENT_TYPES = ['deposit', 'full', 'refund'] as const;
export type PaymentType = (typeof PAYMENT_TYPES)[number];

/** Seed §6 bookings.deposit_status and payment_status. */
export type DepositStatus = 'none' | 'pending' | 'paid' | 'failed';
export type BookingPaymentStatus = 'unpaid' | 'partial' | 'paid' | 'refunded';

/**
 * A payment attempt's lifecycle. A declined card leaves the intent open at the provider, so a
 * failed payment may still succeed (the client tries another card on the same link); success
 * is final (money back is a refund, a payment of its own).
 */
export const paymentTransitions: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  pending: ['succeeded', 'failed', 'cancelled'],
  failed: ['succeeded', 'cancelled'],
  succeeded: [],
  cancelled: [],
};

/** The events the automation engine's rules react to (payload: PaymentEventPayload). */
export const PAYMENT_EVENTS = { succeeded: 'payment.succeeded', failed: 'payment.failed', refunded: 'payment.refunded' } as const;
export type PaymentNoticeKind = keyof typeof PAYMENT_EVENTS;

export interface PaymentEventPayload {
  /** Null for an inquiry's deposit before the inquiry is converted. */
  readonly bookingId: string | null;
  readonly inquiryId?: string | null;
  readonly paymentId: string;
  /** Decimal string, e.g. "100.00" (a finance field: hidden from viewers without payments.read). */
  readonly amount: string;
  readonly currency: string;
  /** The provider's id of the payment (Stripe PaymentIntent id). */
  readonly providerRef: string;
}

/** What the platform knows of a payment when a notice about it arrives. */
export interface PaymentSnapshot {
  readonly status: PaymentStatus;
  readonly amount: string;
  readonly amountRefunded: string;
  /** ISO: the provider's time of the last event applied. */
  readonly providerEventAt: string | null;
}

/** What the provider says happened (one webhook). */
export interface PaymentNoticeFacts {
  readonly kind: PaymentNoticeKind;
  /** ISO: the provider's time of the event. */
  readonly occurredAt: string;
  /** For `refunded`: the provider's total refunded so far. */
  readonly amountRefunded?: string | undefined;
}

/** Why a notice changes nothing (it is recorded as ignored with this reason), or null: apply it. */
export function paymentNoticeProblem(payment: PaymentSnapshot, notice: PaymentNoticeFacts): string | null {
  if (notice.kind === 'refunded') {
    if (payment.status !== 'succeeded') return `a refund of a payment that is ${payment.status}`;
    if (toMinorUnits(notice.amountRefunded ?? '0') <= toMinorUnits(payment.amountRefunded)) return 'refunds already recorded';
    if (toMinorUnits(notice.amountRefunded ?? '0') > toMinorUnits(payment.amount)) return 'the provider reports more refunded than was paid';
    return null;
  }
  const to: PaymentStatus = notice.kind === 'succeeded' ? 'succeeded' : 'failed';
  if (payment.status === to) return `duplicate: the payment is already ${to}`;
  if (!paymentTransitions[payment.status].includes(to)) return `out of order: the payment is already ${payment.status}, so ${notice.kind} is stale`;
  // A failure older than what we already know (e.g. replayed a day later) is stale too.
  if (to === 'failed' && payment.providerEventAt && Date.parse(notice.occurredAt) < Date.parse(payment.providerEventAt)) {
    return `out of order: an older failure (${notice.occurredAt}) than the last event applied (${payment.providerEventAt})`;
  }
  return null;
}

/** A deposit's status after its payment changed. */
export function depositStatusOf(paymentStatus: PaymentStatus): DepositStatus {
  return ({ pending: 'pending', succeeded: 'paid', failed: 'failed', cancelled: 'none' } as const)[paymentStatus];
}

/** The booking's payment status from what was paid and refunded (minor units) against its price. */
export function bookingPaymentStatus(paidMinor: number, refundedMinor: number, priceMinor: number): BookingPaymentStatus {
  const net = paidMinor - refundedMinor;
  if (paidMinor > 0 && net <= 0) return 'refunded';
  if (net <= 0) return 'unpaid';
  return net >= priceMinor ? 'paid' : 'partial';
}

/** A deposit may be requested while the booking waits for it and it is not paid yet. */
export function assertDepositRequestable(bookingStatus: string, depositRequired: string | null | undefined, depositStatus: string | null | undefined): void {
  if (bookingStatus !== 'deposit_required') {
    throw conflict(`A deposit is requested for a booking in deposit_required; this one is ${bookingStatus}.`, { status: bookingStatus, field: 'bookingId' });
  }
  if (!depositRequired || toMinorUnits(depositRequired) <= 0) throw conflict('The booking has no deposit amount.', { field: 'depositRequired' });
  if (depositStatus === 'paid') throw conflict('The deposit is already paid.', { field: 'bookingId', depositStatus });
}

/**
 * A deposit may be asked of an inquiry's client while the inquiry waits for it (awaiting_deposit,
 * which needs its deposit amount) and it is not paid yet (seed §4: the deposit comes before the
 * booking is created).
 */
/** A retry replaces a failed payment only (booking and inquiry deposits alike). */
export function assertRetryable(retried: { readonly status: string } | undefined): void {
  if (retried && retried.status !== 'failed') {
    throw new DomainError('CONFLICT', `Only a failed payment is retried; this one is ${retried.status}.`, { field: 'paymentId', status: retried.status });
  }
}

export function assertInquiryDepositRequestable(inquiryStatus: string, depositAmount: string | null | undefined, depositStatus: string | null | undefined): void {
  if (inquiryStatus !== 'awaiting_deposit') {
    throw conflict(`A deposit is requested for an inquiry in awaiting_deposit; this one is ${inquiryStatus}.`, { status: inquiryStatus, field: 'inquiryId' });
  }
  if (!depositAmount || toMinorUnits(depositAmount) <= 0) throw conflict('The inquiry has no deposit amount.', { field: 'depositAmount' });
  if (depositStatus === 'paid') throw conflict('The deposit is already paid.', { field: 'inquiryId', depositStatus });
}

/** How much a refund takes back (default: everything not yet refunded); CONFLICT beyond what was paid. */
export function refundAmount(payment: { status: string; type: string; amount: string; amountRefunded: string }, requested: string | undefined): string {
  if (payment.type === 'refund') throw conflict('A refund cannot be refunded.', 'paymentId');
  if (payment.status !== 'succeeded') throw conflict(`Only a succeeded payment can be refunded; this one is ${payment.status}.`, { field: 'paymentId', status: payment.status });
  const left = toMinorUnits(payment.amount) - toMinorUnits(payment.amountRefunded);
  const amount = requested === undefined ? left : toMinorUnits(requested);
  if (requested !== undefined && (!MONEY_PATTERN.test(requested) || amount <= 0)) {
    throw new DomainError('VALIDATION', 'Invalid input: amount: a positive amount such as "25.00"', { field: 'amount' });
  }
  if (amount > left || left <= 0) {
    throw conflict(`A refund of ${fromMinorUnits(amount)} exceeds what is left to refund (${fromMinorUnits(Math.max(left, 0))} of ${payment.amount}).`, {
      field: 'amount', refundable: fromMinorUnits(Math.max(left, 0)),
    });
  }
  return fromMinorUnits(amount);
}

/**
 * "550.00" → 55000: providers take amounts in the currency's minor unit. Every currency the
 * platform takes (GBP, EUR, USD …) has two decimals; integer arithmetic avoids float drift.
 */
export function toMinorUnits(amount: string): number {
  const [whole = '0', fraction = ''] = amount.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
}

export function fromMinorUnits(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
