import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Model } from './model.ts';

/** One row per model; keyed by model_id. */
export const ModelStats = defineEntity({
  name: 'ModelStats',
  tableName: 'model_stats',
  properties: {
    model: () => p.oneToOne(Model).owner().primary().fieldName('model_id'),
    age: p.integer().nullable(),
    /** cm */
    height: p.integer().nullable(),
    /** kg */
    weight: p.integer().nullable(),
    dressSize: p.text().nullable(),
    bustSize: p.text().nullable(),
    /** natural, enhanced */
    bustType: p.text().nullable(),
    hairColour: p.text().nullable(),
    eyeColour: p.text().nullable(),
    /** non-smoker, smoker, social */
    smokingStatus: p.text().nullable(),
    /** none, small, large */
    tattooStatus: p.text().nullable(),
    piercingStatus: p.text().nullable(),
    orientation: p.text().nullable(),
    nationality: p.text().nullable(),
    /** e.g. ['English', 'French'] */
    languages: p.array().nullable(),
    /** e.g. ['secretary', 'nurse'] */
    uniforms: p.array().nullable(),
  },
});
export type ModelStats = InferEntity<typeof ModelStats>;
