import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, timestamptz, updatedAt, uuidPk } from './columns.ts';
import { Model } from './model.ts';

/** A model's ICS feed: only the hash of its secret token is kept (Migration20261130162000_calendar). */
export const CalendarFeed = defineEntity({
  name: 'CalendarFeed',
  tableName: 'calendar_feeds',
  properties: {
    modelId: p.uuid().primary(),
    /** SHA-256 (hex) of the token in the feed URL; null once revoked. */
    tokenHash: p.text().nullable().unique(),
    issuedAt: timestamptz(),
    issuedBy: p.uuid().nullable(),
    revokedAt: timestamptz().nullable(),
    lastFetchedAt: timestamptz().nullable(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
});
export type CalendarFeed = InferEntity<typeof CalendarFeed>;

/** An external calendar (ICS URL) imported into a model's availability as `sync` slots. */
export const CalendarImport = defineEntity({
  name: 'CalendarImport',
  tableName: 'calendar_imports',
  properties: {
    id: uuidPk(),
    model: () => p.manyToOne(Model).fieldName('model_id').deleteRule('cascade'),
    name: p.text(),
    url: p.text(),
    /** The slot status a busy event becomes: unavailable or tentative. */
    busyAs: p.text().default('unavailable'),
    /** active, disabled */
    status: p.text().default('active'),
    createdBy: p.uuid().nullable(),
    lastRunAt: timestamptz().nullable(),
    lastSuccessAt: timestamptz().nullable(),
    /** never, running, ok, failed */
    lastStatus: p.text().default('never'),
    lastError: p.text().nullable(),
    lastEventCount: p.integer().nullable(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  indexes: [{ name: 'idx_calendar_imports_status', properties: ['status', 'lastRunAt'] }],
  uniques: [{ name: 'calendar_imports_model_url', properties: ['model', 'url'] }],
});
export type CalendarImport = InferEntity<typeof CalendarImport>;
