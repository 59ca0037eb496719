/**
 * The change log: the ONE writer of what every change records beside its row, in the caller's
 * transaction: audit_log, entity_timeline (+ the seed's booking_timeline for bookings),
 * domain_events (the automation outbox) and pg_notify on CHANGES_CHANNEL (delivered only if the
 * transaction commits; ids only, the payload limit is 8,000 bytes).
 *
 * Every write is one SQL statement (one round trip) built from named parameters. The lifecycle
 * store embeds the same statement parts after its status UPDATE (`changeLogParts`), so a
 * transition stays ONE statement; everything else calls `writeChange` / `writeEvent`.
 * Idempotency is keyed by (entity, transition id): audit_log is unique on it, the timeline and the
 * outbox on it plus the event type, so a replay is refused or (for `writeEvent`) a no-op.
 */
import type { EntityManager } from '@mikro-orm/postgresql';

/** The NOTIFY channel every API process LISTENs on (api/realtime/hub.ts). */
export const CHANGES_CHANNEL = 'virel_changes';

/** What a NOTIFY on CHANGES_CHANNEL carries: ids only; the listener loads the rest. */
export interface ChangeNotice {
  readonly eventId: string;
  readonly eventType: string;
  readonly entityType: string;
  readonly entityId: string;
}

/** A notification's payload as a ChangeNotice; undefined for a foreign or malformed one. */
export function parseChangeNotice(payload: string): ChangeNotice | undefined {
  try {
    const value = JSON.parse(payload) as Partial<Record<keyof ChangeNotice, unknown>> | null;
    if (value && typeof value.eventId === 'string' && typeof value.eventType === 'string' && typeof value.entityType === 'string' && typeof value.entityId === 'string') {
      return { eventId: value.eventId, eventType: value.eventType, entityType: value.entityType, entityId: value.entityId };
    }
  } catch {
    // Not JSON: nothing to deliver.
  }
  return undefined;
}

/**
 * SQL with `:name` placeholders as the driver's positional `?` list. `::type` casts are left
 * alone; a placeholder without a value (a typo) throws instead of reaching the database.
 */
export function named(sql: string, values: Readonly<Record<string, unknown>>): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const text = sql.replace(/(?<![:\w]):([A-Za-z_]\w*)/g, (_match, name: string) => {
    if (!Object.hasOwn(values, name)) throw new Error(`change-log SQL: no value for :${name}`);
    params.push(values[name]);
    return '?';
  });
  return { sql: text, params };
}

export interface ChangeActor {
  readonly type: string;
  readonly userId?: string | null | undefined;
}

export interface AuditPart {
  /** CREATE, UPDATE, STATUS_CHANGE, ASSIGN, NOTE, DELETE, or a specific verb (DISABLE, ROLES_CHANGE …). */
  readonly action: string;
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
  readonly metadata?: Record<string, unknown> | null | undefined;
  /** The request's address and user agent, when there is a request. */
  readonly ip?: string | null | undefined;
  readonly userAgent?: string | null | undefined;
  /** Only for an API edit, whose audit entry is not keyed (null) while its event needs a key: defaults to the change's. */
  readonly transitionId?: string | null | undefined;
}

export interface EventPart {
  /** `<entity>.<what>`: the timeline entry's and domain event's type. */
  readonly type: string;
  readonly payload: Record<string, unknown>;
}

export interface Change {
  readonly entityType: string;
  readonly entityId: string;
  /** The idempotency key (null: an edit without one, audited only). */
  readonly transitionId: string | null;
  readonly actor: ChangeActor;
  /** The audit_log row; absent for an event without a state change. */
  readonly audit?: AuditPart | undefined;
  /** The timeline entry, domain event and NOTIFY; absent for an audit-only edit. */
  readonly event?: EventPart | undefined;
  /**
   * The domain event's own entity when it is not the changed one: a payment's event is about the
   * payment (the catalogue's entity type, so rules read the payment's row as `entity`) while its
   * audit and timeline entries belong to the booking whose money changed.
   */
  readonly eventEntity?: { readonly type: string; readonly id: string } | undefined;
}

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

/**
 * The change log's part of a statement: data-modifying CTEs that insert one row each per row of
 * `source` (a CTE or subquery), and `notified`, an expression that must be SELECTed by the
 * statement (a plain SELECT CTE runs only when referenced). With `refFrom`, `source` has a `ref`
 * column that is added to the timeline's and event's payload (the row's reference, as updated).
 */
