import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamptz, uuidPk, type JsonObject } from './columns.ts';
import { Booking } from './booking.ts';
import { Model } from './model.ts';

/** A detected conflict between expected and actual availability. */
export const AvailabilityMismatch = defineEntity({
  name: 'AvailabilityMismatch',
  tableName: 'availability_mismatches',
  properties: {
    id: uuidPk(),
    model: () => p.manyToOne(Model).fieldName('model_id'),
    expectedStatus: p.text(),
    actualStatus: p.text(),
    detectedAt: timestamptz(),
    /** low, medium, high, critical */
    severity: p.text(),
    context: p.json<JsonObject>().nullable(),
    resolvedAt: timestamptz().nullable(),
    /** The booking the mismatch is about (a booking outside availability, an overlap). */
    booking: () => p.manyToOne(Booking).nullable().fieldName('booking_id').deleteRule('no action'),
    /** outside_availability, overbooking: one open mismatch per booking and kind. */
    kind: p.text().nullable(),
    /** The exception opened for it in the Action Center. */
    exceptionId: p.uuid().nullable(),
  },
  indexes: [
    { name: 'idx_availability_mismatches_detected', properties: ['detectedAt'] },
    { name: 'idx_availability_mismatches_model', properties: ['model', 'resolvedAt'] },
  ],
});
export type AvailabilityMismatch = InferEntity<typeof AvailabilityMismatch>;
