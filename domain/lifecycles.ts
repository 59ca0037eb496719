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

/** The statuses nothing leaves (no transition out), read off the table. */
export function finalStatuses<S extends string>(lifecycle: Lifecycle<S>): readonly S[] {
  return lifecycle.statuses.filter((s) => isTerminal(lifecycle, s));
}

/** The statuses still in play (something may follow). */
export function openStatuses<S extends string>(lifecycle: Lifecycle<S>): readonly S[] {
  return lifecycle.statuses.filter((s) => !isTerminal(lifecycle, s));
}

/** Closed inquiries: converted, lost or spam. Nothing about them changes any more. */
export const FINAL_INQUIRY_STATUSES = finalStatuses(inquiryLifecycle);
/** Finished bookings: completed, cancelled, no_show, expired. */
export const FINAL_BOOKING_STATUSES = finalStatuses(bookingLifecycle);
/** Work items still waiting for someone (the Action Center's items) and finished ones. */
export const OPEN_TASK_STATUSES = openStatuses(taskLifecycle);
export const FINAL_TASK_STATUSES = finalStatuses(taskLifecycle);
export const OPEN_EXCEPTION_STATUSES = openStatuses(exceptionLifecycle);
export const FINAL_EXCEPTION_STATUSES = finalStatuses(exceptionLifecycle);

/** Every status of any lifecycle (what the shared transition message carries). */
export type LifecycleStatus = InquiryStatus | BookingStatus | TaskStatus | ExceptionStatus;

export const LIFECYCLES = {
  inquiry: inquiryLifecycle, booking: bookingLifecycle, task: taskLifecycle, exception: exceptionLifecycle,
} as const satisfies Record<LifecycleEntityType, Lifecycle<string>>;
