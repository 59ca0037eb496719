/**
 * The record of a write that is not a lifecycle change (an inquiry's details, a booking's notes
 * or services, a match run, users, roles, catalogue, directories, availability, rules): its audit
 * entry (actor and origin from the caller) and, for entities with a timeline, the timeline entry,
 * domain event and NOTIFY — one change-log write (db/change-log.ts) in the caller's transaction,
 * so the change and its record commit together or not at all. The audit entry is not keyed; the
 * event gets a fresh `edit:` key. Lifecycle changes are recorded by the transition store instead.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { writeChange, type Change } from '../db/change-log.ts';
import { snapshot } from './audit-records.ts';
import { actorOf, type Caller } from './context.ts';

export interface EditRecord {
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string;
  /** Plain JSON values (column name → value), or an entity (its visible properties are kept). */
  readonly before?: object | null | undefined;
  readonly after?: object | null | undefined;
  readonly metadata?: Record<string, unknown> | null | undefined;
  /**
   * For a lifecycle entity's edit: the event type of its entity_timeline entry and domain event
   * (NOTIFY on the change log's channel on commit, so subscriptions and automation see it).
   */
  readonly timelineEvent?: string | undefined;
}

/** The change-log write of an edit: for a caller that embeds it in its own statement (db/change-log.ts `changeLogParts`). */
export function editChange(caller: Caller, entry: EditRecord): Change {
  return {
    entityType: entry.entityType,
    entityId: entry.entityId,
    transitionId: entry.timelineEvent ? `edit:${randomUUID()}` : null,
    actor: actorOf(caller),
    audit: {
      action: entry.action, before: snapshot(entry.before), after: snapshot(entry.after), metadata: entry.metadata ?? null, transitionId: null,
      ip: caller.origin?.ip ?? null, userAgent: caller.origin?.userAgent ?? null,
    },
    event: entry.timelineEvent
      ? { type: entry.timelineEvent, payload: { before: snapshot(entry.before), after: snapshot(entry.after), ...(entry.metadata ?? {}) } }
      : undefined,
  };
}

export async function recordEdit(em: EntityManager, caller: Caller, entry: EditRecord): Promise<void> {
  await writeChange(em, editChange(caller, entry));
}
