import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { money, uuidPk } from './columns.ts';
import { Location } from './location.ts';

export const CallRate = defineEntity({
  name: 'CallRate',
  tableName: 'call_rates',
  properties: {
    id: uuidPk(),
    location: () => p.manyToOne(Location).nullable().fieldName('location_id').deleteRule('no action'),
    currency: p.text().default('GBP'),
    durationMinutes: p.integer(),
    price: money(),
    status: p.text().default('active'),
  },
});
export type CallRate = InferEntity<typeof CallRate>;
