/**
 * Reconciliation for Finance (seed §2): our payments against Stripe's over a period, by the
 * SDK's list call (charges created in the period, auto-paginated), with each side's
 * counterpart looked up whatever its date (so a payment near an edge of the period is not
 * reported missing). Every difference is a row of the run's report and an exception
 * (`payment_mismatch`, high), raised through the work-item service as the platform itself; its
 * id derives from the difference, so the next run does not raise the same one again.
 *
 * Differences: paid at Stripe but not here (`missing_here`), succeeded here but not at Stripe
 * (`missing_at_provider`), different amounts (`amount_differs`) or refunded totals (`refund_differs`).
 */
import { Context } from '@temporalio/activity';
import type { EntityManager } from '@mikro-orm/postgresql';
import { fromMinorUnits, toMinorUnits } from '../../domain/payments.ts';
import type { Stripe } from '../../platform/stripe.ts';
import { systemCaller } from '../../services/context.ts';
import { createWorkItemService } from '../../services/work-items.ts';
import type { ActivityDeps } from '../deps.ts';
import { execute } from './booking-money.ts';
import { requireStripe, stripeFailure } from './stripe-errors.ts';

export interface ReconcileInput {
  readonly reportId: string;
  /** ISO; charges created in [from, to). */
  readonly from: string;
  readonly to: string;
}

interface OurPayment {
  id: string; booking_id: string; provider_payment_id: string; status: string; amount: string; amount_refunded: string; currency: string;
}

/** Stripe's view of one payment: what was charged and refunded, in minor units. */
interface TheirPayment {
  readonly ref: string;
  readonly paid: boolean;
  readonly amount: number;
  readonly refunded: number;
  readonly currency: string;
}

interface Mismatch {
  kind: 'missing_here' | 'missing_at_provider' | 'amount_differs' | 'refund_differs';
  ref: string;
  ours?: OurPayment | undefined;
  theirs?: TheirPayment | undefined;
  detail: string;
}

function fromCharge(charge: Stripe.Charge): TheirPayment | undefined {
  const ref = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
  if (!ref) return undefined;
  return { ref, paid: charge.status === 'succeeded' && charge.paid, amount: charge.amount, refunded: charge.amount_refunded, currency: charge.currency.toUpperCase() };
}

/** Stripe's view of an intent we hold but did not see in the period's charges. */
async function theirsOf(stripe: Stripe, ref: string): Promise<TheirPayment | undefined> {
  try {
    const intent = await stripe.paymentIntents.retrieve(ref);
    const latest = intent.latest_charge;
    const charge = typeof latest === 'string' ? await stripe.charges.retrieve(latest) : latest;
    if (!charge) return { ref, paid: false, amount: intent.amount, refunded: 0, currency: intent.currency.toUpperCase() };
    return fromCharge(charge);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw stripeFailure(error);
  }
}

function compare(ours: OurPayment | undefined, theirs: TheirPayment | undefined, ref: string): Mismatch | undefined {
  const oursPaid = ours?.status === 'succeeded';
  if (theirs?.paid && !oursPaid) {
    return { kind: 'missing_here', ref, ours, theirs, detail: `Stripe charged ${fromMinorUnits(theirs.amount)} ${theirs.currency} for ${ref}; here it is ${ours ? ours.status : 'not recorded'}.` };
  }
  if (oursPaid && !theirs?.paid) {
    return { kind: 'missing_at_provider', ref, ours, theirs, detail: `${ref} succeeded here (${ours?.amount}) but Stripe ${theirs ? 'has no successful charge' : 'does not know it'}.` };
  }
  if (!ours || !theirs || !oursPaid) return undefined;
  if (toMinorUnits(ours.amount) !== theirs.amount) {
    return { kind: 'amount_differs', ref, ours, theirs, detail: `${ref}: ${ours.amount} here, ${fromMinorUnits(theirs.amount)} at Stripe.` };
  }
  if (toMinorUnits(ours.amount_refunded) !== theirs.refunded) {
    return { kind: 'refund_differs', ref, ours, theirs, detail: `${ref}: ${ours.amount_refunded} refunded here, ${fromMinorUnits(theirs.refunded)} at Stripe.` };
  }
  return undefined;
}

async function oursByRefs(em: EntityManager, refs: string[]): Promise<Map<string, OurPayment>> {
  if (refs.length === 0) return new Map();
  const rows = await execute<OurPayment>(em, `SELECT id, booking_id, provider_payment_id, status, amount, amount_refunded, currency FROM payments
    WHERE provider = 'stripe' AND type <> 'refund' AND provider_payment_id = ANY(?::text[])`, [`{${refs.map((r) => `"${r}"`).join(',')}}`]);
  return new Map(rows.map((r) => [r.provider_payment_id, r]));
}

