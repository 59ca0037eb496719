/**
 * The booking's money, through its lifecycle: deposit intents and refunds are Updates (their
 * validators check domain/payments.ts before history; the handlers run under the lifecycle's
 * FIFO lock, so two refunds of one payment never run at once), and the provider's webhooks
 * arrive as the `paymentNotice` Signal, checked by the same rules before the lock and again
 * under it. Every Stripe call is an activity on the `critical` queue (seed §9); a notice's
 * database write is a local activity with that queue's policy (workflows/lifecycle/payments.ts,
 * shared with the inquiry's deposit).
 *
 * A paid deposit does not confirm the booking here: it records the payment and emits
 * `payment.succeeded`, and the automation rule "confirm booking when deposit paid" decides.
 */
import { setHandler, uuid4 } from '@temporalio/workflow';
import { DomainError } from '../../domain/errors.ts';
import { MONEY_PATTERN } from '../../domain/formats.ts';
import { assertDepositRequestable, assertRetryable } from '../../domain/payments.ts';
import type { BookingStatus } from '../../domain/lifecycles.ts';
import { toFailure } from '../failures.ts';
import type { LifecycleMachine } from '../lifecycle/core.ts';
import { noticeWrites, paymentCalls, paymentNoticeHandler, refundOnce, requestDepositOnce } from '../lifecycle/payments.ts';
import { paymentNoticeSignal, refundPaymentUpdate, requestDepositUpdate, type BookingFacts } from './messages.ts';

type BookingMachine = LifecycleMachine<BookingStatus, BookingFacts>;

function registerDeposits(machine: BookingMachine): void {
  setHandler(
    requestDepositUpdate,
    (request) => requestDepositOnce(machine, request.transitionId, {
      call: () => paymentCalls.requestDepositIntent({ ...request, bookingId: machine.state.entityId, paymentId: uuid4() }),
    }),
    {
      validator: (request) => {
        if (machine.previous(request.transitionId)) return;
        try {
          assertDepositRequestable(machine.state.status, machine.state.facts.depositRequired, machine.state.facts.depositStatus);
          assertRetryable(request.retryOf ? machine.state.facts.payments?.[request.retryOf] : undefined);
        } catch (error) {
          throw toFailure(error);
        }
      },
    },
  );
}

function registerRefunds(machine: BookingMachine): void {
  setHandler(
    refundPaymentUpdate,
    (request) => refundOnce(machine, request.transitionId, {
      call: () => paymentCalls.refundPayment({ ...request, bookingId: machine.state.entityId, refundId: uuid4() }),
    }),
    {
      validator: (request) => {
        if (machine.previous(request.transitionId)) return;
        if (request.amount !== undefined && (!MONEY_PATTERN.test(request.amount) || Number(request.amount) <= 0)) {
          throw toFailure(new DomainError('VALIDATION', 'Invalid input: amount: a positive amount such as "25.00"', { field: 'amount' }));
        }
        const known = machine.state.facts.payments?.[request.paymentId];
        if (known && known.status !== 'succeeded') {
          throw toFailure(new DomainError('CONFLICT', `Only a succeeded payment can be refunded; this one is ${known.status}.`, { field: 'paymentId', status: known.status }));
        }
      },
    },
  );
}

export function registerPaymentHandlers(machine: BookingMachine): void {
  registerDeposits(machine);
  registerRefunds(machine);
  setHandler(paymentNoticeSignal, paymentNoticeHandler(machine, {
    owner: (bookingId) => ({ bookingId }),
    apply: ({ transitionId, notice }) => noticeWrites.applyPaymentNotice({ bookingId: machine.state.entityId, transitionId, notice }),
  }));
}
