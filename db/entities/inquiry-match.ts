import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, uuidPk, type JsonObject } from './columns.ts';
import { Inquiry } from './inquiry.ts';
import { Model } from './model.ts';

/** Result of matching an inquiry against models. */
export const InquiryMatch = defineEntity({
  name: 'InquiryMatch',
  tableName: 'inquiry_matches',
  properties: {
    id: uuidPk(),
    inquiry: () => p.manyToOne(Inquiry).fieldName('inquiry_id'),
    model: () => p.manyToOne(Model).fieldName('model_id'),
    /** 0-100 */
    score: p.decimal().precision(5).scale(2).nullable(),
    /** Why it matched. */
    reason: p.json<JsonObject>().nullable(),
    createdAt: createdAt(),
  },
  indexes: [
    { name: 'idx_inquiry_matches_inquiry', properties: ['inquiry'] },
    { name: 'idx_inquiry_matches_model', properties: ['model'] },
  ],
});
export type InquiryMatch = InferEntity<typeof InquiryMatch>;
