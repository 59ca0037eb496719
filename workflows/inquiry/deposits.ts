/**
 * An inquiry's deposit (issue 12 item 1): asked of the client while the inquiry is
 * `awaiting_deposit` ("the client agreed, a deposit is needed"), before any booking exists.
 * The same messages as the booking's (booking/messages.ts): `requestDeposit` is an Update whose
 * validator checks domain/payments.ts before history and whose Stripe call is an activity on the
 * `critical` queue; Stripe's webhooks arrive as the `paymentNotice` Signal, checked by the same
 * payment rules before the lifecycle's lock and again under it, written by one local activity.
 *
 * The payment belongs to the inquiry until it is converted; conversion gives it to the booking
 * (activities/store/bookings.ts), so the booking starts with its deposit paid. A paid deposit
 * does not convert the inquiry here (a booking needs a model, a time and a price the operator
 * chooses): it records `payment.succeeded` (the automation engine's event), stops the deposit
 * reminder, and starts a `convert_inquiry` task for the inquiry's operator, which puts it in
 * their Action Center.
 */
import { ParentClosePolicy, log, setHandler, startChild, uuid4 } from '@temporalio/workflow';
import type { InquiryStatus } from '../../domain/lifecycles.ts';
import { assertInquiryDepositRequestable, assertRetryable } from '../../domain/payments.ts';
import { paymentNoticeSignal, requestDepositUpdate, type PaymentNotice } from '../booking/messages.ts';
import { toFailure } from '../failures.ts';
import type { LifecycleMachine } from '../lifecycle/core.ts';
import { noticeWrites, paymentCalls, paymentNoticeHandler, requestDepositOnce } from '../lifecycle/payments.ts';
import { SA_ENTITY_TYPE } from '../search-attributes.ts';
import { WORKFLOW_TASK_QUEUE } from '../task-queues.ts';
import { taskWorkflowId, taskWorkflowType, type TaskWorkflowInput } from '../work-item/messages.ts';
import type { InquiryFacts } from './messages.ts';

type InquiryMachine = LifecycleMachine<InquiryStatus, InquiryFacts>;

/** The task a paid deposit gives the inquiry's operator: convert it into its booking. */
export const CONVERT_INQUIRY_TASK = 'convert_inquiry';

const appliedNotice = (notice: PaymentNotice, applied: boolean, taskId: string | null) =>
  log.info('inquiry payment notice applied', { eventId: notice.eventId, kind: notice.kind, applied, taskId });

async function startConversionTask(machine: InquiryMachine, notice: PaymentNotice, transitionId: string): Promise<string> {
  const { entityId, ref, assigneeId } = machine.state;
  const taskId = uuid4();
  const input: TaskWorkflowInput = {
    task: {
      id: taskId, type: CONVERT_INQUIRY_TASK, priority: 'high', entityType: 'inquiry', entityId,
      subject: `Deposit paid on ${ref ?? 'an inquiry'}: convert it to a booking`, assigneeId: assigneeId ?? undefined,
      details: { reason: 'deposit_paid' },
    },
    actor: { type: 'system' },
    requestId: `${transitionId}:task`,
  };
  await startChild(taskWorkflowType, {
    workflowId: taskWorkflowId(taskId),
    taskQueue: WORKFLOW_TASK_QUEUE,
    args: [input],
    // The task lives on after the inquiry's lifecycle closes.
    parentClosePolicy: ParentClosePolicy.ABANDON,
    typedSearchAttributes: [{ key: SA_ENTITY_TYPE, value: 'task' }],
    staticSummary: `Convert inquiry ${ref ?? entityId} (deposit paid)`,
  });
  appliedNotice(notice, true, taskId);
  return taskId;
}

/** Re-checked under the lock too: a change queued before this one may have moved the inquiry on. */
function assertRequestable(machine: InquiryMachine): void {
  try {
    assertInquiryDepositRequestable(machine.state.status, machine.state.facts.depositAmount, machine.state.facts.depositStatus);
  } catch (error) {
    throw toFailure(error);
  }
}

export function registerInquiryDeposits(machine: InquiryMachine): void {
  setHandler(
    requestDepositUpdate,
    (request) => requestDepositOnce(machine, request.transitionId, {
      recheck: () => assertRequestable(machine),
      call: () => paymentCalls.requestInquiryDepositIntent({ ...request, inquiryId: machine.state.entityId, paymentId: uuid4() }),
    }),
    {
      validator: (request) => {
        if (machine.previous(request.transitionId)) return;
        assertRequestable(machine);
        try {
          assertRetryable(request.retryOf ? machine.state.facts.payments?.[request.retryOf] : undefined);
        } catch (error) {
          throw toFailure(error);
        }
      },
    },
  );

  setHandler(paymentNoticeSignal, paymentNoticeHandler(machine, {
    owner: (inquiryId) => ({ inquiryId }),
    apply: ({ transitionId, notice }) => noticeWrites.applyInquiryPaymentNotice({ inquiryId: machine.state.entityId, transitionId, notice }),
    // The conversion is the operator's next step; a deposit paid after the inquiry moved on needs none.
    after: (notice, transitionId, outcome) => {
      if (outcome.applied && notice.kind === 'succeeded' && machine.state.status === 'awaiting_deposit') return startConversionTask(machine, notice, transitionId);
      appliedNotice(notice, outcome.applied, null);
      return undefined;
    },
  }));
}
