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
 *
 * Every call's answer (method, path, HTTP status, Stripe's request id, our idempotency key, time
 * taken) is written to the `stripe` row's integration log, as outbound sends are on theirs, so an
 * Integrations Admin sees what was asked of Stripe and what it refused. Written after the call,
 * off its path: a log that cannot be written never fails a payment.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { STRIPE_INTEGRATION_CODE } from '../domain/integrations.ts';
import type { StripeConfig } from '../platform/config.ts';
import { environmentKeyring, isSealed, open, type Keyring } from '../platform/secret-box.ts';
import { createStripe, type Stripe } from '../platform/stripe.ts';
import { logIntegration } from './integrations.ts';

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
  id: string;
  status: string;
  config: Record<string, unknown> | null;
}

/** The settings the SDK client is built from, given the row (null: no row). */
export function stripeSettingsOf(row: Omit<StripeRow, 'id'> | null, defaults: StripeConfig, keyring: () => Keyring): StripeConfig {
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
        `SELECT id, status, config FROM integrations WHERE code = ? AND type = 'stripe'`, [STRIPE_INTEGRATION_CODE]);
      const version = row ? `${row.id}:${row.status}:${JSON.stringify(row.config)}` : 'none';
      if (cached?.version === version) return cached.client;
      const client = createStripe(stripeSettingsOf(row ?? null, deps.defaults, keyring));
      if (client && row) logCallsOn(client, deps.em, row.id);
      cached = { version, client };
      return client;
    },
  };
}

/** What the SDK's `request` and `response` events carry (its RequestEvent / ResponseEvent), as far as the log uses it. */
interface StripeCallEvent {
  readonly method: string;
  readonly path: string;
  readonly request_start_time: number;
  readonly idempotency_key?: string | undefined;
}
interface StripeAnswerEvent extends StripeCallEvent {
  readonly status: number;
  readonly request_id?: string | undefined;
  readonly elapsed: number;
}

/** Calls awaiting their answer, at most: one that never gets one (a network failure) is dropped past this. */
const PENDING_CALLS = 1000;

/**
 * Each answer Stripe gives this client, on the row's integration log (see the module comment).
 * The answer's event carries the idempotency key only when Stripe echoes it, so it is taken from
 * the call's own event (paired by method, path and start time).
 */
function logCallsOn(client: Stripe, em: EntityManager, integrationId: string): void {
  const keys = new Map<string, string | undefined>();
  const callOf = (event: StripeCallEvent) => `${event.method} ${event.path} ${event.request_start_time}`;
  client.on('request', (call: StripeCallEvent) => {
    if (keys.size >= PENDING_CALLS) keys.delete(keys.keys().next().value as string);
    keys.set(callOf(call), call.idempotency_key);
  });
  client.on('response', (answer: StripeAnswerEvent) => {
    const key = answer.idempotency_key ?? keys.get(callOf(answer));
    keys.delete(callOf(answer));
    void logIntegration(em.fork(), integrationId, {
      kind: 'request',
      outcome: answer.status < 400 ? 'ok' : 'failed',
      summary: `${answer.method} ${answer.path} → ${answer.status}`,
      detail: { method: answer.method, path: answer.path, status: answer.status, requestId: answer.request_id ?? null, idempotencyKey: key ?? null, elapsedMs: answer.elapsed },
    }).catch(() => undefined);
  });
}
