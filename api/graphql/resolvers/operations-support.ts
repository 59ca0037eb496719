/**
 * What the operational resolvers (bookings, work items, payments, availability, automation,
 * audit) share: the entity policy as a list filter, coded errors, JSON fields as text with PII
 * and finance amounts left to the viewer's permissions. (Edits are recorded by services/change-records.ts.)
 */
import { FINANCE_KEY, PII_KEY, maskEmail, maskPhone } from '../../../domain/masking.ts';
import type { Viewer } from '../../auth/sessions.ts';
import { invalidInput, isUuid } from '../validation.ts';

export { conflict, likePattern, notFound } from '../validation.ts';
export { invalidInput, isUuid };

export { assigneeIdOf } from '../../../services/rows.ts';

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
