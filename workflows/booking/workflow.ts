/**
 * A booking's lifecycle: draft → pending → (deposit_required) → confirmed → in_progress →
 * completed, with durable timers: a held booking expires, a confirmed one announces
 * `booking.approaching` 30 minutes before its start, then its start and its end.
 */
import { continueAsNew, getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import {
  APPROACHING_MINUTES, AWAITING_CONFIRMATION_STATUSES, DEFAULT_HOLD_MINUTES, RUNNING_STATUSES, SCHEDULED_STATUSES, amendmentProblem, arrivalConfirmationProblem,
  rescheduleProblem,
} from '../../domain/booking.ts';
import { DomainError } from '../../domain/errors.ts';
import { bookingLifecycle as lifecycle, type BookingStatus } from '../../domain/lifecycles.ts';
import { toFailure } from '../failures.ts';
import { type LifecycleMachine, activity, type LifecycleDefinition, type TimerSpec } from '../lifecycle/core.ts';
import { runEntityLifecycle } from '../lifecycle/entity-workflow.ts';
import { SA_BOOKING_START, SA_ENTITY_TYPE, SA_MODEL } from '../search-attributes.ts';
import { amendUpdate, bookingCreatedSignal, confirmArrivalUpdate, rescheduleUpdate, type BookingFacts, type BookingWorkflowInput } from './messages.ts';
import { notificationEvents, storeWrites } from '../lifecycle/store.ts';
import { registerPaymentHandlers } from './payments.ts';


const MINUTE = 60_000;

type BookingMachine = LifecycleMachine<BookingStatus, BookingFacts>;

function definition(holdMinutes: number): LifecycleDefinition<BookingStatus, BookingFacts> {
  return {
    lifecycle,
    transitionFacts(_from, to, state): Partial<BookingFacts> {
      // The hold starts when the booking first waits for confirmation.
      if (AWAITING_CONFIRMATION_STATUSES.includes(to) && !state.facts.expiresAt) {
        return { expiresAt: new Date(Date.now() + holdMinutes * MINUTE).toISOString() };
      }
      return {};
    },
    timers(state) {
      const f = state.facts;
      const timers: TimerSpec[] = [];
      if (AWAITING_CONFIRMATION_STATUSES.includes(state.status) && typeof f.expiresAt === 'string') {
        timers.push({ name: 'expiry', at: Date.parse(f.expiresAt), description: 'expires unless confirmed' });
      }
      const start = Date.parse(String(f.startAt));
      const end = Date.parse(String(f.endAt));
      if (SCHEDULED_STATUSES.includes(state.status)) {
        timers.push({ name: 'approaching', at: start - APPROACHING_MINUTES * MINUTE, description: `booking.approaching (${APPROACHING_MINUTES} min before start)` });
        timers.push({ name: 'start', at: start, description: 'start time reached' });
      }
      if (RUNNING_STATUSES.includes(state.status)) {
        timers.push({ name: 'end', at: end, description: 'end time reached' });
      }
      return timers;
    },
    async onTimer(timer, machine) {
      if (timer.name === 'expiry') {
        await machine.applyTransition({ to: 'expired', transitionId: `timer:expiry:${timer.at}`, actor: { type: 'system' }, reason: 'hold time elapsed without confirmation' });
        return;
      }
      const eventType = { approaching: 'booking.approaching', start: 'booking.start_reached', end: 'booking.end_reached' }[timer.name];
      if (!eventType) return;
      const f = machine.state.facts;
      await notificationEvents.recordEvent({
        entityType: 'booking',
        entityId: machine.state.entityId,
        eventType,
        transitionId: `timer:${timer.name}:${timer.at}`,
        payload: {
          ref: machine.state.ref, status: machine.state.status, start_at: f.startAt, end_at: f.endAt, model_id: f.modelId,
          client_id: f.clientId, minutes_until_start: Math.round((Date.parse(String(f.startAt)) - Date.now()) / MINUTE),
          client_confirmed_arrival: f.clientConfirmedArrival ?? false, assigned_to: machine.state.assigneeId,
        },
      });
    },
    searchAttributes(state) {
      return [
        { key: SA_ENTITY_TYPE, value: 'booking' },
        { key: SA_MODEL, value: typeof state.facts.modelId === 'string' ? state.facts.modelId : null },
        { key: SA_BOOKING_START, value: typeof state.facts.startAt === 'string' ? new Date(state.facts.startAt) : null },
      ];
    },
  };
}

function registerAmend(machine: BookingMachine): void {
  setHandler(
    amendUpdate,
    (request) =>
      machine.change(request.transitionId, async () => {
        const { terms, transitionId, actor, reason } = request;
        // The store checks the references exist; committed now or by an earlier attempt, adopt the terms.
        await activity(() => storeWrites.amendBooking({ bookingId: machine.state.entityId, terms, transitionId, actor, reason }));
        machine.adoptFacts(Object.fromEntries(Object.entries(terms).filter(([, v]) => v !== undefined)) as Partial<BookingFacts>);
        return false;
      }),
    {
      validator: (request) => {
        const problem = amendmentProblem(request.terms, machine.state.status);
        if (problem) throw toFailure(new DomainError('VALIDATION', `Cannot amend: ${problem.field}: ${problem.message}.`, { field: problem.field, status: machine.state.status }));
      },
    },
  );
}

function registerArrivalConfirmation(machine: BookingMachine): void {
  setHandler(
    confirmArrivalUpdate,
    (request) =>
      machine.change(request.transitionId, async () => {
        // Already confirmed (by another request): nothing to record again.
        if (machine.state.facts.clientConfirmedArrival) return true;
        const { transitionId, actor, note } = request;
        await activity(() => storeWrites.confirmArrival({ bookingId: machine.state.entityId, transitionId, actor, note }));
        machine.adoptFacts({ clientConfirmedArrival: true });
        return false;
      }),
    {
      validator: (_request) => {
        const problem = arrivalConfirmationProblem(machine.state.status);
        if (problem) throw toFailure(new DomainError('VALIDATION', `Cannot confirm the client's arrival: ${problem.message}.`, { field: problem.field, status: machine.state.status }));
      },
    },
  );
}

function registerBookingHandlers(machine: BookingMachine): void {
  registerReschedule(machine);
  registerAmend(machine);
  registerArrivalConfirmation(machine);
  registerPaymentHandlers(machine);
}

function registerReschedule(machine: BookingMachine): void {
  setHandler(
    rescheduleUpdate,
    (request) =>
      machine.change(request.transitionId, async () => {
        const { startAt, endAt, transitionId, actor, reason } = request;
        // Committed either now or by an earlier attempt of this same request: adopt the times.
        await activity(() => storeWrites.rescheduleBooking({ bookingId: machine.state.entityId, startAt, endAt, transitionId, actor, reason }));
        machine.adoptFacts({ startAt, endAt });
        return false;
      }),
    {
      validator: (request) => {
        const problem = rescheduleProblem(request, machine.state.status);
        if (problem) throw toFailure(new DomainError('VALIDATION', `Cannot reschedule: ${problem.message}.`, { field: problem.field, status: machine.state.status }));
      },
    },
  );
}

export async function bookingLifecycle(input: BookingWorkflowInput): Promise<void> {
  const holdMinutes = input.holdMinutes ?? DEFAULT_HOLD_MINUTES;
  await runEntityLifecycle({
    entityId: input.booking.id,
    definition: definition(holdMinutes),
    input,
    now: new Date().toISOString(),
    registerExtraHandlers: registerBookingHandlers,
    create: async () => {
      const row = await storeWrites.recordBookingCreated({ booking: input.booking, actor: input.actor, transitionId: `create:${input.requestId ?? input.booking.id}` });
      if (input.notifyInquiryWorkflowId) {
        await getExternalWorkflowHandle(input.notifyInquiryWorkflowId).signal(bookingCreatedSignal, { bookingId: input.booking.id, ref: row.ref });
      }
      return row;
    },
    continueAsNew: (carried) => continueAsNew<typeof bookingLifecycle>({ ...input, carried }),
  });
}
