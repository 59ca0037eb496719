/**
 * How a resolver reaches the application layer: the request's services (over its own
 * EntityManager fork, the Temporal client and the sign-in sessions) and the caller (the signed-in
 * viewer, the request's Idempotency-Key, its request id and where the request came from).
 */
import { createServices, type Caller, type Services } from '../../services/index.ts';
import type { Viewer } from '../auth/sessions.ts';
import type { ApiContext } from './context.ts';

export function servicesOf(ctx: Pick<ApiContext, 'em' | 'temporal' | 'sessions'> & Partial<Pick<ApiContext, 'outbound'>>): Services {
  return createServices({ em: ctx.em, temporal: ctx.temporal, sessions: ctx.sessions, outbound: ctx.outbound });
}

export function callerOf(ctx: Pick<ApiContext, 'idempotencyKey'> & Partial<Pick<ApiContext, 'client' | 'requestId'>>, viewer: Viewer): Caller {
  return { principal: viewer, requestKey: ctx.idempotencyKey, requestId: ctx.requestId, origin: ctx.client };
}
