import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AttributeValue } from './attribute-value.ts';
import { Category } from './category.ts';
import { createdAt, updatedAt, uuidPk } from './columns.ts';
import { Location } from './location.ts';
import { ModelAttribute } from './model-attribute.ts';
import { ModelCategory } from './model-category.ts';
import { ModelLocation } from './model-location.ts';
import { ModelMedia } from './model-media.ts';
import { ModelService } from './model-service.ts';
import { ModelStats } from './model-stats.ts';
import { Service } from './service.ts';

export const Model = defineEntity({
  name: 'Model',
  tableName: 'models',
  properties: {
    id: uuidPk(),
    /** Short code for external links, e.g. "SOPHIA-MF". */
    publicCode: p.text().unique(),
    name: p.text(),
    slug: p.text().unique(),
    primaryLocation: () => p.manyToOne(Location).nullable().fieldName('primary_location_id').deleteRule('no action'),
    /** active, inactive, suspended */
    status: p.text().default('active'),
    /** public, private, unlisted */
    visibility: p.text().default('public'),
    /** Internal rating 0-5. */
    ratingInternal: p.decimal().precision(3).scale(2).nullable(),
    notesInternal: p.text().nullable(),
    /** Turnaround after each booking before the model can start the next (minutes; held time, issue 14). */
    bufferMinutes: p.integer().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    stats: () => p.oneToOne(ModelStats).mappedBy('model').nullable(),
    media: () => p.oneToMany(ModelMedia).mappedBy('model'),
    services: () => p.manyToMany(Service).pivotEntity(() => ModelService),
    categories: () => p.manyToMany(Category).pivotEntity(() => ModelCategory),
    attributeValues: () => p.manyToMany(AttributeValue).pivotEntity(() => ModelAttribute),
    /** Districts served besides the primary location (matching, availability of a location). */
    servedLocations: () => p.manyToMany(Location).pivotEntity(() => ModelLocation),
  },
  indexes: [
    { name: 'idx_models_status_visibility', properties: ['status', 'visibility'] },
    { name: 'idx_models_location', properties: ['primaryLocation'] },
  ],
  uniques: [
    // The seed declares `slug TEXT UNIQUE` and also `CREATE UNIQUE INDEX idx_models_slug`; both are kept.
    { name: 'idx_models_slug', properties: ['slug'] },
  ],
});
export type Model = InferEntity<typeof Model>;
