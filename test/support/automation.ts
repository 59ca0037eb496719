/** Helpers for the automation tests: events written through the platform's own change-log writer. */
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { writeEvent } from '../../db/change-log.ts';
import { executionWorkflowId } from '../../domain/automation-rules.ts';
import {
  automationExecutionWorkflowType, SA_EVENT_ID, SA_EVENT_TYPE, SA_RULE_ID, type AutomationExecutionInput, type AutomationExecutionResult,
} from '../../workflows/automation/messages.ts';
import { BACKGROUND_TASK_QUEUE } from '../../workflows/task-queues.ts';

export interface PaymentEvent {
  readonly bookingId: string;
  readonly inquiryId?: string;
  readonly amount?: string;
  /** The payments row's type (deposit, full, refund). */
  readonly paymentType?: string;
}

/**
 * A payment and its `payment.<outcome>` event, as the payments integration writes them: the
 * payments row, then the event through db/change-log.ts writeEvent (timeline + domain event +
 * NOTIFY, one statement), with the payload fields the catalogue names.
 */
export async function emitPaymentEvent(orm: MikroORM, outcome: 'succeeded' | 'failed' | 'refunded', input: PaymentEvent): Promise<{ paymentId: string; eventId: string }> {
  const em = orm.em.fork();
  const providerRef = `pi_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  const [payment] = await em.getConnection().execute<Array<{ id: string }>>(
    `INSERT INTO payments (booking_id, provider, provider_payment_id, type, status, amount, currency) VALUES (?, 'stripe', ?, ?, ?, ?, 'GBP') RETURNING id`,
    // A refund is a payment row of type refund that succeeded (payments_status_known).
    [input.bookingId, providerRef, input.paymentType ?? (outcome === 'refunded' ? 'refund' : 'deposit'), outcome === 'refunded' ? 'succeeded' : outcome, input.amount ?? '100.00']);
  const paymentId = payment!.id;
  const { eventId } = await em.transactional((tx) => writeEvent(tx, {
    entityType: 'payment', entityId: paymentId, transitionId: `stripe:${providerRef}:${outcome}`, actor: { type: 'system' },
    event: {
      type: `payment.${outcome}`,
      payload: { bookingId: input.bookingId, ...(input.inquiryId ? { inquiryId: input.inquiryId } : {}), paymentId, amount: input.amount ?? '100.00', currency: 'GBP', providerRef },
    },
  }));
  if (!eventId) throw new Error('payment event not written');
  return { paymentId, eventId };
}

/**
 * A real activity that keeps failing: an automation execution started for a domain event whose
 * row is gone (as if deleted under it). Its first activity (beginExecution, `ops` queue: 5
 * attempts, 5 s … 80 s apart) fails to load the event and Temporal retries it, so for about a
 * minute the workflow has a pending activity with attempt > 1 and a last failure. Returns the
 * workflow id and a stop that terminates it.
 */
export async function startFailingActivity(temporal: Client): Promise<{ workflowId: string; eventId: string; stop: () => Promise<void> }> {
  const eventId = randomUUID();
  const workflowId = `automation:failing-activity-test:${eventId}`;
  const input: AutomationExecutionInput = { ruleId: randomUUID(), eventId, attempt: 1 };
  const handle = await temporal.workflow.start(automationExecutionWorkflowType, { taskQueue: BACKGROUND_TASK_QUEUE, workflowId, args: [input] });
  return { workflowId, eventId, stop: async () => { await handle.terminate('test over').catch(() => undefined); } };
}

/**
 * Runs a rule on one event now, starting its execution workflow as the dispatcher does (same
 * workflow id and search attributes), for a test that cannot run the dispatcher: it would also
 * dispatch every other unpublished event of the shared database. Resolves with the execution's result.
 */
export async function runRuleOn(temporal: Client, ruleId: string, event: { id: string; type: string }): Promise<AutomationExecutionResult> {
  const input: AutomationExecutionInput = { ruleId, eventId: event.id, attempt: 1 };
  return temporal.workflow.execute(automationExecutionWorkflowType, {
    workflowId: executionWorkflowId(ruleId, event.id), taskQueue: BACKGROUND_TASK_QUEUE, args: [input],
    typedSearchAttributes: [{ key: SA_RULE_ID, value: ruleId }, { key: SA_EVENT_ID, value: event.id }, { key: SA_EVENT_TYPE, value: event.type }],
  }) as Promise<AutomationExecutionResult>;
}
