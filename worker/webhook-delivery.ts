/**
 * The delivery of stored Stripe webhooks, run inside every worker process (worker/main.ts): the
 * API only verifies, stores (webhooks_in) and acknowledges, then wakes this loop with a NOTIFY;
 * the loop claims the rows nobody has signalled yet (services/payments.ts `claim`: a lease,
 * SKIP LOCKED, so workers side by side never take the same row) and signals each to its booking's
 * or inquiry's workflow, a batch at a time.
 *
 * Why here and not in the API after the answer: a signal is a query, a gRPC call and an update,
 * and during a burst thousands of them on the API's event loop would sit between the requests
 * it is acknowledging. Here they cost the acknowledgement nothing. Nothing is lost meanwhile: the
 * stored row is the work, so a NOTIFY missed (or never sent: the API died after answering) is
 * found by the sweep below within a second, and a claim left by a worker killed mid-delivery
 * expires after the lease and is taken by another.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Logger } from '../platform/logger.ts';
import { createWebhookDelivery, STORED_WEBHOOKS_CHANNEL } from '../services/payments.ts';
import { startNotifiedLoop, type NotifiedLoop } from './notified-loop.ts';

export interface WebhookDeliveryOptions {
  readonly orm: MikroORM;
  readonly temporal: Client;
  readonly databaseUrl: string;
  readonly logger: Logger;
  /** How often the loop looks for rows without being woken (a missed NOTIFY, an expired claim). */
  readonly sweepMs?: number | undefined;
}

/** Rows claimed and signalled at once. */
export const DELIVERY_BATCH = 16;
/**
 * How long a claim holds its rows: far longer than a batch's signals take, even on a loaded
 * machine; what a row claimed by a worker that died waits before another worker takes it.
 */
export const DELIVERY_LEASE_MS = 15_000;

export async function startWebhookDelivery(options: WebhookDeliveryOptions): Promise<NotifiedLoop> {
  const log = options.logger.child({ component: 'webhook-delivery' });
  const sweepMs = options.sweepMs ?? 1000;
  const loop = await startNotifiedLoop({
    databaseUrl: options.databaseUrl, channel: STORED_WEBHOOKS_CHANNEL, name: 'virel-webhook-delivery', sweepMs, logger: log,
    async batch() {
      const claimed = await createWebhookDelivery({ em: options.orm.em.fork(), temporal: options.temporal }).claim(DELIVERY_BATCH, DELIVERY_LEASE_MS);
      await Promise.all(claimed.map((row) =>
        createWebhookDelivery({ em: options.orm.em.fork(), temporal: options.temporal }).deliver(row.id, { status: row.status, payload: row.payload })
          // Left claimed: delivered again once the claim expires (or by the sweep Schedule).
          .catch((error: unknown) => log.warn({ err: error, webhookId: row.id }, 'webhook not delivered now; retried when its claim expires'))));
      return claimed.length === DELIVERY_BATCH;
    },
  });
  log.info({ sweepMs, batch: DELIVERY_BATCH, leaseMs: DELIVERY_LEASE_MS }, 'webhook delivery running');
  return loop;
}
