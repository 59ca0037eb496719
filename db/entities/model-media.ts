import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, timestamptz, uuidPk } from './columns.ts';
import { Model } from './model.ts';

/** One rendered size of a photo, as stored in model_media.variants. */
export interface MediaVariantRow {
  readonly width: number;
  readonly height: number;
  readonly key: string;
  readonly bytes: number;
}

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
    /** uploaded, processing, ready, failed (domain/media.ts); written by the media item's workflow only */
    status: p.text().default('ready'),
    contentType: p.text().nullable(),
    sizeBytes: p.bigint('number').nullable(),
    originalName: p.text().nullable(),
    /** The rendered sizes of a photo: [{ width, height, key, bytes }] */
    variants: p.json<MediaVariantRow[]>().default([]),
    error: p.text().nullable(),
    processedAt: timestamptz().nullable(),
    createdAt: createdAt(),
  },
  indexes: [
    { name: 'idx_model_media_model', properties: ['model'] },
    { name: 'idx_model_media_primary', properties: ['model', 'isPrimary'] },
  ],
});
export type ModelMedia = InferEntity<typeof ModelMedia>;
