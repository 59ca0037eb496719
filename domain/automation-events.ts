/**
 * The event catalogue: every domain event the platform emits, with its entity and payload
 * fields. Rules are validated against it when saved (an unknown event or field is refused), it
 * is served in GraphQL (`automationEventCatalogue`) and printed into the README
 * (`node scripts/event-catalogue.ts`), and test/automation-catalogue.test.ts checks that what
 * the code really writes to domain_events stays inside it.
 */
import { LIFECYCLES, type LifecycleEntityType } from './lifecycles.ts';

export type FieldKind = 'string' | 'number' | 'boolean' | 'timestamp' | 'id' | 'object' | 'list' | 'any';

export interface EventSpec {
  readonly name: string;
  /** The entity the event is about (domain_events.entity_type). */
  readonly entityType: string;
  readonly description: string;
  /** Payload fields (`event.<field>` in a condition; a trigger filter's keys). */
  readonly payload: Readonly<Record<string, FieldKind>>;
  /** The entity's status when the event is written, when the event implies one (checks update_status at save). */
  readonly entityStatus?: string;
}

const statusChange: Record<string, FieldKind> = {
  ref: 'string', from: 'string', to: 'string', old_status: 'string', new_status: 'string', reason: 'string',
};
/** Data a transition may carry (domain/guards.ts), copied into its event's payload. */
const TRANSITION_DATA: Readonly<Record<LifecycleEntityType, Record<string, FieldKind>>> = {
  inquiry: { depositAmount: 'string', closedReason: 'string', bookingId: 'id' },
  booking: { depositRequired: 'string', expiresAt: 'timestamp' },
  task: {},
  exception: {},
};
const editPayload: Record<string, FieldKind> = { before: 'object', after: 'object', change: 'string', reason: 'string' };
const assignment: Record<string, FieldKind> = {
  ref: 'string', from: 'id', to: 'id', assigned_to: 'id', reason: 'string', sla_deadline_at: 'timestamp', sla_warning_at: 'timestamp',
};
const workItemCreated = (kind: 'task' | 'exception'): Record<string, FieldKind> => ({
  ref: 'string', type: 'string', status: 'string', entity_type: 'string', entity_id: 'id', assigned_to: 'id', sla_deadline_at: 'timestamp',
  [`${kind}Id`]: 'id',
  ...(kind === 'task' ? { priority: 'string', subject: 'string' } : { severity: 'string', summary: 'string' }),
});
const slaBreached: Record<string, FieldKind> = {
  ref: 'string', type: 'string', sla_deadline_at: 'timestamp', sla_breached: 'boolean', level: 'string', assigned_to: 'id', previous_assignee: 'id', escalation: 'object',
};
const bookingTimer: Record<string, FieldKind> = {
  ref: 'string', status: 'string', start_at: 'timestamp', end_at: 'timestamp', model_id: 'id', client_id: 'id',
  minutes_until_start: 'number', client_confirmed_arrival: 'boolean', assigned_to: 'id',
};
/** Produced by the payments integration (its own issue) with exactly these fields. */
const payment: Record<string, FieldKind> = {
  bookingId: 'id', inquiryId: 'id', paymentId: 'id', amount: 'string', currency: 'string', providerRef: 'string',
};

const article = (word: string) => (/^[aeiou]/.test(word) ? 'An' : 'A');

const lifecycleEvents = (entity: LifecycleEntityType): EventSpec[] => [
  { name: `${entity}.status_changed`, entityType: entity, description: `${article(entity)} ${entity} moved from one status to another (through its workflow).`, payload: { ...statusChange, ...TRANSITION_DATA[entity] } },
  { name: `${entity}.assignment_changed`, entityType: entity, description: `${article(entity)} ${entity} was assigned, reassigned or unassigned.`, payload: assignment },
  { name: `${entity}.note_added`, entityType: entity, description: `A note was added to ${article(entity).toLowerCase()} ${entity}.`, payload: { ref: 'string', note: 'string' } },
];

