/**
 * What the lifecycles that hold payments share (a booking's, and an inquiry's before its
 * conversion; the messages are the booking's, booking/messages.ts): the activity proxies, how a
 * payment the store reports is adopted into the facts, how a payment command (deposit intent,
 * refund) runs once per transition id and what it answers, and how the provider's notices are
 * checked, applied and settled. Each handler issues its commands in the order it did before
 * these were shared, so running workflows replay unchanged.
 */
import { log, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { PaymentActivities } from '../../activities/payments/index.ts';
import type { LifecycleStatus } from '../../domain/lifecycles.ts';
import { paymentNoticeProblem } from '../../domain/payments.ts';
import type { DepositIntent, KnownPayment, PaymentNotice, RefundResult } from '../booking/messages.ts';
import { activityQueueOptions } from '../task-queues.ts';
import { activity, type LifecycleMachine } from './core.ts';
import type { ChangeResult } from './messages.ts';

/** Stripe calls: ordinary activities on the `critical` queue. */
export const paymentCalls = proxyActivities<PaymentActivities>(activityQueueOptions.critical);
/**
 * A notice's database write (no Stripe call): a local activity, as the lifecycle store's writes
 * are (workflows/lifecycle/store.ts), with the `critical` queue's timeout and retries; keyed by
 * the event id, so a re-run after a crash changes nothing twice.
 */
export const noticeWrites = proxyLocalActivities<PaymentActivities>({
  startToCloseTimeout: activityQueueOptions.critical.startToCloseTimeout, retry: activityQueueOptions.critical.retry,
});

/** What a payment-holding lifecycle keeps of its payments. */
export interface PaymentFacts {
  readonly depositStatus?: string;
  /** By our payment id (deposits, their refunds' totals). */
  readonly payments?: Readonly<Record<string, KnownPayment>>;
}

type PaymentMachine<S extends LifecycleStatus, F extends PaymentFacts> = LifecycleMachine<S, F>;

/** Adopts a payment as the store committed it (and the entity's deposit status, when it changed). */
export function adoptPayment<S extends LifecycleStatus, F extends PaymentFacts>(
  machine: PaymentMachine<S, F>, paymentId: string, payment: KnownPayment, depositStatus?: string,
): void {
  machine.adoptFacts({
    payments: { ...machine.state.facts.payments, [paymentId]: payment },
    ...(depositStatus ? { depositStatus } : {}),
  } as Partial<F>);
}

/** Why the lifecycle refuses this notice from what it knows (null: apply, or let the store decide). */
function noticeProblem<S extends LifecycleStatus, F extends PaymentFacts>(machine: PaymentMachine<S, F>, notice: PaymentNotice): string | null {
  const entry = Object.entries(machine.state.facts.payments ?? {}).find(([id, p]) => p.providerRef === notice.providerRef || id === notice.paymentId);
  return entry ? paymentNoticeProblem(entry[1], { kind: notice.kind, occurredAt: notice.occurredAt, amountRefunded: notice.amountRefunded }) : null;
}

/** What a payment command's activity reports besides its answer: the payment as it now stands. */
interface PaymentOutcome {
  readonly paymentId: string;
  readonly payment: KnownPayment;
  readonly depositStatus?: string;
}

type Answer<R> = Omit<R, 'entityId' | 'transitionId' | 'duplicate'>;

/**
 * A payment command under the lifecycle's lock, once per transition id: a repeat gets the first
 * answer back marked duplicate; otherwise `recheck` (what may have changed while it queued), the
 * Stripe call through its activity, the payment adopted, the answer remembered.
 */
function paymentCommand<S extends LifecycleStatus, F extends PaymentFacts, O extends PaymentOutcome, R extends ChangeResult>(
  machine: PaymentMachine<S, F>, transitionId: string, steps: { recheck?: () => void; call: () => Promise<O>; answer: (outcome: O) => Answer<R> },
): Promise<R> {
  return machine.exclusive(async (): Promise<R> => {
    const earlier = machine.previous<R>(transitionId);
    if (earlier) return { ...earlier, duplicate: true };
    steps.recheck?.();
    const outcome = await activity(steps.call);
    adoptPayment(machine, outcome.paymentId, outcome.payment, outcome.depositStatus);
    const result = { entityId: machine.state.entityId, transitionId, ...steps.answer(outcome), duplicate: false } as R;
    machine.remember(transitionId, result);
    return result;
  });
}

/** The deposit intent a request for a deposit answers: what the client's payment page needs. */
export function requestDepositOnce<S extends LifecycleStatus, F extends PaymentFacts>(
  machine: PaymentMachine<S, F>, transitionId: string, steps: { recheck?: () => void; call: () => Promise<PaymentOutcome & Answer<DepositIntent>> },
): Promise<DepositIntent> {
  return paymentCommand<S, F, PaymentOutcome & Answer<DepositIntent>, DepositIntent & ChangeResult>(machine, transitionId, {
    ...steps,
    answer: (o) => ({ paymentId: o.paymentId, providerRef: o.providerRef, clientSecret: o.clientSecret, amount: o.amount, currency: o.currency }),
  });
}

/** The refund a refund request answers. */
export function refundOnce<S extends LifecycleStatus, F extends PaymentFacts>(
  machine: PaymentMachine<S, F>, transitionId: string, steps: { call: () => Promise<PaymentOutcome & Answer<RefundResult>> },
): Promise<RefundResult> {
  return paymentCommand<S, F, PaymentOutcome & Answer<RefundResult>, RefundResult & ChangeResult>(machine, transitionId, {
    ...steps,
    answer: (o) => ({ refundId: o.refundId, paymentId: o.paymentId, providerRef: o.providerRef, amount: o.amount, currency: o.currency }),
  });
}

/** What applying a notice reported (activities/payments/notices.ts NoticeOutcome). */
interface AppliedNotice {
  readonly applied: boolean;
  readonly paymentId?: string | undefined;
  readonly payment?: KnownPayment | undefined;
  readonly depositStatus?: string | undefined;
}

/**
 * The `paymentNotice` Signal's handler: the notice is checked against the payment rules before
 * the lock (as an Update's validator would) and again under it; `apply` writes it (one local
 * activity), its payment is adopted, `after` starts what the entity does next (awaited only when
 * it starts something), and the change is remembered. A refused notice is settled `ignored` with the reason; a failure `failed`.
 * A signal has no caller: nothing may escape this handler (it would fail the workflow task).
 */
export function paymentNoticeHandler<S extends LifecycleStatus, F extends PaymentFacts, O extends AppliedNotice>(
  machine: PaymentMachine<S, F>, options: {
    /** Whose notice the webhook row is settled as (`bookingId` or `inquiryId`). */
    readonly owner: (entityId: string) => { bookingId: string } | { inquiryId: string };
    readonly apply: (input: { transitionId: string; notice: PaymentNotice }) => Promise<O>;
    readonly after?: (notice: PaymentNotice, transitionId: string, outcome: O) => Promise<unknown> | undefined;
  },
): (notice: PaymentNotice) => Promise<void> {
  return async (notice) => {
    const transitionId = `stripe:${notice.eventId}`;
    const entityId = machine.state.entityId;
    const owner = options.owner(entityId);
    const refuse = async (reason: string) => {
      log.info('payment notice refused', { eventId: notice.eventId, reason });
      await noticeWrites.settleWebhook({ webhookId: notice.webhookId, status: 'ignored', error: reason, ...owner });
    };
    try {
      const early = machine.previous(transitionId) ? null : noticeProblem(machine, notice);
      if (early) return await refuse(early);
      await machine.exclusive(async () => {
        if (machine.previous(transitionId)) return;
        const problem = noticeProblem(machine, notice);
        if (problem) return refuse(problem);
        const outcome = await options.apply({ transitionId, notice });
        if (outcome.paymentId && outcome.payment) adoptPayment(machine, outcome.paymentId, outcome.payment, outcome.depositStatus);
        const next = options.after?.(notice, transitionId, outcome);
        if (next) await next;
        machine.remember(transitionId, { entityId, transitionId, duplicate: !outcome.applied });
      });
    } catch (error) {
      log.warn('payment notice failed', { eventId: notice.eventId, error: String(error) });
      try {
        await noticeWrites.settleWebhook({ webhookId: notice.webhookId, status: 'failed', error: String((error as Error).message ?? error), ...owner });
      } catch (settleError) {
        // The row stays `received`: the sweep delivers it again.
        log.error('could not record a failed payment notice', { eventId: notice.eventId, error: String(settleError) });
      }
    }
  };
}
