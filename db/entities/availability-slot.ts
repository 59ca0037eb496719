import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, timestamptz, updatedAt, uuidPk } from './columns.ts';
import { Model } from './model.ts';

export const AvailabilitySlot = defineEntity({
  name: 'AvailabilitySlot',
  tableName: 'availability_slots',
  properties: {
    id: uuidPk(),
    model: () => p.manyToOne(Model).fieldName('model_id'),
    startAt: timestamptz(),
    endAt: timestamptz(),
    /** available, unavailable, tentative */
    status: p.text().default('available'),
    /** manual, automation, sync */
    source: p.text().nullable().default('manual'),
    confidence: p.decimal().precision(3).scale(2).nullable().defaultRaw('1.0'),
    /** The calendar import that wrote this `sync` slot (Migration20261130162000_calendar). */
    calendarImportId: p.uuid().nullable(),
    /** The imported event (UID and occurrence) this slot stands for. */
    externalUid: p.text().nullable(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  indexes: [
    { name: 'idx_availability_slots_model', properties: ['model', 'startAt'] },
    { name: 'idx_availability_slots_status', properties: ['status', 'startAt'] },
  ],
});
export type AvailabilitySlot = InferEntity<typeof AvailabilitySlot>;
