/**
 * How a resolver reaches the application layer: the request's services (over its own
 * EntityManager fork and the Temporal client) and the caller (the signed-in viewer and the
 * request's Idempotency-Key).
 */
import { createServices, type Caller, type Services } from '../../services/index.ts';
import type { Viewer } from '../auth/sessions.ts';
import type { ApiContext } from './context.ts';

export function servicesOf(ctx: Pick<ApiContext, 'em' | 'temporal'>): Services {
  return createServices({ em: ctx.em, temporal: ctx.temporal });
}

export function callerOf(ctx: Pick<ApiContext, 'idempotencyKey'>, viewer: Viewer): Caller {
  return { principal: viewer, requestKey: ctx.idempotencyKey };
}
