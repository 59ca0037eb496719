import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, uuidPk, type JsonObject } from './columns.ts';
import { Integration } from './integration.ts';

/**
 * What an integration did (table `integration_logs`): requests to the provider, webhooks in and
 * out, test connections, configuration changes and errors. Summaries and non-secret details only.
 */
export const IntegrationLog = defineEntity({
  name: 'IntegrationLog',
  tableName: 'integration_logs',
  properties: {
    id: uuidPk(),
    integration: () => p.manyToOne(Integration).fieldName('integration_id'),
    /** request, webhook_in, webhook_out, test_connection, error, config */
    kind: p.text(),
    /** ok, refused, failed, testing (received and logged only), disabled */
    outcome: p.text(),
    summary: p.text(),
    detail: p.json<JsonObject>().nullable(),
    /** The stored inbound webhook this entry is about, if any. */
    webhookId: p.uuid().nullable(),
    createdAt: createdAt(),
  },
  indexes: [{ name: 'idx_integration_logs_integration', properties: ['integration', 'createdAt'] }],
});
export type IntegrationLog = InferEntity<typeof IntegrationLog>;
