/**
 * The audit row of a non-lifecycle write (users, roles, catalogue, clients, directories), written
 * by the change log (db/change-log.ts) in the caller's transaction so the change and its record
 * commit together or not at all. Lifecycle changes are audited by the transition store instead.
 */
import { Utils, wrap } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { writeChange } from '../db/change-log.ts';
import type { JsonObject } from '../db/entities/columns.ts';
import type { Caller } from './context.ts';

/** Where a request came from: its address and user agent. */
export interface RequestOrigin {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface AuditEntry {
  /** Who acted: a user (by id) or, for a caller, whoever its principal is. */
  readonly viewer: { readonly id: string | null };
  /** CREATE, UPDATE, DELETE, or a specific verb: DISABLE, ROLES_CHANGE, STATUS_CHANGE … */
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly before?: object | null;
  readonly after?: object | null;
  readonly metadata?: JsonObject | null;
  /** The request's address and user agent, when there is a request. */
  readonly client?: RequestOrigin | null | undefined;
}

/** A JSON snapshot of an entity (hidden properties such as password hashes left out) or plain object. */
export function snapshot(value: object | null | undefined): JsonObject | null {
  if (!value) return null;
  const plain = Utils.isEntity(value) ? wrap(value).toObject() : value;
  return JSON.parse(JSON.stringify(plain)) as JsonObject;
}

export async function recordAudit(em: EntityManager, entry: AuditEntry): Promise<void> {
  await writeChange(em, {
    entityType: entry.entityType,
    entityId: entry.entityId,
    transitionId: null,
    actor: entry.viewer.id ? { type: 'user', userId: entry.viewer.id } : { type: 'system' },
    audit: {
      action: entry.action, before: snapshot(entry.before), after: snapshot(entry.after), metadata: entry.metadata ?? null,
      ip: entry.client?.ip ?? null, userAgent: entry.client?.userAgent ?? null,
    },
  });
}

/** The audit row of a caller's change: the caller acts, from the caller's origin. */
export function recordCallerAudit(em: EntityManager, caller: Caller, entry: Omit<AuditEntry, 'viewer' | 'client'>): Promise<void> {
  return recordAudit(em, { ...entry, viewer: { id: caller.principal.id }, client: caller.origin });
}
