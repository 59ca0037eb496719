/**
 * Client-side commands for the lifecycle workflows: how the API (and the launcher's demo data)
 * create entities and change them. Creation is update-with-start, one round trip; every
 * change is an Update whose id is the caller's transition id.
 */
import { createHash, randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, type Client, type WorkflowHandle } from '@temporalio/client';
import {
  amendUpdate, bookingWorkflowId, confirmArrivalUpdate, bookingWorkflowType, rescheduleUpdate, type BookingTerms, type BookingWorkflowInput, type NewBooking,
} from '../workflows/booking/messages.ts';
import {
  convertToBookingUpdate, inquiryWorkflowType,
  type ConvertToBookingRequest, type ConvertToBookingResult, type InquiryWorkflowInput, type NewInquiry,
} from '../workflows/inquiry/messages.ts';
import { inquiryWorkflowId, type InquirySource } from '../domain/inquiry.ts';
import type { LifecycleEntityType, LifecycleStatus } from '../domain/lifecycles.ts';
import {
  addNoteUpdate, assignUpdate, awaitCreatedUpdate, transitionUpdate,
  type Actor, type ChangeResult, type Created, type TransitionResult,
} from '../workflows/lifecycle/messages.ts';
import { SA_ENTITY_TYPE } from '../workflows/search-attributes.ts';
import { LIFECYCLE_WORKFLOW_TASK_TIMEOUT, WORKFLOW_TASK_QUEUE } from '../workflows/task-queues.ts';
import {
  completeTaskUpdate, exceptionWorkflowId, exceptionWorkflowType, taskWorkflowId, taskWorkflowType,
  type NewException, type NewTask,
} from '../workflows/work-item/messages.ts';

export interface StartedLifecycle {
  readonly created: Created;
  readonly handle: WorkflowHandle;
}

export interface StartOptions {
  /** The time-skipping test server lacks update-with-start: start, then update. */
  readonly plainStart?: boolean;
  /** What the Temporal UI shows for the workflow: a one-line summary and markdown details. */
  readonly staticSummary?: string;
  readonly staticDetails?: string;
}

async function startLifecycle<I extends { requestId?: string | undefined }>(
  client: Client, workflowType: string, workflowId: string, entityType: string, input: I, options: StartOptions = {},
): Promise<StartedLifecycle> {
  const requestId = input.requestId ?? randomUUID();
  const args = [{ ...input, requestId }];
  if (options.plainStart) {
    const handle = await client.workflow.start(workflowType, { workflowId, taskQueue: WORKFLOW_TASK_QUEUE, workflowTaskTimeout: LIFECYCLE_WORKFLOW_TASK_TIMEOUT, args });
    return { created: await handle.executeUpdate(awaitCreatedUpdate, { args: [requestId] }), handle };
  }
  const startWorkflowOperation = new WithStartWorkflowOperation(workflowType, {
    workflowId,
    taskQueue: WORKFLOW_TASK_QUEUE,
    workflowTaskTimeout: LIFECYCLE_WORKFLOW_TASK_TIMEOUT,
    args,
    // A second delivery of the same entity attaches to the running lifecycle.
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [{ key: SA_ENTITY_TYPE, value: entityType }],
    ...(options.staticSummary ? { staticSummary: options.staticSummary } : {}),
    ...(options.staticDetails ? { staticDetails: options.staticDetails } : {}),
  });
  const created = await client.workflow.executeUpdateWithStart(awaitCreatedUpdate, { args: [requestId], startWorkflowOperation });
  return { created, handle: client.workflow.getHandle(workflowId) };
}

/** The workflow of an entity's row (an inquiry's id comes from its business key). */
export function workflowIdOfRow(type: LifecycleEntityType, row: { id: string; source?: string; externalRef?: string | null }): string {
  switch (type) {
    case 'inquiry':
      return inquiryWorkflowId({ id: row.id, source: row.source as InquirySource, externalRef: row.externalRef ?? null });
    case 'booking':
      return bookingWorkflowId(row.id);
    case 'task':
      return taskWorkflowId(row.id);
    case 'exception':
      return exceptionWorkflowId(row.id);
  }
}

export function startInquiry(client: Client, inquiry: NewInquiry, extra: Omit<InquiryWorkflowInput, 'inquiry'>, options?: StartOptions) {
  return startLifecycle(client, inquiryWorkflowType, inquiryWorkflowId(inquiry), 'inquiry', { inquiry, ...extra }, options);
}

export function startBooking(client: Client, booking: NewBooking, extra: Omit<BookingWorkflowInput, 'booking'>, options?: StartOptions) {
  return startLifecycle(client, bookingWorkflowType, bookingWorkflowId(booking.id), 'booking', { booking, ...extra }, options);
}

export function startTask(client: Client, task: NewTask, extra: { actor: Actor; requestId?: string }, options?: StartOptions) {
  return startLifecycle(client, taskWorkflowType, taskWorkflowId(task.id), 'task', { task, ...extra }, options);
}

