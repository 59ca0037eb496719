import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, timestamptz, updatedAt, uuidPk, type JsonObject } from './columns.ts';
import { User } from './user.ts';

export const Task = defineEntity({
  name: 'Task',
  tableName: 'tasks',
  properties: {
    id: uuidPk(),
    /** Human-readable reference, e.g. "T-1001"; assigned by the application. */
    ref: p.text().unique(),
    /** confirm_booking, request_deposit, follow_up, review_exception */
    type: p.text(),
    /** open, in_progress, done, failed, cancelled */
    status: p.text().default('open'),
    /** low, normal, high, critical */
    priority: p.text().default('normal'),
    subject: p.text(),
    /** inquiry, booking, model, payment, integration */
    entityType: p.text(),
    entityId: p.uuid(),
    assignedTo: () => p.manyToOne(User).nullable().fieldName('assigned_to').deleteRule('no action'),
    dueAt: timestamptz().nullable(),
    slaDeadlineAt: timestamptz().nullable(),
    slaWarningAt: timestamptz().nullable(),
    slaBreached: p.boolean().default(false),
    slaBreachedAt: timestamptz().nullable(),
    completedAt: timestamptz().nullable(),
    createdBy: () => p.manyToOne(User).nullable().fieldName('created_by').deleteRule('no action'),
    details: p.json<JsonObject>().nullable(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  indexes: [
    { name: 'idx_tasks_assigned_status', properties: ['assignedTo', 'status'] },
    { name: 'idx_tasks_status_sla', properties: ['status', 'slaDeadlineAt'] },
    { name: 'idx_tasks_entity', properties: ['entityType', 'entityId'] },
    { name: 'idx_tasks_sla_breached_status', properties: ['slaBreached', 'status'] },
  ],
});
export type Task = InferEntity<typeof Task>;
