/**
 * The inquiry lifecycle's contract: its input and its own messages (beside the shared ones in
 * lifecycle/messages.ts). The API imports this module, never the workflow's internals.
 */
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { InquirySource, Priority } from '../../domain/inquiry.ts';
import type { InquiryStatus } from '../../domain/lifecycles.ts';
import type { KnownPayment, NewBooking } from '../booking/messages.ts';
import type { LifecycleInput } from '../lifecycle/entity-workflow.ts';
import type { Actor } from '../lifecycle/messages.ts';

export type { Actor };

export interface NewInquiry {
  /** Chosen by the caller, so a retried start refers to the same row. */
  readonly id: string;
  readonly source: InquirySource;
  readonly externalRef?: string | undefined;
  readonly priority: Priority;
  readonly subject?: string | undefined;
  readonly message?: string | undefined;
  readonly clientName?: string | undefined;
  readonly clientEmail?: string | undefined;
  readonly clientPhone?: string | undefined;
  readonly requestedLocationId?: string | undefined;
  readonly requestedServices?: readonly string[] | undefined;
  readonly requestedTimeFrom?: string | undefined;
  readonly requestedTimeTo?: string | undefined;
}

export interface InquiryWorkflowInput extends LifecycleInput<InquiryStatus, InquiryFacts> {
  readonly inquiry: NewInquiry;
}

export const inquiryWorkflowType = 'inquiryLifecycle';

/** What the inquiry lifecycle knows of its inquiry: its guards, timer and conversion read these. */
export type InquiryFacts = {
  readonly clientId?: string | null;
  /** Decimal string, e.g. "100.00": set on the way to awaiting_deposit. */
  readonly depositAmount?: string | null;
  readonly closedReason?: string;
  /** none, pending, paid, failed: the deposit asked of the client in awaiting_deposit (workflows/inquiry/deposits.ts). */
  readonly depositStatus?: string;
  /** The inquiry's deposit payments by our payment id. */
  readonly payments?: Readonly<Record<string, KnownPayment>>;
  /** The booking it was converted into (fixed before the booking's workflow starts). */
  readonly bookingId?: string;
  readonly bookingRef?: string;
};

/** Inquiry → booking: the booking's details, minus what the inquiry supplies. */
export interface ConvertToBookingRequest {
  readonly booking: Omit<NewBooking, 'id' | 'inquiryId' | 'clientId'> & { readonly clientId?: string | undefined };
  readonly transitionId: string;
  readonly actor: Actor;
  readonly holdMinutes?: number | undefined;
}

export interface ConvertToBookingResult {
  readonly inquiryId: string;
  readonly bookingId: string;
  readonly bookingRef: string;
  readonly bookingWorkflowId: string;
  readonly duplicate: boolean;
}

/**
 * Starts the booking's lifecycle (linked to this inquiry) and, once the booking exists, moves
 * the inquiry to `converted`. One request, both entities; a retry changes nothing twice.
 */
export const convertToBookingUpdate = defineUpdate<ConvertToBookingResult, [ConvertToBookingRequest]>('convertToBooking');

/** A client's later message on an open inquiry, stored by the inbound channel (services/inbound.ts). */
export interface ClientReply {
  /** The stored inbound message (messages.id): the reply's identity, so a second delivery changes nothing. */
  readonly messageId: string;
  /** web, telegram, whatsapp, partner */
  readonly channel: string;
  /** The first characters of the text, for the timeline and the event. */
  readonly excerpt: string;
  readonly receivedAt: string;
}

/**
 * The client wrote again: a timeline entry and `inquiry.client_replied`; an inquiry that was
 * waiting for the client (awaiting_client) gets a task for its operator, so the reply shows in
 * their Action Center. A Signal: the channel that delivers it waits for no answer.
 */
export const clientRepliedSignal = defineSignal<[ClientReply]>('clientReplied');
