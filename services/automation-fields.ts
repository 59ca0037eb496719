/**
 * The field paths rules read (conditions, a message's variables): which columns each root has,
 * and whether a trigger's events can reach a path at all. Shared by the rule validator
 * (services/automation-rules.ts) and the action modules' save-time checks.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AutomationRule, Booking, Client, Exception, Inquiry, Payment, Task } from '../db/entities/index.ts';
import { splitPath } from '../domain/automation-conditions.ts';
import type { EventSpec } from '../domain/automation-events.ts';
import { invalidInput } from '../domain/errors.ts';
import { canReach } from './automation-actions/subjects.ts';

const ROWS = { inquiry: Inquiry, booking: Booking, task: Task, exception: Exception, payment: Payment, automation_rule: AutomationRule, client: Client } as const;

/** The columns of an entity type's table (what `entity.<column>` may read), from the ORM's metadata. */
export function columnsOf(em: EntityManager, entityType: string): Set<string> {
  const entity = ROWS[entityType as keyof typeof ROWS];
  if (!entity) return new Set();
  const meta = em.getMetadata().get(entity as never);
  return new Set(Object.values(meta.properties).flatMap((prop) => prop.fieldNames ?? []));
}

/** Whether events of this spec can concern a client (through their booking or inquiry, or a client_id of their own). */
function reachesClient(em: EntityManager, spec: EventSpec): boolean {
  return canReach(spec, 'booking') || canReach(spec, 'inquiry') || 'clientId' in spec.payload || columnsOf(em, spec.entityType).has('client_id');
}

/** Why a path cannot be read for events of this spec, or undefined when it can. */
export function fieldProblem(em: EntityManager, spec: EventSpec, path: string): string | undefined {
  const [root, keys] = splitPath(path);
  const [first] = keys;
  if (!first) return `${path} names no field`;
  if (root === 'event') {
    return first in spec.payload ? undefined : `${spec.name} has no payload field ${first} (fields: ${Object.keys(spec.payload).join(', ')})`;
  }
  const entityType = root === 'entity' ? spec.entityType : root;
  if (!columnsOf(em, entityType).has(first)) return `a ${entityType} has no field ${first}`;
  if ((root === 'booking' || root === 'inquiry') && !canReach(spec, root)) return `${spec.name} concerns no ${root}`;
  if (root === 'client' && !reachesClient(em, spec)) return `${spec.name} concerns no client`;
  return undefined;
}

/** VALIDATION naming `field` when the path cannot be read for events of this spec. */
export function checkField(em: EntityManager, spec: EventSpec, path: string, field: string): void {
  const problem = fieldProblem(em, spec, path);
  if (problem) throw invalidInput(field, problem);
}
