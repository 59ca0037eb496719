import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { uuidPk } from './columns.ts';

export const Location = defineEntity({
  name: 'Location',
  tableName: 'locations',
  properties: {
    id: uuidPk(),
    title: p.text(),
    slug: p.text().unique(),
    county: p.text().nullable(),
    country: p.text().nullable().default('UK'),
    timezone: p.text().nullable().default('Europe/London'),
    latitude: p.decimal().precision(9).scale(6).nullable(),
    longitude: p.decimal().precision(9).scale(6).nullable(),
    status: p.text().default('active'),
    isPopular: p.boolean().nullable().default(false),
    /** Travel time out of this location, added to the time a booking here holds its model (minutes). */
    travelMinutes: p.integer().default(0),
  },
});
export type Location = InferEntity<typeof Location>;
