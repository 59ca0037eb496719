import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Category } from './category.ts';
import { Model } from './model.ts';

/** Pivot of `Model.categories`; PRIMARY KEY (model_id, category_id). */
export const ModelCategory = defineEntity({
  name: 'ModelCategory',
  tableName: 'model_categories',
  properties: {
    model: () => p.manyToOne(Model).primary().fieldName('model_id'),
    category: () => p.manyToOne(Category).primary().fieldName('category_id'),
  },
});
export type ModelCategory = InferEntity<typeof ModelCategory>;
