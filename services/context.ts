/**
 * What every command of the application layer runs with: its dependencies, passed in (never
 * global), and the caller — whose rights apply, who is recorded as acting, the request's stable
 * key and this delivery's id. The GraphQL API builds a caller from a signed-in user, the
 * Idempotency-Key and the HTTP request id; automation and webhooks build one from the platform
 * (SYSTEM) and their execution or event id, which serves as both.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { OutboundPolicy } from '../platform/guarded-fetch.ts';
import { SYSTEM, type Principal } from '../domain/access.ts';
import type { Actor } from '../workflows/lifecycle/messages.ts';
import type { RequestOrigin } from './audit-records.ts';

export interface ServiceDeps {
  /** A unit of work (the API forks one per request). */
  readonly em: EntityManager;
  readonly temporal: Client;
  /** Ends a user's sessions in the caller's transaction (disabled, password or roles changed). */
  readonly sessions: SessionRevoker;
  /**
   * Which non-public hosts an operator-supplied URL (a calendar import) may reach
   * (CALENDAR_IMPORT_ALLOW_HOSTS); absent: public addresses only.
   */
  readonly outbound?: OutboundPolicy | undefined;
}

/** The part of sign-in sessions the services use (api/auth/sessions.ts implements it). */
export interface SessionRevoker {
  /** Revokes every open session of the user inside `em`'s transaction; the number revoked. */
  revokeUser(userId: string, reason: string, em: EntityManager): Promise<number>;
}

export interface Caller {
  readonly principal: Principal;
  /**
   * Stable across retries of the same request (Idempotency-Key, webhook event id, rule
   * execution id); absent for a one-off request.
   */
  readonly requestKey?: string | undefined;
  /**
   * This delivery of the request (the HTTP request id; for the platform its request key): what a
   * create records as the creating request, so that a retry under the same request key — a new
   * delivery — is told `firstDelivery: false`. Absent: a fresh id per create.
   */
  readonly requestId?: string | undefined;
  /** Where the request came from (address, user agent), recorded on audit rows; absent off-request. */
  readonly origin?: RequestOrigin | undefined;
}

/** Who is recorded as acting: the user, or the platform itself. */
export function actorOf(caller: Caller): Actor {
  return caller.principal.id ? { type: 'user', userId: caller.principal.id } : { type: 'system' };
}

/**
 * The transition id of the caller's change: derived from its request key (scoped to the user),
 * so a retried request is the same change; a fresh id without one. `step` tells apart several
 * changes made by one request.
 */
export function transitionIdOf(caller: Caller, step = ''): string {
  if (caller.requestKey === undefined) return randomUUID();
  return `${caller.principal.id ?? 'system'}:${caller.requestKey}${step}`;
}

/**
 * The id of an entity the caller creates: derived from (user, request key, kind) when there is
 * a key, so a retry after a crash (whose first result was never stored) starts the same
 * workflow again and attaches to it instead of creating a second entity.
 */
export function newEntityId(caller: Caller, kind: string): string {
  if (caller.requestKey === undefined) return randomUUID();
  return uuidFromName(`${caller.principal.id ?? 'system'}:${caller.requestKey}:${kind}`);
}

/** A UUID determined by a name: the same name always gives the same id. */
export function uuidFromName(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  // RFC 9562 layout: version 5 (name-based, SHA), variant 10.
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The platform acting on its own, e.g. an automation rule's execution: its key is also its delivery's id. */
export function systemCaller(requestKey: string): Caller {
  return { principal: SYSTEM, requestKey, requestId: requestKey };
}
