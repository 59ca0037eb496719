import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Booking } from './booking.ts';
import { createdAt, updatedAt, uuidPk } from './columns.ts';
import { Inquiry } from './inquiry.ts';

export const Client = defineEntity({
  name: 'Client',
  tableName: 'clients',
  properties: {
    id: uuidPk(),
    fullName: p.text().nullable(),
    email: p.text().nullable(),
    phone: p.text().nullable(),
    /** web, telegram, whatsapp, phone */
    preferredChannel: p.text().nullable(),
    /** Where Telegram messages reach the client (a chat id, learnt when they write to the bot). */
    telegramChatId: p.text().nullable(),
    /** e.g. ['vip', 'regular', 'blacklist'] */
    tags: p.array().nullable(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    inquiries: () => p.oneToMany(Inquiry).mappedBy('client'),
    bookings: () => p.oneToMany(Booking).mappedBy('client'),
  },
  indexes: [
    { name: 'idx_clients_email', properties: ['email'] },
    { name: 'idx_clients_phone', properties: ['phone'] },
  ],
});
export type Client = InferEntity<typeof Client>;
