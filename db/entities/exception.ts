import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, timestamptz, updatedAt, uuidPk, type JsonObject } from './columns.ts';
import { User } from './user.ts';

/** An operational exception (table `exceptions`), not a JS error. */
export const Exception = defineEntity({
  name: 'Exception',
  tableName: 'exceptions',
  properties: {
    id: uuidPk(),
    /** Human-readable reference, e.g. "E-1001"; assigned by the application. */
    ref: p.text().unique(),
    /** payment_failed, no_show_risk, mismatch, overbooking, policy_violation */
    type: p.text(),
    /** open, investigating, resolved, dismissed */
    status: p.text().default('open'),
    /** low, medium, high, critical */
    severity: p.text(),
    entityType: p.text(),
    entityId: p.uuid(),
    summary: p.text(),
    details: p.json<JsonObject>().nullable(),
    assignedTo: () => p.manyToOne(User).nullable().fieldName('assigned_to').deleteRule('no action'),
    slaDeadlineAt: timestamptz().nullable(),
    slaWarningAt: timestamptz().nullable(),
    slaBreached: p.boolean().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    resolvedAt: timestamptz().nullable(),
    resolvedBy: () => p.manyToOne(User).nullable().fieldName('resolved_by').deleteRule('no action'),
  },
  indexes: [
    { name: 'idx_exceptions_status_severity', properties: ['status', 'severity'] },
    { name: 'idx_exceptions_entity', properties: ['entityType', 'entityId'] },
    { name: 'idx_exceptions_assigned_status', properties: ['assignedTo', 'status'] },
  ],
});
export type Exception = InferEntity<typeof Exception>;
