/**
 * The inquiry lifecycle's contract: its input, its messages and their types. The API imports
 * this module (never the workflow's internals), so renaming a message breaks the build.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { InquirySource, Priority } from '../../domain/inquiry.ts';
import type { InquiryStatus } from '../../domain/lifecycles.ts';

/** Who caused a change: a signed-in user, or the platform itself (automation, timers, webhooks). */
export interface Actor {
  readonly type: 'user' | 'system';
  readonly userId?: string | undefined;
}

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

export interface InquiryWorkflowInput {
  readonly inquiry: NewInquiry;
  readonly actor: Actor;
  readonly requestId?: string | undefined;
}

/** What the lifecycle knows about its inquiry: live state, not the read model. */
export interface InquiryState {
  readonly id: string;
  readonly ref: string | undefined;
  readonly status: InquiryStatus;
  readonly created: boolean;
}

export interface InquiryCreated {
  readonly id: string;
  readonly ref: string;
  readonly status: InquiryStatus;
  /** False when this call found an inquiry already created by an earlier delivery. */
  readonly firstDelivery: boolean;
}

export const inquiryWorkflowType = 'inquiryLifecycle';

/**
 * Sent with update-with-start: resolves once the inquiry's row exists, so creating an
 * inquiry is one round trip and a duplicate delivery gets the existing inquiry back.
 */
export const awaitInquiryCreated = defineUpdate<InquiryCreated, [requestId: string]>('awaitInquiryCreated');
export const inquiryStateQuery = defineQuery<InquiryState>('inquiryState');
