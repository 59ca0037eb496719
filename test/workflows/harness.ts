/**
 * Fast tests of the lifecycle workflows: the real workflow code (workflows/index.ts, bundled by
 * the SDK) on the official time-skipping test server, with the store activities replaced by an
 * in-memory fake that records every call. No PostgreSQL, no dev server: what these tests prove
 * is the workflows' own logic (transitions, guards, ids, timers, continue-as-new).
 *
 * The fake keeps just enough of the real store's behaviour for the workflows to be exercised
 * honestly: rows with a status, idempotency by (entity, transition id), and the guarded status
 * UPDATE (a transition whose `from` is not the row's status is a CONFLICT, as in SQL).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { LIFECYCLES, type Lifecycle, type LifecycleEntityType, type LifecycleStatus } from '../../domain/lifecycles.ts';
import { inquiryWorkflowId } from '../../domain/inquiry.ts';
import type { StoreActivities } from '../../activities/store/index.ts';
import type { ChangeOutcome } from '../../activities/store/transitions.ts';
import type { SlaBreachOutcome, WorkItemCreated } from '../../activities/store/work-items.ts';
import { until } from '../support/wait.ts';
import { resolveTemporalTestServer } from '../../launcher/temporal-binaries.ts';
import { WORKFLOWS_PATH } from '../../worker/run.ts';
import { addSearchAttributesBlindly } from '../../worker/search-attributes.ts';
import { bookingWorkflowId, bookingWorkflowType, type BookingWorkflowInput, type NewBooking } from '../../workflows/booking/messages.ts';
import { inquiryWorkflowType, type InquiryWorkflowInput, type NewInquiry } from '../../workflows/inquiry/messages.ts';
import { awaitCreatedUpdate, lifecycleStateQuery, transitionUpdate, type Actor, type Created, type LifecycleSnapshot, type TransitionResult } from '../../workflows/lifecycle/messages.ts';
import { ACTIVITY_QUEUES, WORKFLOW_TASK_QUEUE } from '../../workflows/task-queues.ts';
import {
  exceptionWorkflowId, exceptionWorkflowType, taskWorkflowId, taskWorkflowType,
  type ExceptionWorkflowInput, type NewException, type NewTask, type TaskWorkflowInput,
} from '../../workflows/work-item/messages.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const system: Actor = { type: 'system' };

export type StoreActivityName = keyof StoreActivities;

/** One call of a fake store activity. */
export interface StoreCall {
  readonly name: StoreActivityName;
  readonly input: Record<string, unknown>;
  /** The test server's (skipped) clock when the call began. */
  readonly serverMs: number;
  /** Real time (performance.now) when the call began and ended; `endedAt` is undefined while it runs. */
  readonly startedAt: number;
  endedAt: number | undefined;
  /** The entity the call is about. */
  readonly entityId: string;
  readonly failed?: boolean;
}

interface Row {
  entityType: string;
  status: string;
  assigneeId: string | null;
}

/** SLA terms the fake store gives every task and exception (the seed's confirm_booking policy: 15 min, 80 %). */
export const FAKE_SLA = {
  deadlineMinutes: 15,
  warningFraction: 0.8,
  escalation: { raise_priority: true, reassign_to_role: 'OPS_MANAGER', create_exception: { type: 'sla_breach', severity: 'high' } },
} as const;
export const FAKE_OPS_MANAGER = 'ops-manager-1';


/**
 * The in-memory store: implements every store activity the workflows call (typed against the
 * real StoreActivities, so a changed signature fails type-checking), records each call, and
 * lets a test slow a call down or hold it until released.
 */
export class FakeStore {
  readonly calls: StoreCall[] = [];
  readonly rows = new Map<string, Row>();
  /** (entity id, transition id) → the outcome committed for it: the audit log's unique key. */
  private readonly committed = new Map<string, { at: string; before: Record<string, unknown>; after: Record<string, unknown> }>();
  private readonly delays = new Map<string, number>();
  private readonly gates = new Map<string, Promise<void>>();
  private refs = 0;
  /** Reads the test server's clock. */
  private readonly clock: () => Promise<number>;

