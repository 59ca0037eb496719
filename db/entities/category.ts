import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, updatedAt, uuidPk } from './columns.ts';

export const Category = defineEntity({
  name: 'Category',
  tableName: 'categories',
  properties: {
    id: uuidPk(),
    title: p.text(),
    slug: p.text().unique(),
    h1: p.text().nullable(),
    introHtml: p.text().nullable(),
    descriptionHtml: p.text().nullable(),
    status: p.text().default('active'),
    isPopular: p.boolean().nullable().default(false),
    seoTitle: p.text().nullable(),
    seoDescription: p.text().nullable(),
    seoKeywords: p.text().nullable(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
});
export type Category = InferEntity<typeof Category>;
