/** Starting and driving lifecycle workflows the way the API does: update-with-start, then updates. */
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, type Client, type WorkflowHandle } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import { bookingWorkflowId, bookingWorkflowType, type BookingWorkflowInput, type NewBooking } from '../../workflows/booking/messages.ts';
import { inquiryWorkflowType, type InquiryWorkflowInput } from '../../workflows/inquiry/messages.ts';
import { awaitCreatedUpdate, transitionUpdate, type Created, type TransitionResult } from '../../workflows/lifecycle/messages.ts';
import { SA_ENTITY_TYPE } from '../../workflows/search-attributes.ts';
import { WORKFLOW_TASK_QUEUE } from '../../workflows/task-queues.ts';
import { taskWorkflowId, taskWorkflowType, type NewTask, type TaskWorkflowInput } from '../../workflows/work-item/messages.ts';

export interface Started {
  readonly created: Created;
  readonly handle: WorkflowHandle;
}

/**
 * The time-skipping test server implements neither update-with-start nor custom search
 * attributes: there, start the workflow and then send the creation update.
 */
let plainStarts = false;
export function usePlainStarts(plain: boolean): void {
  plainStarts = plain;
}

async function start(client: Client, workflowType: string, workflowId: string, entityType: string, input: object, taskQueue = WORKFLOW_TASK_QUEUE): Promise<Started> {
  const requestId = (input as { requestId?: string }).requestId ?? randomUUID();
  if (plainStarts) {
    const handle = await client.workflow.start(workflowType, { workflowId, taskQueue, args: [{ ...input, requestId }] });
    return { created: await handle.executeUpdate(awaitCreatedUpdate, { args: [requestId] }), handle };
  }
  const operation = new WithStartWorkflowOperation(workflowType, {
    workflowId,
    taskQueue,
    args: [{ ...input, requestId }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [{ key: SA_ENTITY_TYPE, value: entityType }],
  });
  const created = await client.workflow.executeUpdateWithStart(awaitCreatedUpdate, { args: [requestId], startWorkflowOperation: operation });
  return { created, handle: client.workflow.getHandle(workflowId) };
}

export function startInquiry(client: Client, overrides: Partial<InquiryWorkflowInput['inquiry']> = {}, extra: Partial<InquiryWorkflowInput> = {}, taskQueue?: string) {
  const id = randomUUID();
  const input: InquiryWorkflowInput = {
    inquiry: { id, source: 'web', priority: 'normal', clientName: 'Test Client', clientEmail: `client-${id.slice(0, 8)}@example.com`, ...overrides },
    actor: { type: 'system' },
    ...extra,
  };
  return start(client, inquiryWorkflowType, `inquiry:${id}`, 'inquiry', input, taskQueue);
}

export async function demoReferences(orm: MikroORM) {
  const [row] = await orm.em.getConnection().execute<Array<{ client_id: string; model_id: string; location_id: string; ops_id: string; operator_id: string }>>(`
    SELECT (SELECT id FROM clients ORDER BY created_at LIMIT 1) AS client_id,
           (SELECT id FROM models ORDER BY created_at LIMIT 1) AS model_id,
           (SELECT id FROM locations ORDER BY slug LIMIT 1) AS location_id,
           (SELECT u.id FROM users u JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id WHERE r.code = 'OPS_MANAGER' LIMIT 1) AS ops_id,
           (SELECT id FROM users WHERE email = 'lukas@virel.local') AS operator_id`);
  if (!row) throw new Error('demo data missing');
  return row;
}

/** `now`: the clock the booking's timers run on (the time-skipping server's may be ahead of ours). */
export function bookingDraft(refs: { client_id: string; model_id: string; location_id: string }, startInMs: number, overrides: Partial<NewBooking> = {}, now = Date.now()): NewBooking {
  const start = now + startInMs;
  return {
    id: randomUUID(), clientId: refs.client_id, modelId: refs.model_id, locationId: refs.location_id,
    startAt: new Date(start).toISOString(), endAt: new Date(start + 2 * 3600_000).toISOString(), priceTotal: '550.00', ...overrides,
  };
}

export function startBooking(client: Client, booking: NewBooking, extra: Partial<BookingWorkflowInput> = {}, taskQueue?: string) {
  return start(client, bookingWorkflowType, bookingWorkflowId(booking.id), 'booking', { booking, actor: { type: 'system' }, ...extra }, taskQueue);
}

export function startTask(client: Client, task: Partial<NewTask> & { entityId: string }, extra: Partial<TaskWorkflowInput> = {}, taskQueue?: string) {
  const full: NewTask = { id: randomUUID(), type: 'confirm_booking', subject: 'Confirm the booking', priority: 'normal', entityType: 'booking', ...task };
  return start(client, taskWorkflowType, taskWorkflowId(full.id), 'task', { task: full, actor: { type: 'system' }, ...extra }, taskQueue);
}

export function transition(handle: WorkflowHandle, to: string, options: { transitionId?: string; data?: Record<string, unknown>; reason?: string } = {}): Promise<TransitionResult> {
  const transitionId = options.transitionId ?? randomUUID();
  return handle.executeUpdate(transitionUpdate, {
    updateId: transitionId,
    args: [{ to, transitionId, actor: { type: 'system' }, data: options.data, reason: options.reason }],
  });
}
