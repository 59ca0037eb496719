/**
 * The Stripe account the payment activities call (deposits, retries, refunds, reconciliation):
 * the `stripe` integration row's secret key (sealed at rest, opened here) and API address when
 * that row is `active`, the environment's otherwise (STRIPE_SECRET_KEY / STRIPE_API_*: the
 * embedded default). A row in `testing` or `disabled` is not used for calls, as no outbound
 * integration's is (services/integrations.ts outboundIntegrationOf); the row's values override the
 * environment's one by one, so a row with only a key still reaches the environment's host.
 *
 * The row is read on every use (one read by its unique code, next to a Stripe call's network
 * round trip) and the client is rebuilt, and the secret opened, only when the row has changed:
 * a key rotated through updateIntegration, from any process, is used by the next call without a
 * restart, and nothing has to tell this process that it changed.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { STRIPE_INTEGRATION_CODE } from '../domain/integrations.ts';
import type { StripeConfig } from '../platform/config.ts';
import { environmentKeyring, isSealed, open, type Keyring } from '../platform/secret-box.ts';
import { createStripe, type Stripe } from '../platform/stripe.ts';

export interface StripeAccount {
  /** The client to call Stripe with now; undefined when neither the row nor the environment has a key. */
  client(): Promise<Stripe | undefined>;
}

export interface StripeAccountDeps {
  readonly em: EntityManager;
  /** The environment's settings: the default when the row is absent, not active, or silent on a value. */
  readonly defaults: StripeConfig;
  readonly keyring?: (() => Keyring) | undefined;
}

interface StripeRow {
  status: string;
  config: Record<string, unknown> | null;
}

/** The settings the SDK client is built from, given the row (null: no row). */
export function stripeSettingsOf(row: StripeRow | null, defaults: StripeConfig, keyring: () => Keyring): StripeConfig {
  if (!row || row.status !== 'active') return defaults;
  const config = row.config ?? {};
  const secrets = isSealed(config.secrets) ? open<Record<string, string>>(keyring(), config.secrets) : {};
  const setting = <T>(name: string) => (config[name] ?? undefined) as T | undefined;
  return {
    ...defaults,
    secretKey: secrets.secretKey ?? defaults.secretKey,
    host: setting<string>('apiHost') ?? defaults.host,
    port: setting<number>('apiPort') ?? defaults.port,
    protocol: setting<'http' | 'https'>('apiProtocol') ?? defaults.protocol,
  };
}

export function createStripeAccount(deps: StripeAccountDeps): StripeAccount {
  const keyring = deps.keyring ?? environmentKeyring;
  /** The client of the row as last read, keyed by what the row said (status and config, sealed secrets included). */
  let cached: { version: string; client: Stripe | undefined } | undefined;

  return {
    async client() {
      const [row] = await deps.em.getConnection().execute<StripeRow[]>(
        `SELECT status, config FROM integrations WHERE code = ? AND type = 'stripe'`, [STRIPE_INTEGRATION_CODE]);
      const version = row ? `${row.status}:${JSON.stringify(row.config)}` : 'none';
      if (cached?.version === version) return cached.client;
      const client = createStripe(stripeSettingsOf(row ?? null, deps.defaults, keyring));
      cached = { version, client };
      return client;
    },
  };
}
