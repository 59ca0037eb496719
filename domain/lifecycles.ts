/**
 * The four lifecycles of seed §4 as data: who may move from which status to which.
 * Everything that changes a status (workflow validators, the API's error messages, tests)
 * reads these tables; nothing else decides what a legal transition is.
 */

export const INQUIRY_STATUSES = ['new', 'qualified', 'awaiting_client', 'awaiting_deposit', 'converted', 'lost', 'spam'] as const;
export type InquiryStatus = (typeof INQUIRY_STATUSES)[number];

export const BOOKING_STATUSES = [
  'draft', 'pending', 'deposit_required', 'confirmed', 'in_progress', 'completed', 'cancelled', 'no_show', 'expired',
] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

export const TASK_STATUSES = ['open', 'in_progress', 'done', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const EXCEPTION_STATUSES = ['open', 'investigating', 'resolved', 'dismissed'] as const;
export type ExceptionStatus = (typeof EXCEPTION_STATUSES)[number];

export type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

export const inquiryTransitions: TransitionTable<InquiryStatus> = {
  new: ['qualified', 'spam'],
  qualified: ['awaiting_client', 'lost'],
  awaiting_client: ['awaiting_deposit', 'lost'],
  awaiting_deposit: ['converted', 'lost'],
  converted: [],
  lost: [],
  spam: [],
};

export const bookingTransitions: TransitionTable<BookingStatus> = {
  draft: ['pending', 'cancelled'],
  pending: ['deposit_required', 'confirmed', 'cancelled', 'expired'],
  deposit_required: ['confirmed', 'cancelled', 'expired'],
  confirmed: ['in_progress', 'cancelled', 'no_show'],
  in_progress: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
  no_show: [],
  expired: [],
};

export const taskTransitions: TransitionTable<TaskStatus> = {
  open: ['in_progress', 'cancelled'],
  in_progress: ['done', 'failed', 'cancelled'],
  done: [],
  failed: [],
  cancelled: [],
};

export const exceptionTransitions: TransitionTable<ExceptionStatus> = {
  open: ['investigating', 'resolved', 'dismissed'],
  investigating: ['resolved', 'dismissed'],
  resolved: [],
  dismissed: [],
};

export const LIFECYCLE_ENTITY_TYPES = ['inquiry', 'booking', 'task', 'exception'] as const;
export type LifecycleEntityType = (typeof LIFECYCLE_ENTITY_TYPES)[number];

export interface Lifecycle<S extends string> {
  readonly entityType: LifecycleEntityType;
  readonly statuses: readonly S[];
  readonly initial: S;
  readonly transitions: TransitionTable<S>;
}

export const inquiryLifecycle: Lifecycle<InquiryStatus> = {
  entityType: 'inquiry', statuses: INQUIRY_STATUSES, initial: 'new', transitions: inquiryTransitions,
};
export const bookingLifecycle: Lifecycle<BookingStatus> = {
  entityType: 'booking', statuses: BOOKING_STATUSES, initial: 'draft', transitions: bookingTransitions,
};
export const taskLifecycle: Lifecycle<TaskStatus> = {
  entityType: 'task', statuses: TASK_STATUSES, initial: 'open', transitions: taskTransitions,
};
export const exceptionLifecycle: Lifecycle<ExceptionStatus> = {
  entityType: 'exception', statuses: EXCEPTION_STATUSES, initial: 'open', transitions: exceptionTransitions,
};

export function isTerminal<S extends string>(lifecycle: Lifecycle<S>, status: S): boolean {
  return lifecycle.transitions[status].length === 0;
}
