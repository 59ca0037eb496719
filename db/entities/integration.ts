import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, updatedAt, uuidPk, type JsonObject } from './columns.ts';

export const Integration = defineEntity({
  name: 'Integration',
  tableName: 'integrations',
  properties: {
    id: uuidPk(),
    /** stripe, telegram_diva, whatsapp, partner_api */
    code: p.text().unique(),
    name: p.text(),
    /** payment, messaging, calendar, partner */
    type: p.text(),
    /** active, disabled, testing */
    status: p.text().default('active'),
    /** Keys, URLs, tokens, modes. */
    config: p.json<JsonObject>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
});
export type Integration = InferEntity<typeof Integration>;