export function createReconciliationActivities({ orm, stripe, temporal, logger }: ActivityDeps) {
  return {
    async reconcilePayments(input: ReconcileInput): Promise<{ reportId: string; mismatches: number }> {
      const client = await requireStripe(stripe);
      const em = orm.em.fork();
      const [done] = await execute<{ status: string; mismatch_count: number }>(em, 'SELECT status, mismatch_count FROM reconciliation_reports WHERE id = ?', [input.reportId]);
      if (done?.status === 'completed') return { reportId: input.reportId, mismatches: done.mismatch_count };
      await execute(em, `INSERT INTO reconciliation_reports (id, provider, period_from, period_to) VALUES (?, 'stripe', ?, ?) ON CONFLICT (id) DO NOTHING`, [input.reportId, input.from, input.to]);
      const from = Date.parse(input.from);
      const to = Date.parse(input.to);
      try {
        // Stripe's side: charges created in the period (only `created[gt]` is asked, the upper bound is applied here).
        const theirs = new Map<string, TheirPayment>();
        let providerChecked = 0;
        for await (const charge of client.charges.list({ created: { gt: Math.floor(from / 1000) - 1 }, limit: 100 })) {
          // Alive while it pages through Stripe (the SDK throttles heartbeats): a dead worker is noticed
          // within the heartbeat timeout, not the heavy queue's 300 s.
          Context.current().heartbeat({ providerChecked });
          if (charge.created * 1000 < from || charge.created * 1000 >= to) continue;
          providerChecked++;
          const payment = fromCharge(charge);
          if (payment && (!theirs.has(payment.ref) || payment.paid)) theirs.set(payment.ref, payment);
        }
        // Ours: succeeded payments of the period, and our rows for every intent Stripe charged.
        const ourPeriod = await execute<OurPayment>(em, `SELECT id, booking_id, provider_payment_id, status, amount, amount_refunded, currency FROM payments
          WHERE provider = 'stripe' AND type <> 'refund' AND status = 'succeeded' AND provider_payment_id IS NOT NULL AND created_at >= ? AND created_at < ?`, [input.from, input.to]);
        const ours = await oursByRefs(em, [...theirs.keys()]);
        for (const row of ourPeriod) ours.set(row.provider_payment_id, row);
        for (const ref of ours.keys()) {
          if (!theirs.has(ref)) {
            const found = await theirsOf(client, ref);
            if (found) theirs.set(ref, found);
          }
        }
        const mismatches = [...new Set([...ours.keys(), ...theirs.keys()])]
          .map((ref) => compare(ours.get(ref), theirs.get(ref), ref))
          .filter((m): m is Mismatch => m !== undefined);

        const workItems = temporal ? createWorkItemService({ em: orm.em.fork(), temporal, sessions: { revokeUser: () => Promise.reject(new Error('no sessions in the worker')) } }) : undefined;
        await execute(em, 'DELETE FROM reconciliation_mismatches WHERE report_id = ?', [input.reportId]);
        for (const m of mismatches) {
          const bookingId = m.ours?.booking_id ?? null;
          let exceptionId: string | null = null;
          if (workItems) {
            const exception = await workItems.createException(systemCaller(`reconciliation:${m.kind}:${m.ref}`), {
              type: 'payment_mismatch', severity: 'high', summary: `Reconciliation: ${m.detail}`,
              entityType: bookingId ? 'booking' : 'reconciliation_report', entityId: bookingId ?? input.reportId,
              details: { kind: m.kind, providerPaymentId: m.ref, paymentId: m.ours?.id ?? null, reportId: input.reportId },
            });
            exceptionId = exception.id;
          }
          await execute(em, `INSERT INTO reconciliation_mismatches (report_id, kind, provider_payment_id, payment_id, booking_id, our_amount, provider_amount, currency, detail, exception_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
            input.reportId, m.kind, m.ref, m.ours?.id ?? null, bookingId, m.ours?.amount ?? null,
            m.theirs ? fromMinorUnits(m.kind === 'refund_differs' ? m.theirs.refunded : m.theirs.amount) : null,
            m.ours?.currency ?? m.theirs?.currency ?? null, m.detail, exceptionId,
          ]);
        }
        await execute(em, `UPDATE reconciliation_reports SET status = 'completed', finished_at = now(), ours_checked = ?, provider_checked = ?, mismatch_count = ?, error = NULL WHERE id = ?`,
          [ours.size, providerChecked, mismatches.length, input.reportId]);
        logger.info({ reportId: input.reportId, mismatches: mismatches.length, providerChecked, oursChecked: ours.size }, 'payments reconciled');
        return { reportId: input.reportId, mismatches: mismatches.length };
      } catch (error) {
        await execute(em, `UPDATE reconciliation_reports SET status = 'failed', finished_at = now(), error = ? WHERE id = ?`, [String((error as Error).message ?? error), input.reportId]);
        throw error;
      }
    },
  };
}
