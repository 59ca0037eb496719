/** The booking lifecycle's contract: its input and its own messages (beside the shared ones). */
import { defineSignal, defineUpdate } from '@temporalio/workflow';
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

export interface BookingWorkflowInput extends LifecycleInput {
  readonly booking: NewBooking;
  /** How long a pending / deposit_required booking is held before it expires. */
  readonly holdMinutes?: number | undefined;
  /** The inquiry lifecycle to tell once this booking exists (conversion). */
  readonly notifyInquiryWorkflowId?: string | undefined;
}

export const bookingWorkflowType = 'bookingLifecycle';
export const bookingWorkflowId = (bookingId: string) => `booking:${bookingId}`;
export const DEFAULT_HOLD_MINUTES = 24 * 60;

export interface RescheduleRequest {
  readonly startAt: string;
  readonly endAt: string;
  readonly transitionId: string;
  readonly actor: Actor;
  readonly reason?: string | undefined;
}

/** Moves the booking's time; its approaching / start / end timers move with it. */
export const rescheduleUpdate = defineUpdate<ChangeResult, [RescheduleRequest]>('reschedule');

/** The booking's terms an operator may correct while it is still ahead (the workflow's guards read them). */
export interface BookingTerms {
  readonly clientId?: string | undefined;
  readonly modelId?: string | undefined;
  readonly locationId?: string | undefined;
  /** Decimal strings, e.g. "550.00". */
  readonly priceTotal?: string | undefined;
  readonly currency?: string | undefined;
  /** null: no deposit required any more. */
  readonly depositRequired?: string | null | undefined;
}

export interface AmendRequest {
  readonly terms: BookingTerms;
  readonly transitionId: string;
  readonly actor: Actor;
  readonly reason?: string | undefined;
}

/** Statuses in which a booking's terms may still change. */
export const AMENDABLE_STATUSES: readonly string[] = ['draft', 'pending', 'deposit_required', 'confirmed'];

/** Changes the booking's client, model, location or price; the row, audit and timeline follow. */
export const amendUpdate = defineUpdate<ChangeResult, [AmendRequest]>('amend');

/** Sent by a booking created from an inquiry to that inquiry's lifecycle. */
export const bookingCreatedSignal = defineSignal<[{ bookingId: string; ref: string }]>('bookingCreated');
