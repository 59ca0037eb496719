import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, updatedAt, uuidPk, type JsonObject } from './columns.ts';

export const Integration = defineEntity({
  name: 'Integration',
  tableName: 'integrations',
  properties: {
    id: uuidPk(),
    /** stripe, telegram, whatsapp, partner_api (lower case, digits, underscores) */
    code: p.text().unique(),
    name: p.text(),
    /** The provider kind (domain/integrations.ts): stripe, telegram, whatsapp, smtp, web_form, partner */
    type: p.text(),
    /** active, disabled, testing (received and logged, no effect) */
    status: p.text().default('active'),
    /** Settings in clear; secrets only under `secrets`, encrypted (platform/secret-box.ts). */
    config: p.json<JsonObject>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
});
export type Integration = InferEntity<typeof Integration>;
