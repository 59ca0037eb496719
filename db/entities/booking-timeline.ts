import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Booking } from './booking.ts';
import { createdAt, uuidPk, type JsonObject } from './columns.ts';
import { User } from './user.ts';

/** Every event of a booking (the seed's table; `EntityTimeline` generalises it to all entities). */
export const BookingTimeline = defineEntity({
  name: 'BookingTimeline',
  tableName: 'booking_timeline',
  properties: {
    id: uuidPk(),
    booking: () => p.manyToOne(Booking).fieldName('booking_id'),
    /** status_changed, payment_received, note_added */
    eventType: p.text(),
    payload: p.json<JsonObject>().nullable(),
    createdBy: () => p.manyToOne(User).nullable().fieldName('created_by').deleteRule('no action'),
    createdAt: createdAt(),
  },
  indexes: [{ name: 'idx_booking_timeline', properties: ['booking', 'createdAt'] }],
});
export type BookingTimeline = InferEntity<typeof BookingTimeline>;
