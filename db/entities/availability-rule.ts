import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, updatedAt, uuidPk, type JsonObject } from './columns.ts';
import { Location } from './location.ts';
import { Model } from './model.ts';

export const AvailabilityRule = defineEntity({
  name: 'AvailabilityRule',
  tableName: 'availability_rules',
  properties: {
    id: uuidPk(),
    name: p.text(),
    /** global, location, model */
    scope: p.text(),
    location: () => p.manyToOne(Location).nullable().fieldName('location_id').deleteRule('no action'),
    model: () => p.manyToOne(Model).nullable().fieldName('model_id').deleteRule('no action'),
    /** Schedule, limits, blackouts. */
    rule: p.json<JsonObject>(),
    status: p.text().default('active'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
});
export type AvailabilityRule = InferEntity<typeof AvailabilityRule>;
