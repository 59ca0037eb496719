import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AttributeValue } from './attribute-value.ts';
import { Model } from './model.ts';

/** Pivot of `Model.attributeValues`; PRIMARY KEY (model_id, attribute_value_id). */
export const ModelAttribute = defineEntity({
  name: 'ModelAttribute',
  tableName: 'model_attributes',
  properties: {
    model: () => p.manyToOne(Model).primary().fieldName('model_id'),
    attributeValue: () => p.manyToOne(AttributeValue).primary().fieldName('attribute_value_id'),
  },
});
export type ModelAttribute = InferEntity<typeof ModelAttribute>;
