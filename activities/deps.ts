/** What activities are given by the worker's composition root: nothing global. */
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { OutboundPolicy } from '../platform/guarded-fetch.ts';
import type { Logger } from '../platform/logger.ts';
import type { StripeAccount } from '../services/stripe-account.ts';

export interface ActivityDeps {
  readonly orm: MikroORM;
  readonly logger: Logger;
  /**
   * The Stripe account (the active `stripe` integration row's key, else STRIPE_SECRET_KEY), read
   * at each use; absent, or without a key: payment commands say payments are not configured.
   */
  readonly stripe?: StripeAccount | undefined;
  /** For activities that message other workflows (the webhook sweep, reconciliation's exceptions). */
  readonly temporal?: Client | undefined;
  /** Which non-public hosts operator-supplied URLs may reach (calendar imports); absent: none. */
  readonly outbound?: OutboundPolicy | undefined;
}
