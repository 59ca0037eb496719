import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, uuidPk, type JsonObject } from './columns.ts';
import { User } from './user.ts';

/** Timeline of any lifecycle entity (booking_timeline generalised). */
export const EntityTimeline = defineEntity({
  name: 'EntityTimeline',
  tableName: 'entity_timeline',
  properties: {
    id: uuidPk(),
    entityType: p.text(),
    entityId: p.uuid(),
    eventType: p.text(),
    payload: p.json<JsonObject>().nullable(),
    createdBy: () => p.manyToOne(User).nullable().fieldName('created_by').deleteRule('no action'),
    transitionId: p.text().nullable(),
    createdAt: createdAt(),
  },
  indexes: [{ name: 'idx_entity_timeline', properties: ['entityType', 'entityId', 'createdAt'] }],
  uniques: [
    { name: 'uq_entity_timeline_transition', properties: ['entityType', 'entityId', 'transitionId', 'eventType'] },
  ],
});
export type EntityTimeline = InferEntity<typeof EntityTimeline>;
