import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { BookingService } from './booking-service.ts';
import { BookingTimeline } from './booking-timeline.ts';
import { Client } from './client.ts';
import { createdAt, money, timestamptz, updatedAt, uuidPk } from './columns.ts';
import { Inquiry } from './inquiry.ts';
import { Location } from './location.ts';
import { Model } from './model.ts';
import { Payment } from './payment.ts';
import { Service } from './service.ts';
import { User } from './user.ts';

export const Booking = defineEntity({
  name: 'Booking',
  tableName: 'bookings',
  properties: {
    id: uuidPk(),
    /** Human-readable reference, e.g. "B-1001"; assigned by the application. */
    ref: p.text().unique(),
    inquiry: () => p.manyToOne(Inquiry).nullable().fieldName('inquiry_id').deleteRule('no action'),
    client: () => p.manyToOne(Client).fieldName('client_id'),
    model: () => p.manyToOne(Model).fieldName('model_id'),
    location: () => p.manyToOne(Location).fieldName('location_id'),
    startAt: timestamptz(),
    endAt: timestamptz(),
    /** draft, pending, deposit_required, confirmed, in_progress, completed, cancelled, no_show, expired */
    status: p.text().default('draft'),
    priceTotal: money(),
    currency: p.text().default('GBP'),
    depositRequired: money().nullable(),
    /** none, pending, paid, failed */
    depositStatus: p.text().nullable().default('none'),
    /** unpaid, partial, paid, refunded */
    paymentStatus: p.text().nullable().default('unpaid'),
    assignedTo: () => p.manyToOne(User).nullable().fieldName('assigned_to').deleteRule('no action'),
    notesInternal: p.text().nullable(),
    clientConfirmedArrival: p.boolean().default(false),
    expiresAt: timestamptz().nullable(),
    /**
     * End plus the model's buffer and the location's travel time: until when a time-holding
     * booking holds its model. Written by the database (trigger booking_held_until) only.
     */
    heldUntil: timestamptz().nullable(),
    confirmedAt: timestamptz().nullable(),
    cancelledAt: timestamptz().nullable(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    services: () => p.manyToMany(Service).pivotEntity(() => BookingService),
    timeline: () => p.oneToMany(BookingTimeline).mappedBy('booking'),
    payments: () => p.oneToMany(Payment).mappedBy('booking'),
  },
  indexes: [
    { name: 'idx_bookings_model_start', properties: ['model', 'startAt'] },
    { name: 'idx_bookings_client', properties: ['client', 'createdAt'] },
    { name: 'idx_bookings_status_start', properties: ['status', 'startAt'] },
    { name: 'idx_bookings_assigned', properties: ['assignedTo', 'status'] },
  ],
});
export type Booking = InferEntity<typeof Booking>;
