/**
 * The bookkeeping every state change writes beside its row, in the same transaction:
 * audit_log, entity_timeline and domain_events, then pg_notify for realtime listeners.
 * Keyed by (entity, transition id): the unique constraints make a replay a no-op.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditLog, BookingTimeline, DomainEvent, EntityTimeline } from '../../db/entities/index.ts';
import type { Actor } from '../../workflows/lifecycle/messages.ts';

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
  if (change.entityType === 'booking') {
    // The seed's booking_timeline, kept beside the generic entity_timeline.
    em.create(BookingTimeline, { booking: change.entityId, eventType: change.eventType, payload: change.payload, createdBy: actorUser });
  }
  const event = em.create(DomainEvent, {
    eventType: change.eventType,
    entityType: change.entityType,
    entityId: change.entityId,
    payload: change.payload,
    transitionId: change.transitionId,
    actorUser,
  });
  await em.flush();
  await notify(em, { eventId: event.id, eventType: change.eventType, entityType: change.entityType, entityId: change.entityId });
  return { eventId: event.id };
}

/** NOTIFY inside the caller's transaction: delivered only if it commits. Ids only (8 kB limit). */
async function notify(em: EntityManager, payload: { eventId: string; eventType: string; entityType: string; entityId: string }): Promise<void> {
  await em.getConnection().execute('SELECT pg_notify(?, ?)', [CHANGES_CHANNEL, JSON.stringify(payload)], 'get', em.getTransactionContext());
}

export interface EventRecord {
  readonly entityType: string;
  readonly entityId: string;
  readonly eventType: string;
  readonly transitionId: string;
  readonly payload: Record<string, unknown>;
}

/** An event without a state change: timeline + domain event + NOTIFY; a repeat is a no-op. */
export async function writeEventRecord(em: EntityManager, record: EventRecord): Promise<{ eventId: string | null }> {
  const { entityType, entityId, eventType, transitionId } = record;
  if (await em.findOne(DomainEvent, { entityType, entityId, eventType, transitionId })) return { eventId: null };
  em.create(EntityTimeline, { entityType, entityId, eventType, payload: record.payload, createdBy: null, transitionId });
  if (entityType === 'booking') em.create(BookingTimeline, { booking: entityId, eventType, payload: record.payload, createdBy: null });
  const event = em.create(DomainEvent, { eventType, entityType, entityId, payload: record.payload, transitionId, actorUser: null });
  await em.flush();
  await notify(em, { eventId: event.id, eventType, entityType, entityId });
  return { eventId: event.id };
}
