/**
 * An inquiry's lifecycle: new → qualified → awaiting_client → awaiting_deposit → converted
 * (lost / spam). A durable reminder fires 2 hours into awaiting_deposit unless the inquiry moves
 * on first. Conversion starts the booking's own lifecycle and waits for the booking to exist.
 */
import { ParentClosePolicy, condition, continueAsNew, setHandler, startChild, uuid4, workflowInfo } from '@temporalio/workflow';
import { newBookingProblem } from '../../domain/booking.ts';
import { DomainError } from '../../domain/errors.ts';
import { REASON_REQUIRED_TO, closingReason } from '../../domain/guards.ts';
import { convertedDeposit } from '../../domain/inquiry.ts';
import { inquiryLifecycle as lifecycle, type InquiryStatus } from '../../domain/lifecycles.ts';
import { assertTransition } from '../../domain/transitions.ts';
import { bookingCreatedSignal, bookingWorkflowId, bookingWorkflowType, type BookingWorkflowInput } from '../booking/messages.ts';
import { toFailure } from '../failures.ts';
import type { LifecycleDefinition, LifecycleMachine } from '../lifecycle/core.ts';
import { runEntityLifecycle } from '../lifecycle/entity-workflow.ts';
import { SA_BOOKING_START, SA_ENTITY_TYPE } from '../search-attributes.ts';
import { LIFECYCLE_WORKFLOW_TASK_TIMEOUT, WORKFLOW_TASK_QUEUE } from '../task-queues.ts';
import { convertToBookingUpdate, type ConvertToBookingResult, type InquiryFacts, type InquiryWorkflowInput } from './messages.ts';
import { notificationEvents, storeWrites } from '../lifecycle/store.ts';
import { registerClientReplies } from './client-replies.ts';
import { registerInquiryDeposits } from './deposits.ts';


export const DEPOSIT_REMINDER_MS = 2 * 60 * 60 * 1000;

const definition: LifecycleDefinition<InquiryStatus, InquiryFacts> = {
  lifecycle,
  transitionFacts(_from, to, _state, request) {
    // lost / spam record why (the guard has made sure there is a reason): closedReason or the reason.
    const closedReason = REASON_REQUIRED_TO.inquiry.includes(to) ? closingReason(request.data, request.reason) : undefined;
    return closedReason ? { closedReason } : {};
  },
  timers(state) {
    // A paid deposit needs no reminder: the inquiry waits for its conversion now.
    if (state.status !== 'awaiting_deposit' || state.facts.depositStatus === 'paid') return [];
    return [{ name: 'deposit_reminder', at: Date.parse(state.statusSince) + DEPOSIT_REMINDER_MS, description: 'deposit reminder (2 h without a deposit)' }];
  },
  async onTimer(timer, machine) {
    await notificationEvents.recordEvent({
      entityType: 'inquiry',
      entityId: machine.state.entityId,
      eventType: 'inquiry.deposit_reminder_due',
      transitionId: `timer:${timer.name}:${timer.at}`,
      payload: { ref: machine.state.ref, deposit_amount: machine.state.facts.depositAmount ?? null, awaiting_since: machine.state.statusSince, assigned_to: machine.state.assigneeId },
    });
  },
  searchAttributes: () => [{ key: SA_ENTITY_TYPE, value: 'inquiry' }],
};

function registerConversion(machine: LifecycleMachine<InquiryStatus, InquiryFacts>): void {
  let createdBooking: { bookingId: string; ref: string } | undefined;
  setHandler(bookingCreatedSignal, (booking) => {
    createdBooking = booking;
  });
  setHandler(
    convertToBookingUpdate,
    (request) =>
      machine.exclusive(async (): Promise<ConvertToBookingResult> => {
        const inquiryId = machine.state.entityId;
        // The booking id is fixed before its workflow starts, so a retry finds the same booking.
        const bookingId = machine.state.facts.bookingId ?? uuid4();
        const workflowId = bookingWorkflowId(bookingId);
        if (machine.previous(request.transitionId)) return { inquiryId, bookingId, bookingRef: String(machine.state.facts.bookingRef), bookingWorkflowId: workflowId, duplicate: true };
        const clientId = request.booking.clientId ?? machine.state.facts.clientId ?? undefined;
        if (!clientId) throw toFailure(new DomainError('VALIDATION', 'The inquiry has no client: give booking.clientId.', { field: 'booking.clientId' }));
        machine.adoptFacts({ bookingId });
        const bookingInput: BookingWorkflowInput = {
          booking: { ...request.booking, id: bookingId, inquiryId, clientId, depositRequired: convertedDeposit(request.booking.depositRequired, machine.state.facts.depositAmount) },
          actor: request.actor,
          requestId: request.transitionId,
          holdMinutes: request.holdMinutes,
          notifyInquiryWorkflowId: workflowInfo().workflowId,
        };
        await startChild(bookingWorkflowType, {
          workflowId,
          taskQueue: WORKFLOW_TASK_QUEUE,
          workflowTaskTimeout: LIFECYCLE_WORKFLOW_TASK_TIMEOUT,
          args: [bookingInput],
          // The booking lives on after the inquiry's lifecycle closes.
          parentClosePolicy: ParentClosePolicy.ABANDON,
          typedSearchAttributes: [{ key: SA_ENTITY_TYPE, value: 'booking' }, { key: SA_BOOKING_START, value: new Date(request.booking.startAt) }],
          staticSummary: `Booking from inquiry ${machine.state.ref}`,
        });
        // The booking's first activity commits its row, then it signals back (or fails to create).
        await condition(() => createdBooking?.bookingId === bookingId);
        const booking = createdBooking as { bookingId: string; ref: string };
        machine.adoptFacts({ bookingRef: booking.ref });
        const result = await machine.applyTransition(
          { to: 'converted', transitionId: request.transitionId, actor: request.actor, reason: `converted to booking ${booking.ref}` },
          { bookingId },
        );
        return { inquiryId, bookingId, bookingRef: booking.ref, bookingWorkflowId: workflowId, duplicate: result.duplicate };
      }),
    {
      validator: (request) => {
        if (machine.previous(request.transitionId)) return;
        try {
          assertTransition(lifecycle, machine.state.status, 'converted');
        } catch (error) {
          throw toFailure(error);
        }
        const problem = newBookingProblem(request.booking);
        if (problem) throw toFailure(new DomainError('VALIDATION', problem.message, { field: problem.field }));
      },
    },
  );
}

export async function inquiryLifecycle(input: InquiryWorkflowInput): Promise<void> {
  await runEntityLifecycle({
    entityId: input.inquiry.id,
    definition,
    input,
    now: new Date().toISOString(),
    registerExtraHandlers: (machine) => {
      registerConversion(machine);
      registerClientReplies(machine);
      registerInquiryDeposits(machine);
    },
    create: () => storeWrites.recordInquiryCreated({ inquiry: input.inquiry, actor: input.actor, transitionId: `create:${input.requestId ?? input.inquiry.id}` }),
    continueAsNew: (carried) => continueAsNew<typeof inquiryLifecycle>({ ...input, carried }),
  });
}
