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

/** Throws a VALIDATION DomainError naming the missing condition. `facts` already include the request's data. */
export function assertGuards(entityType: LifecycleEntityType, from: string, to: string, facts: Facts): void {
  if (entityType === 'inquiry') {
    if (to === 'awaiting_deposit' && !positiveAmount(facts.depositAmount)) {
      throw guardFailure('inquiry', to, 'a deposit amount is required', 'depositAmount');
    }
    if (to === 'converted' && !facts.bookingId) {
      throw guardFailure('inquiry', to, 'it is converted by convertToBooking, once its booking exists', 'bookingId');
    }
  }
  if (entityType === 'booking') {
    if (from === 'draft' && to === 'pending') {
      for (const field of ['clientId', 'modelId', 'locationId'] as const) {
        if (!facts[field]) throw guardFailure('booking', to, `${field} is required`, field);
      }
      const start = Date.parse(String(facts.startAt ?? ''));
      const end = Date.parse(String(facts.endAt ?? ''));
      if (!(start < end)) throw guardFailure('booking', to, 'its start must be before its end', 'endAt');
      if (!positiveAmount(facts.priceTotal)) throw guardFailure('booking', to, 'a price is required', 'priceTotal');
    }
    if (to === 'deposit_required' && !positiveAmount(facts.depositRequired)) {
      throw guardFailure('booking', to, 'a deposit amount is required', 'depositRequired');
    }
  }
}
