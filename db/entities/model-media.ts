import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, uuidPk } from './columns.ts';
import { Model } from './model.ts';

export const ModelMedia = defineEntity({
  name: 'ModelMedia',
  tableName: 'model_media',
  properties: {
    id: uuidPk(),
    model: () => p.manyToOne(Model).fieldName('model_id'),
    /** photo, video, doc */
    type: p.text(),
    storageKey: p.text(),
    url: p.text(),
    checksum: p.text().nullable(),
    isPrimary: p.boolean().nullable().default(false),
    isPublic: p.boolean().nullable().default(true),
    sortOrder: p.integer().nullable().default(0),
    createdAt: createdAt(),
  },
  indexes: [
    { name: 'idx_model_media_model', properties: ['model'] },
    { name: 'idx_model_media_primary', properties: ['model', 'isPrimary'] },
  ],
});
export type ModelMedia = InferEntity<typeof ModelMedia>;