  constructor(clock: () => Promise<number>) {
    this.clock = clock;
  }

  /** Every later call of `name` about `entityId` takes at least `ms` of real time. */
  slow(name: StoreActivityName, entityId: string, ms: number): void {
    this.delays.set(`${name}:${entityId}`, ms);
  }

  /** Holds every later call of `name` about `entityId` until the returned function is called. */
  hold(name: StoreActivityName, entityId: string): () => void {
    let release: () => void = () => undefined;
    const key = `${name}:${entityId}`;
    this.gates.set(key, new Promise<void>((resolve) => {
      release = resolve;
    }));
    return () => {
      this.gates.delete(key);
      release();
    };
  }

  callsOf(name: StoreActivityName, entityId?: string): StoreCall[] {
    return this.calls.filter((c) => c.name === name && (entityId === undefined || c.entityId === entityId));
  }

  /** The most calls of `name` that were running at the same moment (real time). */
  maxOverlap(name: StoreActivityName, entityId?: string): number {
    const calls = this.callsOf(name, entityId);
    let max = 0;
    for (const call of calls) {
      const running = calls.filter((other) => other.startedAt <= call.startedAt && (other.endedAt ?? Infinity) > call.startedAt).length;
      max = Math.max(max, running);
    }
    return max;
  }

  statusOf(entityId: string): string | undefined {
    return this.rows.get(entityId)?.status;
  }

  private async record<T>(name: StoreActivityName, entityId: string, input: object, body: () => T | Promise<T>): Promise<T> {
    const call: StoreCall = { name, input: input as Record<string, unknown>, entityId, serverMs: await this.clock(), startedAt: performance.now(), endedAt: undefined };
    this.calls.push(call);
    try {
      await this.gates.get(`${name}:${entityId}`);
      const delay = this.delays.get(`${name}:${entityId}`);
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
      return await body();
    } catch (error) {
      (call as { failed?: boolean }).failed = true;
      throw error;
    } finally {
      call.endedAt = performance.now();
    }
  }

  private nextRef(prefix: string): string {
    this.refs += 1;
    return `${prefix}-${1000 + this.refs}`;
  }

  private create(entityId: string, entityType: string, status: string, assigneeId: string | null): Row {
    const existing = this.rows.get(entityId);
    if (existing) return existing;
    const row = { entityType, status, assigneeId };
    this.rows.set(entityId, row);
    return row;
  }

  private workItem(kind: 'task' | 'exception', id: string, type: string, level: string, subject: { entityType: string; entityId: string }, assigneeId: string | null, at: string): WorkItemCreated {
    this.create(id, kind, 'open', assigneeId);
    const start = Date.parse(at);
    return {
      ref: this.nextRef(kind === 'task' ? 'T' : 'E'),
      status: 'open',
      assigneeId,
      facts: {
        type, level, slaBreached: false, escalation: { ...FAKE_SLA.escalation },
        slaDeadlineAt: new Date(start + FAKE_SLA.deadlineMinutes * MINUTE).toISOString(),
        slaWarningAt: new Date(start + FAKE_SLA.deadlineMinutes * FAKE_SLA.warningFraction * MINUTE).toISOString(),
        subjectType: subject.entityType, subjectId: subject.entityId,
      },
    };
  }

  private alreadyCommitted(entityId: string, transitionId: string): ChangeOutcome | undefined {
    const earlier = this.committed.get(`${entityId}:${transitionId}`);
    return earlier ? { alreadyApplied: true, at: earlier.at, facts: {}, recorded: { before: earlier.before, after: earlier.after } } : undefined;
  }

