/**
 * Outbound deliveries in Prometheus form: messages by channel and status, outgoing webhooks by
 * status, counted in PostgreSQL when /metrics is scraped. The sends happen in the workers, any
 * number of them; the tables are the one place that knows every delivery, so every API replica
 * reports the same truth and nothing is lost when a worker restarts.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { Gauge, type Registry } from 'prom-client';
import { MESSAGE_CHANNELS, MESSAGE_STATUSES } from '../../services/messaging.ts';
import { WEBHOOK_STATUSES } from '../../services/outgoing-webhooks.ts';

/** A scrape while PostgreSQL is down still answers (health reports the outage; zeros here). */
async function countsOr<T>(fallback: T[], count: () => Promise<T[]>): Promise<T[]> {
  try {
    return await count();
  } catch {
    return fallback;
  }
}

export function registerDeliveryMetrics(registry: Registry, orm: MikroORM): void {
  const sql = <T>(query: string) => orm.em.getConnection().execute<T[]>(query) as Promise<T[]>;
  new Gauge({
    name: 'virel_messages',
    help: 'Outbound messages by channel and status (queued, sent, failed)',
    labelNames: ['channel', 'status'],
    registers: [registry],
    async collect() {
      const rows = await countsOr([], () => sql<{ channel: string; status: string; n: string }>('SELECT channel, status, count(*) AS n FROM messages GROUP BY channel, status'));
      // Every combination is reported, zero included, so rates and alerts see a series from the start.
      for (const channel of MESSAGE_CHANNELS) for (const status of MESSAGE_STATUSES) this.set({ channel, status }, 0);
      for (const row of rows) this.set({ channel: row.channel, status: row.status }, Number(row.n));
    },
  });
  new Gauge({
    name: 'virel_outgoing_webhooks',
    help: 'Outgoing webhooks by status (pending, sent, failed)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const rows = await countsOr([], () => sql<{ status: string; n: string }>('SELECT status, count(*) AS n FROM webhooks_out GROUP BY status'));
      for (const status of WEBHOOK_STATUSES) this.set({ status }, 0);
      for (const row of rows) this.set({ status: row.status }, Number(row.n));
    },
  });
}
