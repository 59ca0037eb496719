/**
 * Model profile rules (seed §3, §6.2; issue 14 item 6): the profile status as a small state
 * machine (not a workflow lifecycle: no timers, no history of its own beyond the audit log),
 * and which profile fields are internal (notes, rating), read and written only with
 * `models.internal` (Content Managers edit the public profile only).
 */
import { DomainError } from './errors.ts';

export const MODEL_STATUSES = ['active', 'inactive', 'suspended'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

/**
 * active ⇄ inactive (she takes a break, she is back); a working profile may be suspended (a
 * problem to resolve), and a suspension ends by reinstating (active) or retiring the profile
 * (inactive). An inactive profile is reactivated before it can be suspended.
 */
export const MODEL_STATUS_TRANSITIONS: Readonly<Record<ModelStatus, readonly ModelStatus[]>> = {
  active: ['inactive', 'suspended'],
  inactive: ['active'],
  suspended: ['active', 'inactive'],
};

/** Only active models are matched to inquiries and listed in a location's availability. */
export const BOOKABLE_MODEL_STATUS: ModelStatus = 'active';

/** Refuses a status change the table does not allow, and a suspension without a reason. */
export function assertModelStatusChange(from: string, to: string, reason: string | null | undefined): void {
  if (!(MODEL_STATUSES as readonly string[]).includes(to)) {
    throw new DomainError('VALIDATION', `${to} is not a model status. Statuses: ${MODEL_STATUSES.join(', ')}.`, { field: 'status' });
  }
  const allowed = MODEL_STATUS_TRANSITIONS[from as ModelStatus] ?? [];
  if (!allowed.includes(to as ModelStatus)) {
    throw new DomainError('INVALID_TRANSITION', `A model cannot go from ${from} to ${to}. Allowed: ${allowed.join(', ') || 'none'}.`, { entityType: 'model', from, to, allowed: [...allowed] });
  }
  if (to === 'suspended' && !reason?.trim()) throw new DomainError('VALIDATION', 'Invalid input: reason: a suspension needs a reason', { field: 'reason' });
}

/** Profile fields only `models.internal` may read or write. */
export const INTERNAL_MODEL_FIELDS = ['ratingInternal', 'notesInternal'] as const;
