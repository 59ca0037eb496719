/**
 * Payment activities (the `critical` queue, seed §9): deposit intents, refunds, and applying
 * the provider's notices; each idempotent by an id the workflow fixed before the first attempt.
 */
import type { ActivityDeps } from '../deps.ts';
import { createDepositActivities } from './deposits.ts';
import { createInquiryDepositActivities } from './inquiry-deposits.ts';
import { createNoticeActivities } from './notices.ts';
import { createRefundActivities } from './refunds.ts';

export function createPaymentActivities(deps: ActivityDeps) {
  return {
    ...createDepositActivities(deps),
    ...createInquiryDepositActivities(deps),
    ...createRefundActivities(deps),
    ...createNoticeActivities(deps),
  };
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;
