/** Finding what an action is about, and the check that a rule's trigger can reach it. */
import type { EventSpec } from '../../domain/automation-events.ts';
import { invalidInput } from '../../domain/errors.ts';
import type { ActionContext, EntityRef, Subject } from './types.ts';

/** The entity an action is about, or a refusal naming what the event lacks. */
export function requireSubject(context: ActionContext, about: Subject): EntityRef {
  const subject = context.subject(about);
  if (!subject) throw invalidInput('about', `event ${context.event.type} concerns no ${about === 'event' ? 'entity' : about}`);
  return subject;
}

/**
 * Whether an event of this spec can concern a subject at all: its own entity, a booking or
 * inquiry it names (payload ids, payments, work items about them, bookings from inquiries).
 */
export function canReach(spec: EventSpec, about: Subject): boolean {
  if (about === 'event' || spec.entityType === about) return true;
  if (about === 'task' || about === 'exception') return false;
  return `${about}Id` in spec.payload || ['payment', 'task', 'exception', 'booking', 'inquiry'].includes(spec.entityType);
}

export function checkReach(spec: EventSpec, about: Subject, field: string): void {
  if (!canReach(spec, about)) throw invalidInput(field, `${spec.name} is about a ${spec.entityType}; it concerns no ${about}`);
}
