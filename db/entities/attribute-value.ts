import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Attribute } from './attribute.ts';
import { uuidPk } from './columns.ts';

export const AttributeValue = defineEntity({
  name: 'AttributeValue',
  tableName: 'attribute_values',
  properties: {
    id: uuidPk(),
    attribute: () => p.manyToOne(Attribute).fieldName('attribute_id'),
    value: p.text(),
    sortOrder: p.integer().nullable().default(0),
    status: p.text().default('active'),
  },
  uniques: [{ properties: ['attribute', 'value'] }],
});
export type AttributeValue = InferEntity<typeof AttributeValue>;
