/**
 * What domain/availability.ts combines, read for many models at once in one statement (rules,
 * slots, time-holding bookings), so the availability of a location and the matching of an
 * inquiry cost the same round trip as one model's. Rules whose JSON no longer parses are
 * skipped (they are validated when written).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { named } from '../db/change-log.ts';
import {
  RULE_SCOPES, SLOT_SOURCES, SLOT_STATUSES, WEEKDAYS, combineAvailability, ruleProblem,
  type AvailabilityInterval, type AvailabilityRuleFacts, type BookingFacts, type RuleBody, type SlotFacts,
} from '../domain/availability.ts';
import { TIME_HOLDING_STATUSES } from '../domain/booking.ts';

const window = z.tuple([z.string(), z.string()]);
/** The `rule` JSON's shape (its meaning is checked by domain/availability.ts ruleProblem). */
export const ruleBodySchema = z.object({
  timezone: z.string().optional(),
  weekly: z.partialRecord(z.enum(WEEKDAYS), z.array(window)).optional(),
  blackouts: z.array(z.object({ from: z.string(), to: z.string(), reason: z.string().max(200).optional() })).optional(),
}).strict();

/** The rule body if it is well formed, else undefined. */
export function parseRuleBody(json: unknown): RuleBody | undefined {
  const parsed = ruleBodySchema.safeParse(json);
  return parsed.success && !ruleProblem(parsed.data as RuleBody) ? (parsed.data as RuleBody) : undefined;
}

export interface ModelFacts {
  readonly id: string;
  readonly name: string;
  readonly primaryLocationId: string | null;
  readonly rules: AvailabilityRuleFacts[];
  readonly slots: SlotFacts[];
  readonly bookings: BookingFacts[];
}

const holdingList = TIME_HOLDING_STATUSES.map((s) => `'${s}'`).join(', ');

/**
 * A uuid[] parameter as a PostgreSQL array literal (the driver would spread a JS array into a
 * list). Each model is read by a LATERAL subquery with `model_id = <one id>`, not `= ANY(...)`:
 * the GiST indexes over (model, time range) take an equality per model, not an array, and a join
 * on the unnested list may be planned as one scan over every model's rows. The subqueries end in
 * `OFFSET 0`, which keeps the planner from flattening them into such a join: for a short window
 * it did (a hash join over one GiST scan by time range alone, which must visit most of the
 * index because its first column is the model: 29 ms for 100 models on the bench data, against
 * 1.4 ms probing the index once per model).
 */
export const uuidArray = (ids: readonly string[]): string => `{${ids.join(',')}}`;

interface RuleRow {
  id: string;
  name: string;
  scope: string;
  /** jsonb as text: PostgreSQL's canonical form, the same text for the same rule. */
  rule_text: string;
}

/**
 * Rules as the combination reads them, one object per rule version (id, scope, name and JSON
 * text), kept across queries: parsing and checking a rule (its time zone through Intl) and
 * expanding its weekly hours over a range (domain/availability.ts remembers that per rule
 * object) then happen once per version and range, not once per query and model. A changed rule
 * is another version (its text differs), so nothing stale is read; the oldest are dropped.
 */
const ruleVersions = new Map<string, AvailabilityRuleFacts | null>();
const RULE_VERSIONS_KEPT = 1_000;

function ruleFactsOf(r: RuleRow): AvailabilityRuleFacts | null {
  const key = `${r.id}\n${r.scope}\n${r.name}\n${r.rule_text}`;
  let known = ruleVersions.get(key);
  if (known === undefined) {
    const body = (RULE_SCOPES as readonly string[]).includes(r.scope) ? parseRuleBody(JSON.parse(r.rule_text)) : undefined;
    known = body ? { id: r.id, name: r.name, scope: r.scope as AvailabilityRuleFacts['scope'], rule: body } : null;
    if (ruleVersions.size >= RULE_VERSIONS_KEPT) ruleVersions.delete(ruleVersions.keys().next().value!);
    ruleVersions.set(key, known);
  }
  return known;
}

async function rows<T>(em: EntityManager, sql: string, values: Record<string, unknown>): Promise<T[]> {
  const q = named(sql, values);
  return em.getConnection().execute<T[]>(q.sql, q.params, 'all', em.getTransactionContext());
}

/** A model's bookings due in the recent past that she did not keep (matching's history factor). */
export interface RecentHistory {
  readonly noShows: number;
  readonly cancellations: number;
}

/** What `modelFacts` reads: availability over a window, recent history, or both. */
export interface FactsWanted {
  /** Rules, slots and held bookings over [from, to); absent: none read (empty lists). */
  readonly window?: { readonly from: Date; readonly to: Date } | undefined;
  /** No-shows and cancellations of bookings due in the last this many days; absent: not read. */
  readonly historyDays?: number | undefined;
}

/**
 * The facts of `models`, for those that exist, in ONE statement (one round trip: on a busy
 * machine a round trip costs more than these reads): their name and base, and what is wanted of
 * their availability over a window and of their recent history (matching reads both at once).
 */
