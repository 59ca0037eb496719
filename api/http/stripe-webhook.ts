/**
 * POST /api/v1/payments/webhook/stripe (seed §7): Stripe calls in here.
 *
 * The `stripe` integration row (services/integrations.ts) governs it: its sealed webhookSecret
 * signs the events (STRIPE_WEBHOOK_SECRET when the row has none); disabled answers 503 and
 * stores nothing (Stripe retries later); testing stores the event as ignored and logs it, with
 * no effect. The raw body is verified with the SDK (`Stripe.webhooks.constructEvent`) and the
 * timestamp tolerance: unsigned, forged or stale requests get 400 and nothing is stored.
 *
 * The acknowledgement waits for two things only: the signature check (the secret is kept for a
 * second, and read again at once when a signature fails with it: a new secret works at once,
 * the old one stops within a second) and ONE statement that reads the row's status, stores the event once in
 * webhooks_in (a repeat of its event id stores nothing) and writes the integration log entry.
 * Nothing else happens in this process: delivery to the booking's workflow (a Signal) is the
 * workers' (worker/webhook-delivery.ts), which claim the stored row. Once the answer has gone
 * out, a NOTIFY wakes them (one at a time, however many events were answered meanwhile: it is a
 * wake-up, not a message per event); if this process dies first, their sweep finds the row
 * within a second. Nothing acknowledged is lost, and no signal ever goes out before the answer.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import express, { type Request, type Response } from 'express';
import { STRIPE_INTEGRATION_CODE } from '../../domain/integrations.ts';
import { notifyStoredWebhooks, storeProviderEvent, type ProviderEvent } from '../../services/payments.ts';
import { logIntegration, openIntegration } from '../../services/integrations.ts';
import type { Logger } from '../../platform/logger.ts';
import { stripeWebhooks } from '../../platform/stripe.ts';

export const STRIPE_WEBHOOK_PATH = '/api/v1/payments/webhook/stripe';

export interface StripeWebhookOptions {
  readonly orm: MikroORM;
  readonly logger: Logger;
  /** STRIPE_WEBHOOK_SECRET: used when the `stripe` integration row has no webhookSecret; neither: 503. */
  readonly secret: string | undefined;
  readonly toleranceSeconds: number;
}

/** Headers worth keeping with the stored event (no secrets: the signature is useless without the secret). */
const KEPT_HEADERS = ['stripe-signature', 'user-agent', 'content-type'];

/** How long the row's webhook secret is kept between reads (a failed signature reads it again at once). */
const SECRET_TTL_MS = 1000;

/** The endpoint secret: the `stripe` row's sealed webhookSecret, else the environment's. */
function endpointSecrets(options: StripeWebhookOptions) {
  let cached: { secret: string | undefined; integrationId: string | undefined; at: number } | undefined;
  const read = async () => {
    const integration = await openIntegration(options.orm.em.fork(), STRIPE_INTEGRATION_CODE);
    cached = { secret: integration?.secrets.webhookSecret ?? options.secret, integrationId: integration?.id, at: Date.now() };
    return cached;
  };
  // One read in flight at a time, shared by whoever asks meanwhile: a flood of forged requests
  // costs one read after another, never a pile of them.
  let reading: Promise<NonNullable<typeof cached>> | undefined;
  const readOnce = () => (reading ??= read().finally(() => {
    reading = undefined;
  }));
  return {
    async current() {
      return cached && Date.now() - cached.at < SECRET_TTL_MS ? cached : readOnce();
    },
    /** Read again now (a signature failed with the secret kept: it may have just changed). */
    fresh: readOnce,
  };
}

/**
 * Wakes the workers' delivery loops: at most one NOTIFY in flight, and one more after it if
 * events were stored meanwhile, so a burst of acknowledgements costs a handful of statements.
 */
