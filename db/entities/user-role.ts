import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Role } from './role.ts';
import { User } from './user.ts';

/** Pivot of `User.roles`; PRIMARY KEY (user_id, role_id). */
export const UserRole = defineEntity({
  name: 'UserRole',
  tableName: 'user_roles',
  properties: {
    user: () => p.manyToOne(User).primary().fieldName('user_id'),
    role: () => p.manyToOne(Role).primary().fieldName('role_id'),
  },
});
export type UserRole = InferEntity<typeof UserRole>;
