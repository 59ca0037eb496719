import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Booking } from './booking.ts';
import { Client } from './client.ts';
import { createdAt, money, timestamptz, updatedAt, uuidPk } from './columns.ts';
import { InquiryMatch } from './inquiry-match.ts';
import { Location } from './location.ts';
import { User } from './user.ts';

export const Inquiry = defineEntity({
  name: 'Inquiry',
  tableName: 'inquiries',
  properties: {
    id: uuidPk(),
    /** Human-readable reference, e.g. "I-1001"; assigned by the application. */
    ref: p.text().unique(),
    /** web, telegram, whatsapp, phone, partner */
    source: p.text(),
    /** ID in the external system; (source, external_ref) is unique for idempotent intake. */
    externalRef: p.text().nullable(),
    client: () => p.manyToOne(Client).nullable().fieldName('client_id').deleteRule('no action'),
    /** Contact details as received, before a client is linked. */
    clientName: p.text().nullable(),
    clientEmail: p.text().nullable(),
    clientPhone: p.text().nullable(),
    /** new, qualified, awaiting_client, awaiting_deposit, converted, lost, spam */
    status: p.text().default('new'),
    /** low, normal, high, critical */
    priority: p.text().default('normal'),
    subject: p.text().nullable(),
    message: p.text().nullable(),
    requestedLocation: () => p.manyToOne(Location).nullable().fieldName('requested_location_id').deleteRule('no action'),
    requestedServices: p.json<unknown>().nullable(),
    requestedTimeFrom: timestamptz().nullable(),
    requestedTimeTo: timestamptz().nullable(),
    depositAmount: money().nullable(),
    /** none, pending, paid, failed: the deposit asked of the client in awaiting_deposit. */
    depositStatus: p.text().default('none'),
    assignedTo: () => p.manyToOne(User).nullable().fieldName('assigned_to').deleteRule('no action'),
    /** The booking this inquiry was converted into. */
    booking: () => p.manyToOne(Booking).nullable().fieldName('booking_id').deleteRule('no action'),
    closedReason: p.text().nullable(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    matches: () => p.oneToMany(InquiryMatch).mappedBy('inquiry'),
  },
  uniques: [{ properties: ['source', 'externalRef'] }],
  indexes: [
    { name: 'idx_inquiries_status_priority', properties: ['status', 'priority'] },
    { name: 'idx_inquiries_assigned', properties: ['assignedTo', 'status'] },
    { name: 'idx_inquiries_created', properties: ['createdAt'] },
  ],
});
export type Inquiry = InferEntity<typeof Inquiry>;
