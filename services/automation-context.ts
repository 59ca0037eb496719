/**
 * What an execution reads, loaded when it runs (not when the event was written): the event, the
 * row of its entity, the booking / inquiry it concerns and their client, as plain column → value objects
 * (`to_jsonb` of the row, so condition paths are the column names). Also where an event came
 * from: the execution whose action wrote it (its transition id says so), and so its chain depth.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ConditionContext } from '../domain/automation-conditions.ts';
import { causeOf } from '../domain/automation-rules.ts';
import type { EntityRef, ExecutionEvent, Subject } from './automation-actions/types.ts';

const TABLES: Readonly<Record<string, string>> = {
  inquiry: 'inquiries', booking: 'bookings', task: 'tasks', exception: 'exceptions', payment: 'payments', automation_rule: 'automation_rules', client: 'clients',
};

type Row = Record<string, unknown>;

export interface StoredEvent extends ExecutionEvent {
  readonly transitionId: string | null;
  readonly createdAt: Date;
}

export async function loadEvent(em: EntityManager, eventId: string): Promise<StoredEvent | null> {
  const [row] = await em.getConnection().execute<Array<{
    id: string; event_type: string; entity_type: string; entity_id: string; payload: Row; transition_id: string | null; created_at: Date;
  }>>(`SELECT id, event_type, entity_type, entity_id, payload, transition_id, created_at FROM domain_events WHERE id = ?`, [eventId], 'all', em.getTransactionContext());
  return row
    ? { id: row.id, type: row.event_type, entityType: row.entity_type, entityId: row.entity_id, payload: row.payload ?? {}, transitionId: row.transition_id, createdAt: new Date(row.created_at) }
    : null;
}

async function loadRow(em: EntityManager, entityType: string, id: unknown): Promise<Row | null> {
  const table = TABLES[entityType];
  if (!table || typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) return null;
  const [row] = await em.getConnection().execute<Array<{ row: Row }>>(`SELECT to_jsonb(t) AS row FROM "${table}" t WHERE id = ?`, [id], 'all', em.getTransactionContext());
  return row?.row ?? null;
}

/** The id of a related row of this type, from the payload, the entity's columns, or what a work item is about. */
function relatedId(type: 'booking' | 'inquiry', event: ExecutionEvent, entity: Row | null, other: Row | null): unknown {
  if (event.entityType === type) return event.entityId;
  return event.payload[`${type}Id`] ?? entity?.[`${type}_id`] ?? (entity?.entity_type === type ? entity.entity_id : undefined) ?? other?.[`${type}_id`];
}

export interface ExecutionFacts {
  readonly facts: ConditionContext;
  subject(about: Subject): EntityRef | null;
}

export async function loadFacts(em: EntityManager, event: ExecutionEvent): Promise<ExecutionFacts> {
  const entity = await loadRow(em, event.entityType, event.entityId);
  let booking = await loadRow(em, 'booking', relatedId('booking', event, entity, null));
  const inquiry = await loadRow(em, 'inquiry', relatedId('inquiry', event, entity, booking));
  if (!booking && inquiry) booking = await loadRow(em, 'booking', inquiry.booking_id);
  // The client of the booking (whose client it is now), else of the inquiry, else one the event names.
  const client = await loadRow(em, 'client', booking?.client_id ?? inquiry?.client_id ?? entity?.client_id ?? event.payload.clientId ?? event.payload.client_id);
  const facts: ConditionContext = { event: event.payload, entity, booking, inquiry, client };
  return {
    facts,
    subject(about) {
      if (about === 'event') return { type: event.entityType, id: event.entityId };
      if (about === event.entityType) return { type: about, id: event.entityId };
      const row = about === 'booking' ? booking : about === 'inquiry' ? inquiry : null;
      return row && typeof row.id === 'string' ? { type: about, id: row.id } : null;
    },
  };
}

/** The execution whose action wrote the event and the event's chain depth (0 for a person's or a timer's). */
export async function causationOf(em: EntityManager, transitionId: string | null): Promise<{ causedBy: string | null; depth: number }> {
  const cause = causeOf(transitionId);
  if (!cause) return { causedBy: null, depth: 0 };
  const [row] = await em.getConnection().execute<Array<{ depth: number }>>(`SELECT depth FROM automation_executions WHERE id = ?`, [cause], 'all', em.getTransactionContext());
  return { causedBy: cause, depth: (row?.depth ?? 0) + 1 };
}