  /** The activities object a Worker runs. */
  activities(): StoreActivities {
    return {
      recordInquiryCreated: (input) => this.record('recordInquiryCreated', input.inquiry.id, input, () => {
        this.create(input.inquiry.id, 'inquiry', 'new', null);
        return { id: input.inquiry.id, ref: this.nextRef('I'), status: 'new' as const, assigneeId: null, facts: { clientId: 'client-1', depositAmount: null } };
      }),
      recordBookingCreated: (input) => this.record('recordBookingCreated', input.booking.id, input, () => {
        const b = input.booking;
        const row = this.create(b.id, 'booking', 'draft', b.assigneeId ?? null);
        return {
          ref: this.nextRef('B'), status: row.status, assigneeId: row.assigneeId,
          facts: {
            clientId: b.clientId, modelId: b.modelId, locationId: b.locationId, startAt: b.startAt, endAt: b.endAt,
            priceTotal: b.priceTotal, depositRequired: b.depositRequired ?? null, inquiryId: b.inquiryId ?? null,
          },
        };
      }),
      amendBooking: (input) => this.record('amendBooking', input.bookingId, input, () => undefined),
      rescheduleBooking: (input) => this.record('rescheduleBooking', input.bookingId, input, () => undefined),
      confirmArrival: (input) => this.record('confirmArrival', input.bookingId, input, () => undefined),
      recordTaskCreated: (input) => this.record('recordTaskCreated', input.task.id, input, () =>
        this.workItem('task', input.task.id, input.task.type, input.task.priority, input.task, input.task.assigneeId ?? null, input.at)),
      recordExceptionCreated: (input) => this.record('recordExceptionCreated', input.exception.id, input, () =>
        this.workItem('exception', input.exception.id, input.exception.type, input.exception.severity, input.exception, input.exception.assigneeId ?? null, input.at)),
      markSlaBreached: (input) => this.record('markSlaBreached', input.id, input, (): SlaBreachOutcome => {
        const row = this.rows.get(input.id);
        const previousAssigneeId = row?.assigneeId ?? null;
        if (row) row.assigneeId = FAKE_OPS_MANAGER;
        return { alreadyApplied: false, assigneeId: FAKE_OPS_MANAGER, previousAssigneeId, level: 'critical', openException: (input.escalation.create_exception as { type: string; severity: string } | undefined) ?? null };
      }),
      applyTransition: (input) => this.record('applyTransition', input.entityId, input, (): ChangeOutcome => {
        const earlier = this.alreadyCommitted(input.entityId, input.transitionId);
        if (earlier) return earlier;
        const row = this.rows.get(input.entityId);
        if (!row) throw ApplicationFailure.create({ type: 'NOT_FOUND', message: `No ${input.entityType} ${input.entityId}.`, nonRetryable: true });
        // The real store's `UPDATE … WHERE status = from`: a stale `from` never moves the row.
        if (row.status !== input.from) {
          throw ApplicationFailure.create({
            type: 'CONFLICT', nonRetryable: true, message: `${input.entityType} ${input.entityId} is ${row.status} in the database, not ${input.from}.`,
            details: [{ expected: input.from, actual: row.status }],
          });
        }
        if (!((LIFECYCLES[input.entityType as LifecycleEntityType] as Lifecycle<string>).transitions[input.from] ?? []).includes(input.to)) {
          throw ApplicationFailure.create({ type: 'FAKE_STORE', nonRetryable: true, message: `the fake store was asked for ${input.from} → ${input.to}` });
        }
        row.status = input.to;
        this.committed.set(`${input.entityId}:${input.transitionId}`, { at: input.at, before: { status: input.from }, after: { status: input.to, ...input.data } });
        return { alreadyApplied: false, at: input.at, facts: {} };
      }),
      applyAssignment: (input) => this.record('applyAssignment', input.entityId, input, (): ChangeOutcome => {
        const earlier = this.alreadyCommitted(input.entityId, input.transitionId);
        if (earlier) return earlier;
        const row = this.rows.get(input.entityId);
        if (row) row.assigneeId = input.to;
        this.committed.set(`${input.entityId}:${input.transitionId}`, { at: input.at, before: { assigned_to: input.from }, after: { assigned_to: input.to } });
        return { alreadyApplied: false, at: input.at, facts: {} };
      }),
      addNote: (input) => this.record('addNote', input.entityId, input, (): ChangeOutcome => {
        const earlier = this.alreadyCommitted(input.entityId, input.transitionId);
        if (earlier) return earlier;
        this.committed.set(`${input.entityId}:${input.transitionId}`, { at: input.at, before: {}, after: { note: input.text } });
        return { alreadyApplied: false, at: input.at, facts: {} };
      }),
      recordEvent: (input) => this.record('recordEvent', input.entityId, input, () => ({ eventId: randomUUID() })),
    };
  }

