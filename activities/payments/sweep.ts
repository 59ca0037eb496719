/**
 * The webhook sweep (ops queue: webhooks are ops work, seed §9): stored webhooks that were
 * acknowledged but never delivered, because the API process died in between, are delivered
 * from their rows: Stripe's to their bookings (services/payments.ts), the inbound channels' to
 * their inquiries (services/inbound.ts). Run by a Temporal Schedule (worker/schedules.ts).
 */
import { createInboundDelivery } from '../../services/inbound.ts';
import { createWebhookDelivery } from '../../services/payments.ts';
import type { ActivityDeps } from '../deps.ts';

export function createSweepActivities({ orm, temporal, logger }: ActivityDeps) {
  return {
    async sweepStoredWebhooks(input: { graceMs: number; limit: number }): Promise<{ found: number; delivered: number }> {
      if (!temporal) throw new Error('the webhook sweep needs a Temporal client (worker/run.ts gives one)');
      const payments = createWebhookDelivery({ em: orm.em.fork(), temporal });
      const channels = createInboundDelivery({ em: orm.em.fork(), temporal });
      const kinds = [
        { ids: await payments.undelivered(input.graceMs, input.limit), deliver: async (id: string) => (await createWebhookDelivery({ em: orm.em.fork(), temporal }).deliver(id)) !== 'settled' },
        { ids: await channels.undelivered(input.graceMs, input.limit), deliver: async (id: string) => (await createInboundDelivery({ em: orm.em.fork(), temporal }).deliver(id)) !== 'settled' },
      ];
      let found = 0;
      let delivered = 0;
      for (const { ids, deliver } of kinds) {
        found += ids.length;
        for (const id of ids) {
          try {
            if (await deliver(id)) delivered++;
          } catch (error) {
            logger.warn({ err: error, webhookId: id }, 'sweep could not deliver a webhook; next sweep retries');
          }
        }
      }
      if (found > 0) logger.info({ found, delivered }, 'webhook sweep delivered stored webhooks');
      return { found, delivered };
    },
  };
}
