import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Booking } from './booking.ts';
import { Inquiry } from './inquiry.ts';
import { createdAt, money, timestamptz, updatedAt, uuidPk, type JsonObject } from './columns.ts';

export const Payment = defineEntity({
  name: 'Payment',
  tableName: 'payments',
  properties: {
    id: uuidPk(),
    /** The booking it pays for; null while it is an inquiry's deposit not yet converted. */
    booking: () => p.manyToOne(Booking).nullable().fieldName('booking_id'),
    /** The inquiry whose deposit it is (asked in awaiting_deposit); kept after conversion. */
    inquiry: () => p.manyToOne(Inquiry).nullable().fieldName('inquiry_id').deleteRule('no action'),
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
    /** A refund's payment (type refund only). */
    refundsPaymentId: p.uuid().nullable(),
    /** Refunded so far; the database keeps it between 0 and `amount` (CHECK). */
    amountRefunded: money().default('0'),
    /** The provider's time of the last event applied (older events are out of order). */
    providerEventAt: timestamptz().nullable(),
    failureReason: p.text().nullable(),
  },
  uniques: [{ properties: ['provider', 'providerPaymentId'] }],
  indexes: [{ name: 'idx_payments_booking', properties: ['booking'] }],
});
export type Payment = InferEntity<typeof Payment>;