export function changeLogParts(change: Change, options: { source: string; refFrom?: boolean }): { ctes: string; notified: string; values: Record<string, unknown> } {
  const { source } = options;
  const payload = options.refFrom ? `:payload::jsonb || jsonb_build_object('ref', ref)` : ':payload::jsonb';
  const parts: string[] = [];
  if (change.audit) {
    parts.push(`change_audit AS (
      INSERT INTO audit_log (actor_user_id, actor_type, action, entity_type, entity_id, before, after, metadata, ip, user_agent, transition_id)
      SELECT :actorUser::uuid, :actorType, :action, :entityType, :entityId::uuid, :before::jsonb, :after::jsonb, :metadata::jsonb, :ip, :userAgent, :auditTransitionId FROM ${source}
    )`);
  }
  if (change.event) {
    parts.push(`change_timeline AS (
      INSERT INTO entity_timeline (entity_type, entity_id, event_type, payload, created_by, transition_id)
      SELECT :entityType, :entityId::uuid, :eventType, ${payload}, :actorUser::uuid, :transitionId FROM ${source}
    )`);
    // The seed's booking_timeline, kept beside the generic entity_timeline.
    if (change.entityType === 'booking') {
      parts.push(`change_booking_line AS (
      INSERT INTO booking_timeline (booking_id, event_type, payload, created_by)
      SELECT :entityId::uuid, :eventType, ${payload}, :actorUser::uuid FROM ${source}
    )`);
    }
    parts.push(`change_event AS (
      INSERT INTO domain_events (event_type, entity_type, entity_id, payload, transition_id, actor_user_id)
      SELECT :eventType, :eventEntityType, :eventEntityId::uuid, ${payload}, :transitionId, :actorUser::uuid FROM ${source}
      RETURNING id, event_type, entity_type, entity_id
    )`);
  }
  const notified = change.event
    ? `(SELECT pg_notify(:channel, json_build_object('eventId', id, 'eventType', event_type, 'entityType', entity_type, 'entityId', entity_id)::text) FROM change_event)`
    : 'NULL';
  const eventId = change.event ? '(SELECT id FROM change_event)' : 'NULL';
  const audit = change.audit;
  const values: Record<string, unknown> = {
    entityType: change.entityType, entityId: change.entityId, transitionId: change.transitionId, actorUser: change.actor.userId ?? null,
    eventEntityType: change.eventEntity?.type ?? change.entityType, eventEntityId: change.eventEntity?.id ?? change.entityId,
    actorType: change.actor.type, channel: CHANGES_CHANNEL,
    action: audit?.action ?? null, before: json(audit?.before), after: json(audit?.after), metadata: json(audit?.metadata),
    ip: audit?.ip ?? null, userAgent: audit?.userAgent ?? null,
    auditTransitionId: audit?.transitionId === undefined ? change.transitionId : audit.transitionId,
    eventType: change.event?.type ?? null, payload: json(change.event?.payload ?? null),
  };
  return { ctes: parts.join(', '), notified: `${notified} AS notified, ${eventId} AS event_id`, values };
}

/** Writes a change (audit entry and/or timeline + event + NOTIFY) in the caller's transaction: one round trip. */
export async function writeChange(em: EntityManager, change: Change): Promise<{ eventId: string | null }> {
  if (!change.audit && !change.event) return { eventId: null };
  const parts = changeLogParts(change, { source: '(SELECT 1) AS one' });
  const { sql, params } = named(`WITH ${parts.ctes} SELECT ${parts.notified}`, parts.values);
  const [row] = await em.getConnection().execute<Array<{ event_id: string | null }>>(sql, params, 'all', em.getTransactionContext());
  return { eventId: row?.event_id ?? null };
}

/**
 * An event without a state change (reminders, approaching, SLA warnings): timeline + domain event
 * + NOTIFY, one round trip; a repeat of (entity, event type, transition id) writes nothing.
 */
export async function writeEvent(em: EntityManager, change: Omit<Change, 'audit' | 'event'> & { readonly event: EventPart }): Promise<{ eventId: string | null }> {
  const parts = changeLogParts(change, {
    source: `(SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM domain_events
       WHERE entity_type = :entityType AND entity_id = :entityId::uuid AND event_type = :eventType AND transition_id = :transitionId)) AS fresh`,
  });
  const { sql, params } = named(`WITH ${parts.ctes} SELECT ${parts.notified}`, parts.values);
  const [row] = await em.getConnection().execute<Array<{ event_id: string | null }>>(sql, params, 'all', em.getTransactionContext());
  return { eventId: row?.event_id ?? null };
}
