/**
 * The bookkeeping every state change writes beside its row, in the same transaction:
 * audit_log, entity_timeline and domain_events, then pg_notify for realtime listeners.
 * Keyed by (entity, transition id): the unique constraints make a replay a no-op.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditLog, DomainEvent, EntityTimeline } from '../../db/entities/index.ts';
import type { Actor } from '../../workflows/inquiry/messages.ts';

/** The NOTIFY channel realtime listeners LISTEN on; payloads carry ids only. */
export const CHANGES_CHANNEL = 'virel_changes';

export interface ChangeRecord {
  readonly entityType: string;
  readonly entityId: string;
  readonly action: 'CREATE' | 'UPDATE' | 'STATUS_CHANGE' | 'ASSIGN' | 'NOTE';
  readonly eventType: string;
  readonly transitionId: string;
  readonly actor: Actor;
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
  readonly payload: Record<string, unknown>;
  readonly metadata?: Record<string, unknown> | undefined;
}

export async function writeChangeRecord(em: EntityManager, change: ChangeRecord): Promise<{ eventId: string }> {
  const actorUser = change.actor.userId ?? null;
  em.create(AuditLog, {
    actorUser,
    actorType: change.actor.type,
    action: change.action,
    entityType: change.entityType,
    entityId: change.entityId,
    before: change.before,
    after: change.after,
    metadata: change.metadata ?? null,
    transitionId: change.transitionId,
  });
  em.create(EntityTimeline, {
    entityType: change.entityType,
    entityId: change.entityId,
    eventType: change.eventType,
    payload: change.payload,
    createdBy: actorUser,
    transitionId: change.transitionId,
  });
  const event = em.create(DomainEvent, {
    eventType: change.eventType,
    entityType: change.entityType,
    entityId: change.entityId,
    payload: change.payload,
    transitionId: change.transitionId,
    actorUser,
  });
  await em.flush();
  await em.getConnection().execute('SELECT pg_notify(?, ?)', [
    CHANGES_CHANNEL,
    JSON.stringify({ eventId: event.id, eventType: change.eventType, entityType: change.entityType, entityId: change.entityId }),
  ], 'get', em.getTransactionContext());
  return { eventId: event.id };
}
