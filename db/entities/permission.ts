import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { uuidPk } from './columns.ts';
import { Role } from './role.ts';

export const Permission = defineEntity({
  name: 'Permission',
  tableName: 'permissions',
  properties: {
    id: uuidPk(),
    /** bookings.read, bookings.update */
    code: p.text().unique(),
    description: p.text().nullable(),
    roles: () => p.manyToMany(Role).mappedBy('permissions'),
  },
});
export type Permission = InferEntity<typeof Permission>;
