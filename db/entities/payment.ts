import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Booking } from './booking.ts';
import { createdAt, money, updatedAt, uuidPk, type JsonObject } from './columns.ts';

export const Payment = defineEntity({
  name: 'Payment',
  tableName: 'payments',
  properties: {
    id: uuidPk(),
    booking: () => p.manyToOne(Booking).fieldName('booking_id'),
    /** stripe, revolut, custom */
    provider: p.text(),
    providerPaymentId: p.text().nullable(),
    /** deposit, full, refund */
    type: p.text(),
    /** pending, succeeded, failed, cancelled */
    status: p.text().default('pending'),
    amount: money(),
    currency: p.text().default('GBP'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /** Full provider response. */
    raw: p.json<JsonObject>().nullable(),
  },
  uniques: [{ properties: ['provider', 'providerPaymentId'] }],
  indexes: [{ name: 'idx_payments_booking', properties: ['booking'] }],
});
export type Payment = InferEntity<typeof Payment>;
