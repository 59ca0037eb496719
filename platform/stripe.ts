/**
 * The one place the `stripe` SDK client is built: the real API, or wherever host / port /
 * protocol point it (the localstripe stand-in). The SDK's own retries are off: activities are
 * retried by Temporal with the `critical` queue's policy (seed §9), each with the same Stripe
 * idempotency key, so a retried call never creates a second charge or refund.
 */
import Stripe from 'stripe';
import type { StripeConfig } from './config.ts';

export type { Stripe };

export function createStripe(config: StripeConfig): Stripe | undefined {
  if (!config.secretKey) return undefined;
  return new Stripe(config.secretKey, {
    maxNetworkRetries: 0,
    timeout: 20_000,
    ...(config.host ? { host: config.host } : {}),
    ...(config.port ? { port: config.port } : {}),
    ...(config.protocol ? { protocol: config.protocol } : {}),
    appInfo: { name: 'virel-ops' },
  });
}

/** Webhook signatures need no API key: `Stripe.webhooks` verifies with the endpoint secret alone. */
export const stripeWebhooks = Stripe.webhooks;
