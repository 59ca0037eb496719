import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, timestamptz, uuidPk } from './columns.ts';
import { User } from './user.ts';

/** A refresh token (stored hashed); rotation keeps a family, reuse revokes the family. */
export const RefreshToken = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_tokens',
  properties: {
    id: uuidPk(),
    user: () => p.manyToOne(User).fieldName('user_id'),
    familyId: p.uuid(),
    tokenHash: p.text().unique().hidden(),
    createdAt: createdAt(),
    expiresAt: timestamptz(),
    rotatedAt: timestamptz().nullable(),
    revokedAt: timestamptz().nullable(),
    revokedReason: p.text().nullable(),
    ip: p.text().nullable(),
    userAgent: p.text().nullable(),
  },
  indexes: [
    { name: 'idx_refresh_tokens_family', properties: ['familyId'] },
    { name: 'idx_refresh_tokens_user', properties: ['user'] },
  ],
});
export type RefreshToken = InferEntity<typeof RefreshToken>;
