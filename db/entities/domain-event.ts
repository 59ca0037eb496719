import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, timestamptz, uuidPk, type JsonObject } from './columns.ts';
import { User } from './user.ts';

/** Outbox of domain events for asynchronous processing. */
export const DomainEvent = defineEntity({
  name: 'DomainEvent',
  tableName: 'domain_events',
  properties: {
    id: uuidPk(),
    eventType: p.text(),
    entityType: p.text(),
    entityId: p.uuid(),
    payload: p.json<JsonObject>(),
    /** Idempotency of a state transition: one event of a type per (entity, transition). */
    transitionId: p.text().nullable(),
    /**
     * Acting user, if any. A relation for symmetry with `AuditLog.actorUser` (pass an id or a User),
     * but without a foreign key constraint: the outbox never blocks or cascades on users.
     */
    actorUser: () => p.manyToOne(User).nullable().fieldName('actor_user_id').createForeignKeyConstraint(false),
    createdAt: createdAt(),
    publishedAt: timestamptz().nullable(),
  },
  indexes: [
    { name: 'idx_domain_events_type', properties: ['eventType', 'createdAt'] },
    { name: 'idx_domain_events_published', properties: ['publishedAt'] },
    { name: 'idx_domain_events_created', properties: ['createdAt', 'id'] },
  ],
  uniques: [
    { name: 'uq_domain_events_transition', properties: ['entityType', 'entityId', 'eventType', 'transitionId'] },
  ],
});
export type DomainEvent = InferEntity<typeof DomainEvent>;
