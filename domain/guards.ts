/**
 * Guard conditions of the state machines (seed §4 "Enforcement Rules"): what must be true of
 * an entity, beyond the transition table, before it may enter a status. Pure functions over
 * the entity's facts (as the lifecycle workflow knows them) merged with the request's data.
 */
import { DomainError } from './errors.ts';
import type { LifecycleEntityType } from './lifecycles.ts';
import { MONEY_HINT, isPositiveAmount as positiveAmount } from './formats.ts';
import { withArticle } from './transitions.ts';

export type Facts = Readonly<Record<string, unknown>>;

/** Request data each lifecycle accepts together with a transition; anything else is refused. */
export const TRANSITION_DATA_FIELDS: Readonly<Record<LifecycleEntityType, readonly string[]>> = {
  inquiry: ['depositAmount', 'closedReason'],
  booking: ['depositRequired'],
  task: [],
  exception: [],
};


function guardFailure(entityType: string, to: string, reason: string, field: string): DomainError {
  return new DomainError('VALIDATION', `${withArticle(entityType)} cannot enter ${to}: ${reason}.`, { entityType, to, field });
}

export function assertTransitionData(entityType: LifecycleEntityType, data: Facts | undefined): void {
  for (const [field, value] of Object.entries(data ?? {})) {
    if (!TRANSITION_DATA_FIELDS[entityType].includes(field)) {
      throw new DomainError('VALIDATION', `${field} cannot be set with a ${entityType} status change.`, { entityType, field });
    }
    if ((field === 'depositAmount' || field === 'depositRequired') && !positiveAmount(value)) {
      throw new DomainError('VALIDATION', `${field} must be a positive amount: ${MONEY_HINT}.`, { entityType, field });
    }
    if (field === 'closedReason' && (typeof value !== 'string' || value.length > 500)) {
      throw new DomainError('VALIDATION', 'closedReason must be text of at most 500 characters.', { entityType, field });
    }
  }
}

/** Statuses an entity enters only with a reason (seed §4: an inquiry is lost or spam for a reason). */
export const REASON_REQUIRED_TO: Readonly<Record<LifecycleEntityType, readonly string[]>> = {
  inquiry: ['lost', 'spam'],
  booking: [],
  task: [],
  exception: [],
};

const hasText = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/**
 * Why an inquiry closes, as recorded in its closed_reason: `closedReason` if the request gives
 * one, else the change's own `reason`.
 */
export function closingReason(data: Facts | undefined, reason: string | undefined): string | undefined {
  if (hasText(data?.closedReason)) return data.closedReason.trim();
  return hasText(reason) ? reason.trim() : undefined;
}

/** One guard condition an entity does not meet for a transition: what is missing, and why. */
export interface UnmetGuard {
  readonly field: string;
  readonly reason: string;
}

/**
 * Every guard condition of from → to that `facts` (the entity's, merged with the request's data)
 * do not meet; empty when the transition may go ahead. `reason` is the change's reason, if any.
 */
export function unmetGuards(entityType: LifecycleEntityType, from: string, to: string, facts: Facts, reason?: string): UnmetGuard[] {
  const unmet: UnmetGuard[] = [];
  if (REASON_REQUIRED_TO[entityType].includes(to) && !closingReason(facts, reason)) {
    unmet.push({ field: 'closedReason', reason: 'a reason is required (closedReason, or the change\'s reason)' });
  }
  if (entityType === 'inquiry') {
    if (to === 'awaiting_deposit' && !positiveAmount(facts.depositAmount)) {
      unmet.push({ field: 'depositAmount', reason: 'a deposit amount is required' });
    }
    if (to === 'converted' && !facts.bookingId) {
      unmet.push({ field: 'bookingId', reason: 'it is converted by convertToBooking, once its booking exists' });
    }
  }
  if (entityType === 'booking') {
    if (from === 'draft' && to === 'pending') {
      for (const field of ['clientId', 'modelId', 'locationId'] as const) {
        if (!facts[field]) unmet.push({ field, reason: `${field} is required` });
      }
      const start = Date.parse(String(facts.startAt ?? ''));
      const end = Date.parse(String(facts.endAt ?? ''));
      if (!(start < end)) unmet.push({ field: 'endAt', reason: 'its start must be before its end' });
      if (!positiveAmount(facts.priceTotal)) unmet.push({ field: 'priceTotal', reason: 'a price is required' });
    }
    if (to === 'deposit_required' && !positiveAmount(facts.depositRequired)) {
      unmet.push({ field: 'depositRequired', reason: 'a deposit amount is required' });
    }
  }
  return unmet;
}

/**
 * Throws a VALIDATION DomainError naming the first missing condition. `facts` already include the
 * request's data; `reason` is the change's reason, if any.
 */
export function assertGuards(entityType: LifecycleEntityType, from: string, to: string, facts: Facts, reason?: string): void {
  const [first] = unmetGuards(entityType, from, to, facts, reason);
  if (first) throw guardFailure(entityType, to, first.reason, first.field);
}

/**
 * A guard a status change can meet by itself: the change carries a reason, and the data fields of
 * TRANSITION_DATA_FIELDS (a deposit amount). Anything else (a booking's price, the booking of a
 * conversion) has to be true of the entity already.
 */
export function requestCanMeet(entityType: LifecycleEntityType, guard: UnmetGuard): boolean {
  return guard.field === 'closedReason' || TRANSITION_DATA_FIELDS[entityType].includes(guard.field);
}

/**
 * The statuses an entity may move to next: its state machine's next statuses whose guards its
 * facts meet, or which the change request itself can meet (a reason, a deposit amount). The
 * workflow applies the same guards (assertGuards) when the change arrives; this is what a client
 * may offer.
 */
export function openNextStatuses(entityType: LifecycleEntityType, transitions: Readonly<Record<string, readonly string[]>>, from: string, facts: Facts): string[] {
  return (transitions[from] ?? []).filter((to) => unmetGuards(entityType, from, to, facts).every((guard) => requestCanMeet(entityType, guard)));
}


/**
 * What a change to `to` has to carry itself, unless the entity already has it: the fields of the
 * guards a request can meet (closedReason: a reason; depositAmount, depositRequired). A client asks
 * for these when it offers the status.
 */
export function changeInputs(entityType: LifecycleEntityType, to: string): string[] {
  return unmetGuards(entityType, '', to, {}).filter((guard) => requestCanMeet(entityType, guard)).map((guard) => guard.field);
}
