import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Model } from './model.ts';
import { Service } from './service.ts';

/** Pivot of `Model.services`; PRIMARY KEY (model_id, service_id), plus the is_enabled flag. */
export const ModelService = defineEntity({
  name: 'ModelService',
  tableName: 'model_services',
  properties: {
    model: () => p.manyToOne(Model).primary().fieldName('model_id'),
    service: () => p.manyToOne(Service).primary().fieldName('service_id'),
    isEnabled: p.boolean().nullable().default(true),
  },
});
export type ModelService = InferEntity<typeof ModelService>;