  /** The event types recorded for an entity by recordEvent (timer events), in order. */
  events(entityId: string): string[] {
    return this.callsOf('recordEvent', entityId).map((c) => String(c.input.eventType));
  }
}

export interface WorkflowHarness {
  readonly env: TestWorkflowEnvironment;
  readonly store: FakeStore;
  /** The test server's clock (epoch ms). */
  now(): Promise<number>;
  startInquiry(overrides?: Partial<NewInquiry>, extra?: Partial<Omit<InquiryWorkflowInput, 'inquiry'>>): Promise<Started>;
  startBooking(overrides?: Partial<NewBooking>, extra?: Partial<Omit<BookingWorkflowInput, 'booking'>>, options?: StartOptions): Promise<Started & { booking: NewBooking }>;
  startTask(overrides?: Partial<NewTask>, extra?: Partial<Omit<TaskWorkflowInput, 'task'>>): Promise<Started>;
  startException(overrides?: Partial<NewException>, extra?: Partial<Omit<ExceptionWorkflowInput, 'exception'>>): Promise<Started>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /**
   * A local activity that runs longer than this keeps its workflow task open (heartbeating it at
   * 80 % of the timeout), and Updates sent meanwhile are only accepted at that heartbeat. Tests
   * that hold a store call on purpose shorten it (default 10 s).
   */
  readonly workflowTaskTimeout?: string;
}

export interface Started {
  readonly created: Created;
  /** Follows the workflow across continue-as-new (no run id bound). */
  readonly handle: WorkflowHandleWithFirstExecutionRunId;
}

let runtimeInstalled = false;

