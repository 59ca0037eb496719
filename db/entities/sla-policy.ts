import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, updatedAt, uuidPk, type JsonObject } from './columns.ts';

export const SlaPolicy = defineEntity({
  name: 'SlaPolicy',
  tableName: 'sla_policies',
  properties: {
    id: uuidPk(),
    name: p.text(),
    /** task_type, exception_type */
    appliesTo: p.text(),
    /** confirm_booking, payment_failed */
    key: p.text(),
    /** Optional: a policy for one priority of the key; null = any priority. */
    priority: p.text().nullable(),
    deadlineMinutes: p.integer(),
    /** Fraction of the deadline after which a warning fires. */
    warningFraction: p.decimal().precision(3).scale(2).defaultRaw('0.8'),
    /** Where to escalate. */
    escalation: p.json<JsonObject>().nullable(),
    status: p.text().default('active'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  // NULLs are distinct in PostgreSQL: this does not stop two rows with the same key and a null priority.
  uniques: [{ name: 'uq_sla_policies_key', properties: ['appliesTo', 'key', 'priority'] }],
});
export type SlaPolicy = InferEntity<typeof SlaPolicy>;
