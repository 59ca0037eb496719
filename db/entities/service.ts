import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, updatedAt, uuidPk } from './columns.ts';

export const Service = defineEntity({
  name: 'Service',
  tableName: 'services',
  properties: {
    id: uuidPk(),
    title: p.text(),
    slug: p.text().unique(),
    status: p.text().default('active'),
    isPopular: p.boolean().nullable().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
});
export type Service = InferEntity<typeof Service>;
