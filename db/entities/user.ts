import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, timestamptz, updatedAt, uuidPk } from './columns.ts';
import { Role } from './role.ts';
import { UserRole } from './user-role.ts';

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: uuidPk(),
    email: p.text().unique(),
    phone: p.text().nullable(),
    name: p.text(),
    passwordHash: p.text().hidden(),
    /** active, disabled */
    status: p.text().default('active'),
    lastLoginAt: timestamptz().nullable(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    roles: () => p.manyToMany(Role).pivotEntity(() => UserRole),
  },
  indexes: [
    { name: 'idx_users_email', properties: ['email'] },
    { name: 'idx_users_status', properties: ['status'] },
  ],
});
export type User = InferEntity<typeof User>;
