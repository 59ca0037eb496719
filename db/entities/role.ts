import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { uuidPk } from './columns.ts';
import { Permission } from './permission.ts';
import { RolePermission } from './role-permission.ts';
import { User } from './user.ts';

export const Role = defineEntity({
  name: 'Role',
  tableName: 'roles',
  properties: {
    id: uuidPk(),
    /** OWNER, OPS_MANAGER, OPERATOR */
    code: p.text().unique(),
    name: p.text(),
    description: p.text().nullable(),
    permissions: () => p.manyToMany(Permission).pivotEntity(() => RolePermission),
    users: () => p.manyToMany(User).mappedBy('roles'),
  },
});
export type Role = InferEntity<typeof Role>;