/** One time-skipping server, one fake store and the workers for the lifecycle queue and the activity queues. */
export async function startWorkflowHarness(): Promise<WorkflowHarness> {
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    // Update failures (the point of many tests) are logged by the SDK at WARN: keep the output readable.
    try {
      const level = process.env.TEST_LOG_LEVEL === 'debug' ? 'DEBUG' : 'ERROR';
      Runtime.install({ logger: new DefaultLogger(level), telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: level }), forward: {} } } });
    } catch {
      // Already installed in this process: keep it.
    }
  }
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: await resolveTemporalTestServer() } } });
  const namespace = env.namespace ?? 'default';
  await addSearchAttributesBlindly(env.nativeConnection, namespace);
  const now = () => env.currentTimeMs();
  const store = new FakeStore(now);
  const activities = store.activities();
  const workflowWorker = await Worker.create({
    connection: env.nativeConnection, namespace, taskQueue: WORKFLOW_TASK_QUEUE, workflowsPath: WORKFLOWS_PATH,
    // Row writes are local activities: they run on the workflow worker.
    activities,
  });
  const activityWorkers = await Promise.all(ACTIVITY_QUEUES.map((taskQueue) =>
    Worker.create({ connection: env.nativeConnection, namespace, taskQueue, activities })));
  const workers = [workflowWorker, ...activityWorkers];
  const running = Promise.all(workers.map((w) => w.run()));
  const client = env.client;

  async function start<I extends { requestId?: string | undefined }>(workflowType: string, workflowId: string, input: I, options: StartOptions = {}): Promise<Started> {
    // The time-skipping server has no update-with-start: start, then wait for the row (services/lifecycle-commands.ts plainStart).
    const requestId = input.requestId ?? randomUUID();
    const handle = await client.workflow.start(workflowType, { workflowId, taskQueue: WORKFLOW_TASK_QUEUE, args: [{ ...input, requestId }], ...options });
    return { created: await handle.executeUpdate(awaitCreatedUpdate, { args: [requestId] }), handle };
  }

  return {
    env,
    store,
    now,
    startInquiry(overrides = {}, extra = {}) {
      const id = randomUUID();
      const inquiry: NewInquiry = { id, source: 'web', externalRef: id, priority: 'normal', clientName: 'Test Client', ...overrides };
      return start(inquiryWorkflowType, inquiryWorkflowId({ id, source: 'web', externalRef: id }), { inquiry, actor: system, ...extra });
    },
    async startBooking(overrides = {}, extra = {}, options = {}) {
      const startAt = (await now()) + 24 * HOUR;
      const booking: NewBooking = {
        id: randomUUID(), clientId: 'client-1', modelId: 'model-1', locationId: 'location-1',
        startAt: new Date(startAt).toISOString(), endAt: new Date(startAt + 2 * HOUR).toISOString(), priceTotal: '550.00', ...overrides,
      };
      return { ...(await start(bookingWorkflowType, bookingWorkflowId(booking.id), { booking, actor: system, ...extra }, options)), booking };
    },
    startTask(overrides = {}, extra = {}) {
      const task: NewTask = { id: randomUUID(), type: 'confirm_booking', subject: 'Confirm the booking', priority: 'high', entityType: 'booking', entityId: randomUUID(), ...overrides };
      return start(taskWorkflowType, taskWorkflowId(task.id), { task, actor: system, ...extra });
    },
    startException(overrides = {}, extra = {}) {
      const exception: NewException = { id: randomUUID(), type: 'mismatch', severity: 'medium', summary: 'Mismatch', entityType: 'booking', entityId: randomUUID(), ...overrides };
      return start(exceptionWorkflowType, exceptionWorkflowId(exception.id), { exception, actor: system, ...extra });
    },
    async stop() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
      await env.teardown();
    },
  };
}

/** A transition Update, as the API sends it (a fresh transition id unless given). */
export function transition(
  handle: WorkflowHandle, to: LifecycleStatus, options: { transitionId?: string; data?: Record<string, unknown>; actor?: Actor; updateId?: string; reason?: string } = {},
): Promise<TransitionResult> {
  return handle.executeUpdate(transitionUpdate, {
    ...(options.updateId ? { updateId: options.updateId } : {}),
    args: [{ to, transitionId: options.transitionId ?? randomUUID(), actor: options.actor ?? system, data: options.data, reason: options.reason }],
  });
}

export function snapshot(handle: WorkflowHandle): Promise<LifecycleSnapshot> {
  return handle.query(lifecycleStateQuery);
}

/** What an Update's rejection carried: the ApplicationFailure's type, message and first detail. */
export interface Refusal {
  readonly type: string | undefined | null;
  readonly message: string;
  readonly details: Record<string, unknown> | undefined;
}

/** Awaits a promise that must be refused with an ApplicationFailure; returns what it carried. */
export async function refusal(promise: Promise<unknown>): Promise<Refusal> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    // An Update's failure arrives as WorkflowUpdateFailedError with the workflow's ApplicationFailure as its cause.
    const failure = error instanceof ApplicationFailure ? error : (error as { cause?: unknown }).cause;
    if (!(failure instanceof ApplicationFailure)) throw error;
    return { type: failure.type, message: failure.message, details: failure.details?.[0] as Record<string, unknown> | undefined };
  }
  throw new Error(`expected a refusal, got ${JSON.stringify(outcome)}`);
}

/** Gives the workers a moment of real time, to show that nothing fires (a timer's task, had it been due, would have run). */
export async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 500));
}

/** Work triggered by a skipped timer runs on the workers asynchronously: tests wait for it in real time. */
export { until };
