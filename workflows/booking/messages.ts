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
};

export interface AmendRequest {
  readonly terms: BookingTerms;
  readonly transitionId: string;
  readonly actor: Actor;
  readonly reason?: string | undefined;
}

/** Changes the booking's client, model, location or price; the row, audit and timeline follow. */
export const amendUpdate = defineUpdate<ChangeResult, [AmendRequest]>('amend');

/** Sent by a booking created from an inquiry to that inquiry's lifecycle. */
export const bookingCreatedSignal = defineSignal<[{ bookingId: string; ref: string }]>('bookingCreated');
