import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AttributeValue } from './attribute-value.ts';
import { uuidPk } from './columns.ts';

export const Attribute = defineEntity({
  name: 'Attribute',
  tableName: 'attributes',
  properties: {
    id: uuidPk(),
    /** hair_colour, bust_type */
    code: p.text().unique(),
    name: p.text(),
    isFilterable: p.boolean().nullable().default(true),
    isPublic: p.boolean().nullable().default(true),
    /** enum, text, number */
    dataType: p.text().default('enum'),
    status: p.text().default('active'),
    values: () => p.oneToMany(AttributeValue).mappedBy('attribute'),
  },
});
export type Attribute = InferEntity<typeof Attribute>;
