import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Permission } from './permission.ts';
import { Role } from './role.ts';

/** Pivot of `Role.permissions`; PRIMARY KEY (role_id, permission_id). */
export const RolePermission = defineEntity({
  name: 'RolePermission',
  tableName: 'role_permissions',
  properties: {
    role: () => p.manyToOne(Role).primary().fieldName('role_id'),
    permission: () => p.manyToOne(Permission).primary().fieldName('permission_id'),
  },
});
export type RolePermission = InferEntity<typeof RolePermission>;