function deliveryWakeUp(options: StripeWebhookOptions, log: Logger): () => void {
  let sending = false;
  let again = false;
  const send = () => {
    sending = true;
    again = false;
    notifyStoredWebhooks(options.orm.em.fork())
      .catch((error: unknown) => log.warn({ err: error }, 'could not wake the webhook delivery; its sweep finds the stored events'))
      .finally(() => {
        sending = false;
        if (again) send();
      });
  };
  return () => {
    if (sending) again = true;
    else send();
  };
}

export function stripeWebhookRoute(options: StripeWebhookOptions) {
  const log = options.logger.child({ component: 'stripe-webhook' });
  const wakeDelivery = deliveryWakeUp(options, log);

  const secrets = endpointSecrets(options);
  /** A refusal in the integration's log, written after the answer (never on the acknowledgement's path). */
  const logLater = (integrationId: string | undefined, outcome: 'refused' | 'disabled', summary: string) => {
    if (!integrationId) return;
    logIntegration(options.orm.em.fork(), integrationId, { kind: 'webhook_in', outcome, summary })
      .catch((error: unknown) => log.warn({ err: error }, 'integration log entry not written'));
  };

  const verify = (body: Buffer, signature: string, secret: string) =>
    stripeWebhooks.constructEvent(body, signature, secret, options.toleranceSeconds) as unknown as ProviderEvent;

  const handler = async (req: Request, res: Response) => {
    let endpoint = await secrets.current();
    if (!endpoint.secret) {
      res.status(503).json({ error: 'Stripe webhooks are not configured (the stripe integration\'s webhookSecret, or STRIPE_WEBHOOK_SECRET).' });
      return;
    }
    const signature = req.header('stripe-signature');
    if (!signature || !Buffer.isBuffer(req.body)) {
      res.status(400).json({ error: 'A signed Stripe event is required (Stripe-Signature header and a raw body).' });
      logLater(endpoint.integrationId, 'refused', 'refused (400): no Stripe-Signature header');
      return;
    }
    let event: ProviderEvent;
    try {
      try {
        event = verify(req.body, signature, endpoint.secret);
      } catch (error) {
        // Perhaps the secret was just changed: read it again once and verify with that.
        const again = await secrets.fresh();
        if (!again.secret || again.secret === endpoint.secret) throw error;
        endpoint = again;
        event = verify(req.body, signature, again.secret);
      }
    } catch (error) {
      log.info({ reason: (error as Error).message }, 'stripe webhook refused');
      res.status(400).json({ error: `Webhook signature verification failed: ${(error as Error).message}` });
      logLater(endpoint.integrationId, 'refused', `refused (400): ${(error as Error).message}`.slice(0, 300));
      return;
    }
    if (typeof event?.id !== 'string' || typeof event.type !== 'string' || typeof event.created !== 'number' || !event.data?.object) {
      res.status(400).json({ error: 'Not a Stripe event (id, type, created and data.object are required).' });
      return;
    }
    const headers = Object.fromEntries(KEPT_HEADERS.flatMap((h) => (req.header(h) ? [[h, req.header(h) as string]] : [])));
    const stored = await storeProviderEvent(options.orm.em.fork(), event, headers);
    if (!stored) {
      res.status(503).json({ error: 'The Stripe integration is disabled: nothing was stored (Stripe delivers it again later).' });
      logLater(endpoint.integrationId, 'disabled', `refused (503): ${event.type} ${event.id} while the integration is disabled`);
      return;
    }
    // A row waiting for delivery (new, or a repeat of one not yet delivered): the workers are woken
    // once the answer has been handed to the socket, never before.
    if (stored.status === 'received') res.once('finish', wakeDelivery);
    res.status(200).json({ received: true, id: stored.id, duplicate: !stored.fresh, ...(stored.integrationStatus === 'testing' ? { testing: true } : {}) });
  };

  const router = express.Router();
  router.post(STRIPE_WEBHOOK_PATH, express.raw({ type: () => true, limit: '512kb' }), (req, res, next) => {
    handler(req, res).catch(next);
  });
  return router;
}