export const EVENT_CATALOGUE: readonly EventSpec[] = [
  {
    name: 'inquiry.created', entityType: 'inquiry', entityStatus: LIFECYCLES.inquiry.initial, description: 'A new inquiry arrived (web form, channel, partner, or an operator).',
    payload: { ref: 'string', source: 'string', externalRef: 'string', status: 'string', priority: 'string', inquiryId: 'id', clientEmail: 'string', clientId: 'id' },
  },
  ...lifecycleEvents('inquiry'),
  {
    name: 'inquiry.client_replied', entityType: 'inquiry',
    description: 'The client wrote again on an open inquiry (web form, partner API, Telegram or WhatsApp); an awaiting_client inquiry also gets a client_replied task for its operator.',
    payload: { ref: 'string', message_id: 'id', channel: 'string', excerpt: 'string', status: 'string', assigned_to: 'id', received_at: 'timestamp' },
  },
  { name: 'inquiry.updated', entityType: 'inquiry', description: 'An inquiry\'s details were edited.', payload: editPayload },
  { name: 'inquiry.matched', entityType: 'inquiry', description: 'Models were matched to an inquiry.', payload: editPayload },
  {
    name: 'inquiry.deposit_reminder_due', entityType: 'inquiry', entityStatus: 'awaiting_deposit', description: 'Two hours in awaiting_deposit without a deposit (the lifecycle\'s timer).',
    payload: { ref: 'string', deposit_amount: 'string', awaiting_since: 'timestamp', assigned_to: 'id' },
  },
  {
    name: 'booking.created', entityType: 'booking', entityStatus: LIFECYCLES.booking.initial, description: 'A booking was created (draft).',
    payload: {
      ref: 'string', status: 'string', bookingId: 'id', clientId: 'id', modelId: 'id', locationId: 'id', startAt: 'timestamp', endAt: 'timestamp',
      priceTotal: 'string', depositRequired: 'string', inquiryId: 'id',
    },
  },
  ...lifecycleEvents('booking'),
  { name: 'booking.amended', entityType: 'booking', description: 'A booking\'s terms (client, model, location, price) changed.', payload: { ref: 'string', before: 'object', after: 'object', reason: 'string' } },
  {
    name: 'booking.rescheduled', entityType: 'booking', description: 'A booking\'s time moved.',
    payload: { ref: 'string', start_at: 'timestamp', end_at: 'timestamp', new_start_at: 'timestamp', new_end_at: 'timestamp', reason: 'string' },
  },
  {
    name: 'booking.arrival_confirmed', entityType: 'booking', description: 'The client confirmed they will arrive (seed rule 3 then raises no no-show risk).',
    payload: { ref: 'string', start_at: 'timestamp', note: 'string' },
  },
  { name: 'booking.updated', entityType: 'booking', description: 'A booking\'s internal notes changed.', payload: editPayload },
  { name: 'booking.service_added', entityType: 'booking', description: 'A service was added to a booking.', payload: { ...editPayload, service_id: 'id' } },
  { name: 'booking.service_removed', entityType: 'booking', description: 'A service was removed from a booking.', payload: { ...editPayload, service_id: 'id' } },
  { name: 'booking.approaching', entityType: 'booking', description: 'A booking starts in 30 minutes (the lifecycle\'s timer).', payload: bookingTimer },
  { name: 'booking.start_reached', entityType: 'booking', description: 'A booking\'s start time came.', payload: bookingTimer },
  { name: 'booking.end_reached', entityType: 'booking', description: 'A booking\'s end time came.', payload: bookingTimer },
  { name: 'task.created', entityType: 'task', entityStatus: LIFECYCLES.task.initial, description: 'A task was opened (with its SLA deadline from policy).', payload: workItemCreated('task') },
  ...lifecycleEvents('task'),
  { name: 'task.sla_warning', entityType: 'task', description: 'A task is close to its SLA deadline.', payload: { ref: 'string', sla_deadline_at: 'timestamp', assigned_to: 'id' } },
  { name: 'task.sla_breached', entityType: 'task', description: 'A task passed its SLA deadline and was escalated.', payload: slaBreached },
  { name: 'exception.created', entityType: 'exception', entityStatus: LIFECYCLES.exception.initial, description: 'An exception was raised.', payload: workItemCreated('exception') },
  ...lifecycleEvents('exception'),
  { name: 'exception.sla_warning', entityType: 'exception', description: 'An exception is close to its SLA deadline.', payload: { ref: 'string', sla_deadline_at: 'timestamp', assigned_to: 'id' } },
  { name: 'exception.sla_breached', entityType: 'exception', description: 'An exception passed its SLA deadline and was escalated.', payload: slaBreached },
  { name: 'payment.requested', entityType: 'payment', description: 'A deposit was requested from the client (its payment link created), or a failed one retried.', payload: payment },
  { name: 'payment.succeeded', entityType: 'payment', description: 'A payment (e.g. a deposit) succeeded at the provider.', payload: payment },
  { name: 'payment.failed', entityType: 'payment', description: 'A payment failed at the provider.', payload: payment },
  { name: 'payment.refunded', entityType: 'payment', description: 'A payment was refunded.', payload: payment },
  {
    name: 'schedule.tick', entityType: 'automation_rule', description: 'A scheduled (cron) rule\'s time came; the rule itself is the entity.',
    payload: { scheduled_at: 'timestamp', rule_id: 'id' },
  },
];

const BY_NAME = new Map(EVENT_CATALOGUE.map((e) => [e.name, e]));

export function eventSpec(name: string): EventSpec | undefined {
  return BY_NAME.get(name);
}

/**
 * Rows a condition may read besides the event's payload: the event's entity as loaded at
 * execution time (`entity.<column>`), and the booking / inquiry it is about (`booking.<column>`,
 * `inquiry.<column>`), found through the payload's bookingId / inquiryId, the entity's
 * booking_id / inquiry_id column, or the entity itself; and the client of that booking /
 * inquiry (`client.<column>`). A row that cannot be found reads as absent: every operator but
 * the negations and `exists: false` is then false.
 */
export const CONDITION_ROOTS = ['event', 'entity', 'booking', 'inquiry', 'client'] as const;
export type ConditionRoot = (typeof CONDITION_ROOTS)[number];

/** The entity types whose rows are loaded at execution time (a lifecycle's or a payment). */
export const LOADABLE_ENTITY_TYPES = ['inquiry', 'booking', 'task', 'exception', 'payment'] as const;
export type LoadableEntityType = (typeof LOADABLE_ENTITY_TYPES)[number];
