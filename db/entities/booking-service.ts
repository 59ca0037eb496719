import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Booking } from './booking.ts';
import { Service } from './service.ts';

/** Pivot of `Booking.services`; PRIMARY KEY (booking_id, service_id). */
export const BookingService = defineEntity({
  name: 'BookingService',
  tableName: 'booking_services',
  properties: {
    booking: () => p.manyToOne(Booking).primary().fieldName('booking_id'),
    service: () => p.manyToOne(Service).primary().fieldName('service_id'),
  },
});
export type BookingService = InferEntity<typeof BookingService>;
