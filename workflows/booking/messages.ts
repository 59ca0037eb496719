/** The booking lifecycle's contract: its input and its own messages (beside the shared ones). */
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BookingTermsChange } from '../../domain/booking.ts';
import type { BookingStatus } from '../../domain/lifecycles.ts';
import type { Actor, ChangeResult } from '../lifecycle/messages.ts';

import type { LifecycleInput } from '../lifecycle/entity-workflow.ts';

export interface NewBooking {
  readonly id: string;
  readonly inquiryId?: string | undefined;
  readonly clientId: string;
  readonly modelId: string;
  readonly locationId: string;
  /** ISO instants. */
  readonly startAt: string;
  readonly endAt: string;
  /** Decimal strings, e.g. "550.00". */
  readonly priceTotal: string;
  readonly currency?: string | undefined;
  readonly depositRequired?: string | undefined;
  readonly serviceIds?: readonly string[] | undefined;
  readonly assigneeId?: string | undefined;
  readonly notesInternal?: string | undefined;
}

export interface BookingWorkflowInput extends LifecycleInput<BookingStatus, BookingFacts> {
  readonly booking: NewBooking;
  /** How long a pending / deposit_required booking is held before it expires. */
  readonly holdMinutes?: number | undefined;
  /** The inquiry lifecycle to tell once this booking exists (conversion). */
  readonly notifyInquiryWorkflowId?: string | undefined;
}

export const bookingWorkflowType = 'bookingLifecycle';
export const bookingWorkflowId = (bookingId: string) => `booking:${bookingId}`;

export interface RescheduleRequest {
  readonly startAt: string;
  readonly endAt: string;
  readonly transitionId: string;
  readonly actor: Actor;
  readonly reason?: string | undefined;
}

/** Moves the booking's time; its approaching / start / end timers move with it. */
export const rescheduleUpdate = defineUpdate<ChangeResult, [RescheduleRequest]>('reschedule');

/** The booking's terms an operator may correct while it is still ahead (domain/booking.ts). */
export type BookingTerms = BookingTermsChange;

/** What the booking lifecycle knows of its booking: its guards and timers read these. */
export type BookingFacts = {
  readonly clientId?: string;
  readonly modelId?: string;
  readonly locationId?: string;
  /** ISO instants. */
  readonly startAt?: string;
  readonly endAt?: string;
  /** Decimal strings, e.g. "550.00". */
  readonly priceTotal?: string;
  readonly currency?: string;
  readonly depositRequired?: string | null;
  readonly inquiryId?: string | null;
  /** When a held booking expires unless confirmed (set when it first waits for confirmation). */
  readonly expiresAt?: string;
  readonly clientConfirmedArrival?: boolean;
  /** none, pending, paid, failed (seed §6). */
  readonly depositStatus?: string;
  /** The booking's payments by our payment id (deposits, their refunds' totals). */
  readonly payments?: Readonly<Record<string, KnownPayment>>;
};

export interface AmendRequest {
  readonly terms: BookingTerms;
  readonly transitionId: string;
  readonly actor: Actor;
  readonly reason?: string | undefined;
}

/** Changes the booking's client, model, location or price; the row, audit and timeline follow. */
export const amendUpdate = defineUpdate<ChangeResult, [AmendRequest]>('amend');

export interface ArrivalConfirmationRequest {
  readonly transitionId: string;
  readonly actor: Actor;
  /** How the client confirmed (e.g. "called back"), kept in the timeline. */
  readonly note?: string | undefined;
}

/**
 * Records that the client confirmed they will arrive: the row, audit and timeline follow, and the
 * lifecycle's facts (its `booking.approaching` event says so). A second confirmation changes nothing.
 */
export const confirmArrivalUpdate = defineUpdate<ChangeResult, [ArrivalConfirmationRequest]>('confirmArrival');

/** Sent by a booking created from an inquiry to that inquiry's lifecycle. */
export const bookingCreatedSignal = defineSignal<[{ bookingId: string; ref: string }]>('bookingCreated');

// ---- Payments (issue 12): deposits and refunds are Updates; the provider's webhooks a Signal ----

/** What the booking lifecycle knows of one of its payments (keyed by our payment id in its facts). */
export interface KnownPayment {
  readonly providerRef: string | null;
  readonly type: string;
  readonly status: 'pending' | 'succeeded' | 'failed' | 'cancelled';
  readonly amount: string;
  readonly amountRefunded: string;
  readonly providerEventAt: string | null;
}

export interface DepositRequest {
  readonly transitionId: string;
  readonly actor: Actor;
  /** A failed deposit payment to replace with a new attempt (seed §7 "retry"). */
  readonly retryOf?: string | undefined;
}

/** What the agency sends its client: the PaymentIntent's client secret opens Stripe's payment form. */
export interface DepositIntent {
  readonly entityId: string;
  readonly transitionId: string;
  readonly paymentId: string;
  readonly providerRef: string;
  readonly clientSecret: string;
  readonly amount: string;
  readonly currency: string;
  readonly duplicate: boolean;
}

/** Creates (or returns the open) deposit PaymentIntent of a booking in deposit_required. */
export const requestDepositUpdate = defineUpdate<DepositIntent, [DepositRequest]>('requestDeposit');

export interface RefundRequest {
  readonly paymentId: string;
  /** Decimal string; absent: everything not yet refunded. */
  readonly amount?: string | undefined;
  readonly transitionId: string;
  readonly actor: Actor;
  readonly reason?: string | undefined;
}

export interface RefundResult {
  readonly entityId: string;
  readonly transitionId: string;
  readonly refundId: string;
  readonly paymentId: string;
  readonly providerRef: string;
  readonly amount: string;
  readonly currency: string;
  readonly duplicate: boolean;
}

/** Refunds a succeeded payment in full or in part (never more than was paid). */
export const refundPaymentUpdate = defineUpdate<RefundResult, [RefundRequest]>('refundPayment');

/** One provider event about one of the booking's payments, as stored in webhooks_in. */
export interface PaymentNotice {
  /** The webhooks_in row, settled (processed / ignored / failed) by whoever handles the notice. */
  readonly webhookId: string;
  /** The provider's event id: the change's transition id is `stripe:<eventId>`. */
  readonly eventId: string;
  readonly kind: 'succeeded' | 'failed' | 'refunded';
  readonly providerRef: string;
  /** Our payment id, from the intent's metadata (absent for a payment created elsewhere). */
  readonly paymentId?: string | undefined;
  readonly amount: string;
  /** For refunds: the provider's total refunded so far. */
  readonly amountRefunded?: string | undefined;
  readonly currency: string;
  /** ISO: when the provider says it happened. */
  readonly occurredAt: string;
  readonly failureReason?: string | undefined;
}

/**
 * Fire-and-forget (a webhook has no one waiting): the lifecycle checks the notice against the
 * payment rules (domain/payments.ts) as an Update's validator would, then applies it under its
 * lock; a refused notice is recorded on its webhooks_in row with the reason.
 */
export const paymentNoticeSignal = defineSignal<[PaymentNotice]>('paymentNotice');
