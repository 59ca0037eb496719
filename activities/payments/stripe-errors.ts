/**
 * Stripe's errors as activity outcomes: what Stripe refused (a bad request, a declined card, an
 * idempotency clash, authentication) is a non-retryable CONFLICT the caller is told about; a
 * connection problem, a rate limit or a Stripe-side error is thrown as is, so Temporal retries
 * the activity with the `critical` policy (same idempotency key: no second charge). Payments not
 * configured at all (no key on the active `stripe` row nor in the environment) is a non-retryable
 * CONFLICT too.
 */
import Stripe from 'stripe';
import { KeyringError } from '../../platform/secret-box.ts';
import type { StripeAccount } from '../../services/stripe-account.ts';
import { nonRetryable } from '../store/errors.ts';

/**
 * The client to call Stripe with now (services/stripe-account.ts: the active `stripe` row's key,
 * else the environment's). No key anywhere, or a sealed key this process cannot open, is
 * CONFLICT at once: a retry would not change it.
 */
export async function requireStripe(account: StripeAccount | undefined): Promise<Stripe> {
  let client: Stripe | undefined;
  try {
    client = await account?.client();
  } catch (error) {
    if (error instanceof KeyringError) throw nonRetryable('CONFLICT', `The stripe integration's secret key cannot be opened: ${error.message}`);
    throw error;
  }
  if (!client) throw nonRetryable('CONFLICT', 'Payments are not configured: set the stripe integration\'s secretKey or STRIPE_SECRET_KEY (npm start runs the localstripe stand-in without one).');
  return client;
}

export function stripeFailure(error: unknown): unknown {
  if (error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeRateLimitError || error instanceof Stripe.errors.StripeAPIError) {
    return error;
  }
  if (error instanceof Stripe.errors.StripeError) {
    return nonRetryable('CONFLICT', `Stripe refused the request: ${error.message}`, { provider: 'stripe', providerCode: error.code ?? error.type, statusCode: error.statusCode ?? null });
  }
  return error;
}