export async function modelFacts(em: EntityManager, models: ReadonlyArray<{ id: string }>, wanted: FactsWanted): Promise<Map<string, ModelFacts & { history?: RecentHistory }>> {
  const facts = new Map<string, ModelFacts & { history?: RecentHistory }>();
  if (!models.length) return facts;
  const none = `'[]'::json`;
  const [read] = await rows<{
    models: Array<{ id: string; name: string; primary_location_id: string | null }>;
    rules: Array<RuleRow & { location_id: string | null; model_id: string | null }>;
    slots: Array<{ id: string; model_id: string; start_at: string; end_at: string; status: string; source: string | null; confidence: string | number | null }>;
    bookings: Array<{ id: string; model_id: string; ref: string; status: string; start_at: string; end_at: string; held_until: string }>;
    history: Array<{ id: string; no_shows: number; cancellations: number }>;
  }>(em, `
    WITH wanted AS (SELECT id, name, primary_location_id FROM models WHERE id = ANY(:ids::uuid[]))
    SELECT (SELECT coalesce(json_agg(w), '[]') FROM wanted w) AS models,
           ${!wanted.window ? `${none} AS rules, ${none} AS slots, ${none} AS bookings` : `
           (SELECT coalesce(json_agg(r), '[]') FROM (
              SELECT id, name, scope, location_id, model_id, rule::text AS rule_text FROM availability_rules
               WHERE status = 'active' AND (scope = 'global' OR (scope = 'location' AND location_id IN (SELECT primary_location_id FROM wanted))
                                            OR (scope = 'model' AND model_id IN (SELECT id FROM wanted)))) r) AS rules,
           (SELECT coalesce(json_agg(s), '[]') FROM (
              SELECT x.id, x.model_id, x.start_at, x.end_at, x.status, x.source, x.confidence
                FROM wanted
                CROSS JOIN LATERAL (SELECT * FROM availability_slots x WHERE x.model_id = wanted.id AND tstzrange(x.start_at, x.end_at, '[)') && tstzrange(:from, :to, '[)') OFFSET 0) x) s) AS slots,
           (SELECT coalesce(json_agg(b), '[]') FROM (
              SELECT x.id, x.model_id, x.ref, x.status, x.start_at, x.end_at, x.held_until
                FROM wanted
                CROSS JOIN LATERAL (SELECT * FROM bookings x WHERE x.model_id = wanted.id AND x.status IN (${holdingList})
                                       AND tstzrange(x.start_at, x.held_until, '[)') && tstzrange(:from, :to, '[)') OFFSET 0) x) b) AS bookings`},
           ${wanted.historyDays === undefined ? `${none} AS history` : `
           (SELECT coalesce(json_agg(h), '[]') FROM (
              SELECT wanted.id, count(*) FILTER (WHERE x.status = 'no_show')::int AS no_shows, count(*) FILTER (WHERE x.status = 'cancelled')::int AS cancellations
                FROM wanted
                LEFT JOIN LATERAL (SELECT x.status FROM bookings x WHERE x.model_id = wanted.id AND x.status IN ('no_show', 'cancelled')
                                      AND x.start_at > now() - make_interval(days => :historyDays) AND x.start_at <= now()) x ON true
               GROUP BY wanted.id) h) AS history`}`,
  { ids: uuidArray(models.map((m) => m.id)), ...(wanted.window ?? {}), ...(wanted.historyDays === undefined ? {} : { historyDays: wanted.historyDays }) });
  const { models: found, rules, slots, bookings, history } = read!;
  for (const m of found) facts.set(m.id, { id: m.id, name: m.name, primaryLocationId: m.primary_location_id, rules: [], slots: [], bookings: [] });
  for (const r of rules) {
    const rule = ruleFactsOf(r);
    if (!rule) continue;
    for (const m of facts.values()) {
      const applies = r.scope === 'global' || (r.scope === 'location' && r.location_id === m.primaryLocationId) || (r.scope === 'model' && r.model_id === m.id);
      if (applies) m.rules.push(rule);
    }
  }
  for (const s of slots) {
    const status = (SLOT_STATUSES as readonly string[]).includes(s.status) ? (s.status as SlotFacts['status']) : 'unavailable';
    const source = (SLOT_SOURCES as readonly string[]).includes(s.source ?? '') ? (s.source as SlotFacts['source']) : 'manual';
    facts.get(s.model_id)!.slots.push({ id: s.id, start: new Date(s.start_at), end: new Date(s.end_at), status, source, confidence: s.confidence === null ? 1 : Number(s.confidence) });
  }
  for (const b of bookings) {
    facts.get(b.model_id)!.bookings.push({ id: b.id, ref: b.ref, status: b.status, start: new Date(b.start_at), end: new Date(b.end_at), heldUntil: new Date(b.held_until) });
  }
  for (const h of history) {
    const m = facts.get(h.id);
    if (m) m.history = { noShows: h.no_shows, cancellations: h.cancellations };
  }
  return facts;
}

/** The availability facts of `models` over [from, to), for those that exist (one statement). */
export function availabilityFacts(em: EntityManager, models: ReadonlyArray<{ id: string }>, from: Date, to: Date): Promise<Map<string, ModelFacts>> {
  return modelFacts(em, models, { window: { from, to } });
}

/** Each model's intervals over [from, to), in the order given; a model that does not exist is left out. */
export async function availabilityOf(em: EntityManager, models: ReadonlyArray<{ id: string }>, from: Date, to: Date) {
  const facts = await availabilityFacts(em, models, from, to);
  return models.flatMap((m): Array<{ modelId: string; modelName: string; intervals: AvailabilityInterval[] }> => {
    const known = facts.get(m.id);
    return known ? [{ modelId: known.id, modelName: known.name, intervals: combineAvailability(known, { from, to }) }] : [];
  });
}

/** Active models based at or serving a location. */
export async function modelsOfLocation(em: EntityManager, locationId: string) {
  const found = await rows<{ id: string; name: string; primary_location_id: string | null }>(em, `
    SELECT m.id, m.name, m.primary_location_id FROM models m
     WHERE m.status = 'active' AND (m.primary_location_id = :location OR EXISTS (SELECT 1 FROM model_locations ml WHERE ml.model_id = m.id AND ml.location_id = :location))
     ORDER BY m.name, m.id`, { location: locationId });
  return found.map((m) => ({ id: m.id, name: m.name, primaryLocationId: m.primary_location_id }));
}
