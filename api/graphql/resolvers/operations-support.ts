/**
 * What the operational resolvers (bookings, work items, payments, availability, automation,
 * audit) share: the entity policy as a list filter, coded errors, JSON fields as text with PII
 * and finance amounts left to the viewer's permissions, and the audit entry of a non-lifecycle edit.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { writeChange } from '../../../db/change-log.ts';
import { maskEmail, maskPhone } from '../../../domain/masking.ts';
import type { Viewer } from '../../auth/sessions.ts';
import { snapshot } from '../audit-trail.ts';
import { invalidInput, isUuid } from '../validation.ts';

export { conflict, likePattern, notFound } from '../validation.ts';
export { invalidInput, isUuid };
import type { ApiContext } from '../context.ts';

export const assigneeIdOf = (row: { assignedTo?: unknown }): string | null => (row.assignedTo as { id: string } | null | undefined)?.id ?? null;

/** Conditions (MikroORM) that keep a list inside the viewer's entity policy. */
export function policyConditions(viewer: Viewer): Record<string, unknown>[] {
  return viewer.permissions.includes('entities.read_all') ? [] : [{ $or: [{ assignedTo: viewer.id }, { assignedTo: null }] }];
}

/** The `assignee` filter: a user id, "me" or "unassigned". */
export function assigneeCondition(viewer: Viewer, assignee: string | null | undefined): Record<string, unknown> | undefined {
  if (assignee === null || assignee === undefined || assignee === '') return undefined;
  if (assignee === 'me') return { assignedTo: viewer.id };
  if (assignee === 'unassigned') return { assignedTo: null };
  if (!isUuid(assignee)) throw invalidInput('assignee', 'a user id, "me" or "unassigned"');
  return { assignedTo: assignee };
}

/** A time range filter on one column; from inclusive, to exclusive. */
export function rangeCondition(column: string, from: Date | null | undefined, to: Date | null | undefined, fields: [string, string]): Record<string, unknown> | undefined {
  if (from && to && !(from < to)) throw invalidInput(fields[1], `must be after ${fields[0]}`);
  const range: Record<string, Date> = {};
  if (from) range.$gte = from;
  if (to) range.$lt = to;
  return Object.keys(range).length ? { [column]: range } : undefined;
}


/** The caller's Idempotency-Key as a transition id (scoped to the user); a fresh id without one. */
export function transitionIdOf(ctx: ApiContext, suffix = ''): string {
  const key = ctx.idempotencyKey;
  if (key === undefined) return randomUUID();
  return `${ctx.viewer?.id ?? 'anonymous'}:${key}${suffix}`;
}

export const userActor = (viewer: Viewer) => ({ type: 'user' as const, userId: viewer.id });

const PII_KEY = /(email|phone)/i;
const FINANCE_KEY = /(price|amount|deposit_?required|depositRequired|deposit_?status|payment_?status)/i;

/** A JSON value as this viewer may see it: PII masked without pii.read, amounts dropped without payments.read. */
export function redactFor(viewer: Viewer | undefined, value: unknown): unknown {
  const pii = viewer?.permissions.includes('pii.read') ?? false;
  const finance = viewer?.permissions.includes('payments.read') ?? false;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(v as Record<string, unknown>)) {
      if (!finance && FINANCE_KEY.test(key)) continue;
      if (!pii && PII_KEY.test(key) && (typeof inner === 'string' || inner === null)) {
        out[key] = /email/i.test(key) ? maskEmail(inner) : maskPhone(inner);
        continue;
      }
      out[key] = walk(inner);
    }
    return out;
  };
  return walk(value);
}

/** JSON text of a stored JSON column (null stays null). */
export const jsonText = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

/** Parses a JSON-object-as-text input; VALIDATION naming the field otherwise. */
export function parseJsonObject(field: string, text: string | null | undefined): Record<string, unknown> | undefined {
  if (text === null || text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidInput(field, 'must be JSON text');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalidInput(field, 'must be a JSON object');
  if (text.length > 20_000) throw invalidInput(field, 'is too long (20,000 characters at most)');
  return value as Record<string, unknown>;
}

export interface AuditEntryInput {
  readonly actor: Viewer;
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
  readonly metadata?: Record<string, unknown> | undefined;
  /**
   * For a lifecycle entity's edit: the event type of its entity_timeline entry and domain event
   * (NOTIFY on the change log's channel on commit, so per-entity subscriptions and, later, automation see it).
   */
  readonly timelineEvent?: string | undefined;
}

/**
 * The audit entry and, for entities with a timeline, the timeline entry, domain event and NOTIFY
 * of an edit that is not a lifecycle change: one change-log write (db/change-log.ts) in the
 * caller's transaction. The audit entry is not keyed; the event gets a fresh `edit:` key.
 */
export async function recordAuditEntry(em: EntityManager, entry: AuditEntryInput): Promise<void> {
  await writeChange(em, {
    entityType: entry.entityType,
    entityId: entry.entityId,
    transitionId: entry.timelineEvent ? `edit:${randomUUID()}` : null,
    actor: { type: 'user', userId: entry.actor.id },
    audit: { action: entry.action, before: snapshot(entry.before), after: snapshot(entry.after), metadata: entry.metadata ?? null, transitionId: null },
    event: entry.timelineEvent
      ? { type: entry.timelineEvent, payload: { before: entry.before, after: entry.after, ...(entry.metadata ?? {}) } }
      : undefined,
  });
}
