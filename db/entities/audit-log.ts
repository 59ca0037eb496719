import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, uuidPk, type JsonObject } from './columns.ts';
import { User } from './user.ts';

export const AuditLog = defineEntity({
  name: 'AuditLog',
  tableName: 'audit_log',
  properties: {
    id: uuidPk(),
    actorUser: () => p.manyToOne(User).nullable().fieldName('actor_user_id').deleteRule('no action'),
    /** user, system */
    actorType: p.text().default('user'),
    /** STATUS_CHANGE, CREATE, UPDATE, DELETE */
    action: p.text(),
    entityType: p.text(),
    entityId: p.uuid(),
    before: p.json<JsonObject>().nullable(),
    after: p.json<JsonObject>().nullable(),
    ip: p.text().nullable(),
    userAgent: p.text().nullable(),
    /** Reason and other context of the action. */
    metadata: p.json<JsonObject>().nullable(),
    /** Idempotency of a state transition: one audit row per (entity, transition). */
    transitionId: p.text().nullable(),
    createdAt: createdAt(),
  },
  indexes: [
    { name: 'idx_audit_log_entity', properties: ['entityType', 'entityId', 'createdAt'] },
    { name: 'idx_audit_log_actor', properties: ['actorUser', 'createdAt'] },
    { name: 'idx_audit_log_created', properties: ['createdAt'] },
  ],
  uniques: [{ name: 'uq_audit_log_transition', properties: ['entityType', 'entityId', 'transitionId'] }],
});
export type AuditLog = InferEntity<typeof AuditLog>;