export function startException(client: Client, exception: NewException, extra: { actor: Actor; requestId?: string }, options?: StartOptions) {
  return startLifecycle(client, exceptionWorkflowType, exceptionWorkflowId(exception.id), 'exception', { exception, ...extra }, options);
}

/**
 * The Update id: the transition id plus a digest of what is asked. Temporal answers a repeated
 * identical request itself; the same transition id with a different request reaches the
 * lifecycle, which refuses it (CONFLICT) instead of returning an unrelated first result.
 */
function updateIdOf(transitionId: string, request: unknown): string {
  return `${transitionId}#${createHash('sha256').update(JSON.stringify(request)).digest('hex').slice(0, 16)}`;
}

export function transition(
  handle: WorkflowHandle, to: string, options: { actor: Actor; transitionId?: string; data?: Record<string, unknown>; reason?: string },
): Promise<TransitionResult> {
  const transitionId = options.transitionId ?? randomUUID();
  return handle.executeUpdate(transitionUpdate, {
    updateId: updateIdOf(transitionId, [to, options.data ?? null]),
    // A status outside the entity's lifecycle is refused by the workflow's validator (VALIDATION).
    args: [{ to: to as LifecycleStatus, transitionId, actor: options.actor, data: options.data, reason: options.reason }],
  });
}

export function assign(handle: WorkflowHandle, assigneeId: string | null, options: { actor: Actor; transitionId?: string; reason?: string }): Promise<ChangeResult> {
  const transitionId = options.transitionId ?? randomUUID();
  return handle.executeUpdate(assignUpdate, { updateId: updateIdOf(transitionId, ['assign', assigneeId]), args: [{ assigneeId, transitionId, actor: options.actor, reason: options.reason }] });
}

export function addNote(handle: WorkflowHandle, text: string, options: { actor: Actor; transitionId?: string }): Promise<ChangeResult> {
  const transitionId = options.transitionId ?? randomUUID();
  return handle.executeUpdate(addNoteUpdate, { updateId: updateIdOf(transitionId, ['note', text]), args: [{ text, transitionId, actor: options.actor }] });
}

/** Completes a task in one Update (an open task is started first, atomically). */
export function completeTask(handle: WorkflowHandle, options: { actor: Actor; transitionId?: string; reason?: string }): Promise<TransitionResult> {
  const transitionId = options.transitionId ?? randomUUID();
  return handle.executeUpdate(completeTaskUpdate, {
    updateId: updateIdOf(transitionId, ['complete']),
    args: [{ transitionId, actor: options.actor, reason: options.reason }],
  });
}

/** Moves a booking's time through its workflow (its timers follow). */
export function reschedule(
  handle: WorkflowHandle, times: { startAt: string; endAt: string }, options: { actor: Actor; transitionId?: string; reason?: string },
): Promise<ChangeResult> {
  const transitionId = options.transitionId ?? randomUUID();
  return handle.executeUpdate(rescheduleUpdate, {
    updateId: updateIdOf(transitionId, ['reschedule', times.startAt, times.endAt]),
    args: [{ startAt: times.startAt, endAt: times.endAt, transitionId, actor: options.actor, reason: options.reason }],
  });
}

/** Changes a booking's terms (client, model, location, price) through its workflow. */
export function amend(
  handle: WorkflowHandle, terms: BookingTerms, options: { actor: Actor; transitionId?: string; reason?: string },
): Promise<ChangeResult> {
  const transitionId = options.transitionId ?? randomUUID();
  return handle.executeUpdate(amendUpdate, {
    updateId: updateIdOf(transitionId, ['amend', terms]),
    args: [{ terms, transitionId, actor: options.actor, reason: options.reason }],
  });
}

/** Records the client's arrival confirmation through the booking's workflow (it owns that fact). */
export function confirmArrival(
  handle: WorkflowHandle, options: { actor: Actor; transitionId?: string; note?: string },
): Promise<ChangeResult> {
  const transitionId = options.transitionId ?? randomUUID();
  return handle.executeUpdate(confirmArrivalUpdate, {
    updateId: updateIdOf(transitionId, ['confirmArrival', options.note ?? null]),
    args: [{ transitionId, actor: options.actor, note: options.note }],
  });
}

/** Inquiry → booking through the inquiry's workflow: it starts the booking's lifecycle, then converts. */
export function convertToBooking(
  handle: WorkflowHandle, request: Omit<ConvertToBookingRequest, 'transitionId'> & { transitionId?: string },
): Promise<ConvertToBookingResult> {
  const transitionId = request.transitionId ?? randomUUID();
  return handle.executeUpdate(convertToBookingUpdate, {
    updateId: updateIdOf(transitionId, ['convert', request.booking]),
    args: [{ ...request, transitionId }],
  });
}
