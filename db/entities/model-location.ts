import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Location } from './location.ts';
import { Model } from './model.ts';

/** Pivot of `Model.servedLocations`: districts a model serves besides her base; PRIMARY KEY (model_id, location_id). */
export const ModelLocation = defineEntity({
  name: 'ModelLocation',
  tableName: 'model_locations',
  properties: {
    model: () => p.manyToOne(Model).primary().fieldName('model_id').deleteRule('cascade'),
    location: () => p.manyToOne(Location).primary().fieldName('location_id'),
  },
});
export type ModelLocation = InferEntity<typeof ModelLocation>;
