/**
 * What every inbound endpoint shares (api/http/inbound/*.ts): refusals that store nothing and are
 * logged against the integration, the integration of a path, the raw body, and "store,
 * acknowledge, then deliver" (services/inbound.ts), a few deliveries at a time from this process;
 * what it does not deliver (it died), the webhook sweep does.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import express, { type Request, type Response } from 'express';
import type { z } from 'zod';
import { createInboundDelivery, storeInbound, type InboundRequest } from '../../../services/inbound.ts';
import { logIntegration, openIntegration, type OpenIntegration } from '../../../services/integrations.ts';
import type { Logger } from '../../../platform/logger.ts';

export interface InboundOptions {
  readonly orm: MikroORM;
  readonly temporal: Client;
  readonly logger: Logger;
  /** Deliveries in flight at once from this process (the rest wait their turn, or the sweep). */
  readonly concurrency?: number;
  /** The clock the web form's fill time is measured with (tests). */
  readonly now?: () => number;
}

/** Answers a refusal with its status and one message; nothing is stored. */
export class Refusal extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

/** Compares a secret in constant time (digests first, so unequal lengths take as long). */
export const equalSecrets = (given: string, expected: string) => {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
};

export const problemOf = (error: z.ZodError) => {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`;
};

/** The raw body as a JSON object (or a urlencoded form); 400 otherwise. */
export function parseBody(req: Request): Record<string, unknown> {
  const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  const type = req.header('content-type') ?? '';
  try {
    if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
    const parsed = JSON.parse(raw) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new Refusal(400, 'The body must be a JSON object (or a urlencoded form).');
}

export function createInboundEdge(options: InboundOptions) {
  const log = options.logger.child({ component: 'inbound' });
  const queue: string[] = [];
  let running = 0;
  const limit = options.concurrency ?? 8;

  const pump = () => {
    while (running < limit && queue.length > 0) {
      const id = queue.shift() as string;
      running++;
      createInboundDelivery({ em: options.orm.em.fork(), temporal: options.temporal }).deliver(id)
        .catch((error: unknown) => log.warn({ err: error, webhookId: id }, 'inbound request not delivered now; the sweep will deliver it'))
        .finally(() => {
          running--;
          pump();
        });
    }
  };

  const edge = {
    orm: options.orm,
    now: options.now ?? Date.now,
    /** Raw bodies: signatures are over the bytes as sent. */
    raw: express.raw({ type: () => true, limit: '256kb' }),

    /** 503 (logged) for a disabled integration. */
    async refuseDisabled(integration: OpenIntegration): Promise<void> {
      if (integration.status !== 'disabled') return;
      await logIntegration(options.orm.em.fork(), integration.id, { kind: 'webhook_in', outcome: 'disabled', summary: 'refused: the integration is disabled' });
      throw new Refusal(503, `Integration ${integration.code} is disabled.`);
    },

    /** The integration of this path, if it exists, is of this type and not disabled. */
    async integrationOf(code: string, type: string): Promise<OpenIntegration> {
      const integration = await openIntegration(options.orm.em.fork(), code);
      if (!integration || integration.type !== type) throw new Refusal(404, `No ${type} integration ${code}.`);
      await edge.refuseDisabled(integration);
      return integration;
    },

    /** Refuses the request (nothing stored), with why in the integration's log. */
    async refuse(integration: OpenIntegration, status: number, why: string, headers: Record<string, string> = {}): Promise<never> {
      await logIntegration(options.orm.em.fork(), integration.id, { kind: 'webhook_in', outcome: 'refused', summary: `refused (${status}): ${why}` });
      throw new Refusal(status, why, headers);
    },

    /** Stores, acknowledges, then delivers. */
    async accept(res: Response, integration: OpenIntegration, request: InboundRequest, status = 200): Promise<void> {
      const stored = await storeInbound(options.orm.em.fork(), integration, request);
      res.status(status).json({ received: true, id: stored.id, duplicate: !stored.fresh, ...(integration.status === 'testing' ? { testing: true } : {}) });
      if (stored.status === 'received') {
        queue.push(stored.id);
        pump();
      }
    },

    /** An Express handler: a Refusal is answered, anything else goes to the error handler. */
    handle: (work: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: (error?: unknown) => void) => {
      work(req, res).catch((error: unknown) => {
        if (error instanceof Refusal) {
          res.status(error.status).set(error.headers).json({ error: error.message });
          return;
        }
        next(error);
      });
    },
  };
  return edge;
}

export type InboundEdge = ReturnType<typeof createInboundEdge>;
