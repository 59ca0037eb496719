/**
 * The record of an edit that is not a lifecycle change (an inquiry's details, a booking's notes
 * or services, a match run): its audit entry and, for entities with a timeline, the timeline
 * entry, domain event and NOTIFY — one change-log write (db/change-log.ts) in the caller's
 * transaction. The audit entry is not keyed; the event gets a fresh `edit:` key.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { writeChange } from '../db/change-log.ts';
import { snapshot } from './audit-records.ts';
import { actorOf, type Caller } from './context.ts';

export interface EditRecord {
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string;
  /** Plain JSON values (column name → value). */
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
  readonly metadata?: Record<string, unknown> | undefined;
  /**
   * For a lifecycle entity's edit: the event type of its entity_timeline entry and domain event
   * (NOTIFY on the change log's channel on commit, so subscriptions and automation see it).
   */
  readonly timelineEvent?: string | undefined;
}

export async function recordEdit(em: EntityManager, caller: Caller, entry: EditRecord): Promise<void> {
  await writeChange(em, {
    entityType: entry.entityType,
    entityId: entry.entityId,
    transitionId: entry.timelineEvent ? `edit:${randomUUID()}` : null,
    actor: actorOf(caller),
    audit: { action: entry.action, before: snapshot(entry.before), after: snapshot(entry.after), metadata: entry.metadata ?? null, transitionId: null },
    event: entry.timelineEvent
      ? { type: entry.timelineEvent, payload: { before: entry.before, after: entry.after, ...(entry.metadata ?? {}) } }
      : undefined,
  });
}
