/**
 * Inquiry commands. Creation starts the inquiry's lifecycle workflow (update-with-start) and
 * returns once the workflow has committed the row; conversion is the workflow's Update (it
 * starts the booking's lifecycle). Editing the details and matching are not workflow facts: they
 * are written here, with their change record.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { changeLogParts, named } from '../db/change-log.ts';
import { CallRate, Inquiry, Location, Service, type Booking } from '../db/entities/index.ts';
import type { JsonObject } from '../db/entities/columns.ts';
import { assertPermission } from '../domain/access.ts';
import { conflict, invalidInput } from '../domain/errors.ts';
import { DEFAULT_CURRENCY } from '../domain/formats.ts';
import { priceFromRates } from '../domain/pricing.ts';
import type { InquirySource, Priority } from '../domain/inquiry.ts';
import { FINAL_INQUIRY_STATUSES } from '../domain/lifecycles.ts';
import { asksForAnything } from '../domain/matching.ts';
import { scoredCandidates, type MatchAsk, type ScoredModel } from './match-candidates.ts';
import type { Created } from '../workflows/lifecycle/messages.ts';
import { assertBookingReferences, loadBooking, newBookingOf, type BookingInput } from './bookings.ts';
import { editChange, recordEdit } from './change-records.ts';
import { actorOf, newEntityId, transitionIdOf, type Caller, type ServiceDeps } from './context.ts';
import * as commands from './lifecycle-commands.ts';
import { idOf, isUuid, lifecycleRowInPolicy } from './rows.ts';

export interface NewInquiryInput {
  readonly source: InquirySource;
  readonly externalRef?: string | null | undefined;
  readonly priority: Priority;
  readonly subject?: string | undefined;
  readonly message?: string | undefined;
  readonly clientName?: string | undefined;
  readonly clientEmail?: string | null | undefined;
  readonly clientPhone?: string | null | undefined;
  readonly requestedTimeFrom?: Date | null | undefined;
  readonly requestedTimeTo?: Date | null | undefined;
}

/** A change to an inquiry's details: absent fields stay, null clears. */
export interface InquiryUpdate {
  readonly priority?: Priority | undefined;
  readonly subject?: string | undefined;
  readonly message?: string | undefined;
  readonly clientName?: string | undefined;
  readonly clientEmail?: string | null | undefined;
  readonly clientPhone?: string | null | undefined;
  readonly requestedLocationId?: string | null | undefined;
  readonly requestedServiceIds?: readonly string[] | null | undefined;
  readonly requestedTimeFrom?: Date | null | undefined;
  readonly requestedTimeTo?: Date | null | undefined;
}

/**
 * A booking converted from an inquiry: the client defaults to the inquiry's linked client, the
 * price (and its currency) to the call rates for the location and the booked duration.
 */
export type ConversionInput = Omit<BookingInput, 'clientId' | 'priceTotal' | 'currency'> & {
  readonly clientId?: string | null | undefined;
  readonly priceTotal?: string | null | undefined;
  readonly currency?: string | null | undefined;
};

export interface CreatedInquiry {
  readonly inquiry: Inquiry;
  readonly created: Created;
  readonly workflowId: string;
}

export interface Conversion {
  readonly inquiry: Inquiry;
  readonly booking: Booking;
  readonly duplicate: boolean;
}

/** Closed inquiries: nothing about them changes any more. */
const CLOSED: readonly string[] = FINAL_INQUIRY_STATUSES;

/** The requested services as stored (a JSON array of service ids). */
export const requestedServicesOf = (row: Inquiry): string[] =>
  (Array.isArray(row.requestedServices) ? row.requestedServices : []).filter((s): s is string => typeof s === 'string' && isUuid(s));

/** How many of a matching run's best candidates are stored in inquiry_matches (and shown). */
export const MATCHES_KEPT = 50;

/** A stored match as it is shown (GraphQL InquiryMatch): with its model's name. */
export interface MatchView {
  readonly id: string;
  readonly modelId: string;
  readonly modelName: string;
  /** 0-100. */
  readonly score: number;
  /** The factors, the points and the points possible (domain/matching.ts MatchScore.reason). */
  readonly reason: JsonObject | null;
  readonly createdAt: Date;
}

/** The JSON object a statement below builds per match (json_build_object: one row, no ORM hydration). */
const MATCH_JSON = `json_build_object('id', im.id, 'modelId', im.model_id, 'modelName', m.name, 'score', im.score, 'reason', im.reason, 'createdAt', im.created_at)`;
type MatchJson = Omit<MatchView, 'score' | 'createdAt'> & { score: string | number | null; createdAt: string };
const matchViewOf = (m: MatchJson): MatchView => ({ ...m, score: Number(m.score ?? 0), createdAt: new Date(m.createdAt) });

/** An inquiry's stored matches, best first, with their models' names: one statement. */
export async function matchesOf(em: EntityManager, inquiryId: string): Promise<MatchView[]> {
  const [row] = await em.getConnection().execute<Array<{ matches: MatchJson[] | null }>>(`
    SELECT (SELECT json_agg(${MATCH_JSON} ORDER BY im.score DESC NULLS LAST, im.model_id)
              FROM (SELECT * FROM inquiry_matches WHERE inquiry_id = ? ORDER BY score DESC NULLS LAST, model_id LIMIT ?) im
              JOIN models m ON m.id = im.model_id) AS matches`, [inquiryId, MATCHES_KEPT], 'all', em.getTransactionContext());
  return (row?.matches ?? []).map(matchViewOf);
}

/** Audit values as JSON: instants as ISO text, absent as null. */
const jsonValue = (v: unknown): unknown => (v instanceof Date ? v.toISOString() : (v ?? null));

/** The call-rate price of a booking at a location for its duration (domain/pricing.ts), or VALIDATION. */
async function ratedPrice(em: EntityManager, locationId: string, startAt: Date, endAt: Date): Promise<{ priceTotal: string; currency: string }> {
  const minutes = Math.ceil((endAt.getTime() - startAt.getTime()) / 60_000);
  const rates = await em.find(CallRate, { status: 'active', $or: [{ location: isUuid(locationId) ? locationId : null }, { location: null }] });
  const rated = priceFromRates(rates.map((r) => ({
    id: r.id, locationId: idOf(r.location), durationMinutes: r.durationMinutes, price: String(r.price), currency: r.currency,
  })), locationId, minutes);
  if (!rated) throw invalidInput('priceTotal', `no call rate covers ${minutes} minutes at this location: give priceTotal`);
  return { priceTotal: rated.priceTotal, currency: rated.currency };
}

export function createInquiryService(deps: ServiceDeps) {
  const { em, temporal } = deps;

  const inquiryInPolicy = async (caller: Caller, id: string) =>
    (await lifecycleRowInPolicy(em, caller.principal, 'inquiry', id)) as Inquiry;

  const reloadInquiry = (id: string) => em.findOneOrFail(Inquiry, { id }, { refresh: true });

  /**
   * The active models that are candidates for the inquiry, best first, at least the best
   * MATCHES_KEPT of them exactly (services/match-candidates.ts: profile facts for every model,
   * history and real availability over the requested window only as far as they can matter).
   */
  async function scoreCandidates(row: Inquiry): Promise<ScoredModel[]> {
    const asked: MatchAsk = {
      locationId: idOf(row.requestedLocation), from: row.requestedTimeFrom ?? null, to: row.requestedTimeTo ?? null, serviceIds: requestedServicesOf(row),
    };
    if (!asksForAnything({ ...asked, locationTitle: null })) {
      throw invalidInput('requestedLocationId', 'the inquiry asks for no location, time or services to match on');
    }
    return scoredCandidates(em, asked, MATCHES_KEPT);
  }

  /**
   * Replaces the inquiry's stored matches with `kept` and records the run, in ONE statement
   * (so atomic without a transaction of its own): the old matches deleted, the new ones
   * inserted, the audit entry, timeline entry and `inquiry.matched` event written, and the new
   * matches returned with their models' names, best first.
   */
  async function replaceMatches(caller: Caller, inquiryId: string, scored: number, kept: readonly ScoredModel[]): Promise<MatchView[]> {
    const log = changeLogParts(editChange(caller, {
      action: 'MATCH', entityType: 'inquiry', entityId: inquiryId, before: null,
      after: { scored, candidates: kept.map((c) => ({ model_id: c.modelId, score: c.score })) }, timelineEvent: 'inquiry.matched',
    }), { source: '(SELECT 1) AS one' });
    const { sql, params } = named(`
      WITH gone AS (DELETE FROM inquiry_matches WHERE inquiry_id = :inquiry),
           added AS (
             INSERT INTO inquiry_matches (inquiry_id, model_id, score, reason)
             SELECT :inquiry::uuid, c.model_id, c.score, c.reason FROM jsonb_to_recordset(:candidates::jsonb) AS c(model_id uuid, score numeric, reason jsonb)
             RETURNING *),
           ${log.ctes}
      SELECT (SELECT json_agg(${MATCH_JSON} ORDER BY im.score DESC NULLS LAST, im.model_id) FROM added im JOIN models m ON m.id = im.model_id) AS matches,
             ${log.notified}`,
    { ...log.values, inquiry: inquiryId, candidates: JSON.stringify(kept.map((c) => ({ model_id: c.modelId, score: Number(c.score.toFixed(2)), reason: c.reason }))) });
    // Two runs at once would each delete the rows their snapshot sees and both insert: one at a
    // time per inquiry (a transaction-scoped lock), so the later run replaces the earlier.
    return em.transactional(async (tx) => {
      const connection = tx.getConnection();
      await connection.execute("SELECT pg_advisory_xact_lock(hashtextextended('inquiry_matches:' || ?, 0))", [inquiryId], 'all', tx.getTransactionContext());
      const [row] = await connection.execute<Array<{ matches: MatchJson[] | null }>>(sql, params, 'all', tx.getTransactionContext());
      return (row?.matches ?? []).map(matchViewOf);
    });
  }

  return {
    async create(caller: Caller, input: NewInquiryInput): Promise<CreatedInquiry> {
      assertPermission(caller.principal, 'inquiries.write');
      const id = newEntityId(caller, 'inquiry');
      const inquiry = {
        id,
        source: input.source,
        externalRef: input.externalRef ?? undefined,
        priority: input.priority,
        subject: input.subject,
        message: input.message,
        clientName: input.clientName,
        clientEmail: input.clientEmail ?? undefined,
        clientPhone: input.clientPhone ?? undefined,
        requestedTimeFrom: input.requestedTimeFrom?.toISOString(),
        requestedTimeTo: input.requestedTimeTo?.toISOString(),
      };
      const workflowId = commands.workflowIdOfRow('inquiry', { id, source: input.source, externalRef: input.externalRef ?? null });
      const { created } = await commands.startInquiry(temporal, inquiry, { actor: actorOf(caller), requestId: caller.requestId }, {
        staticSummary: `Inquiry from ${input.source}${input.externalRef ? ` (${input.externalRef})` : ''}${input.clientName ? ` • ${input.clientName}` : ''}`,
        staticDetails: [
          `**Inquiry** ${id}`,
          `Source: ${input.source}${input.externalRef ? `, external ref ${input.externalRef}` : ''}`,
          `Priority: ${input.priority}`,
          input.subject ? `Subject: ${input.subject}` : undefined,
        ].filter(Boolean).join('\n\n'),
      });
      return { inquiry: await em.findOneOrFail(Inquiry, { id: created.entityId }), created, workflowId };
    },

    /** Changes the details of an open inquiry: the changed columns, their audit entry and `inquiry.updated`, in one transaction. */
    async update(caller: Caller, id: string, change: InquiryUpdate): Promise<Inquiry> {
      assertPermission(caller.principal, 'inquiries.write');
      const row = await inquiryInPolicy(caller, id);
      if (CLOSED.includes(row.status)) throw conflict(`Inquiry ${row.ref} is ${row.status}: it is closed to edits.`, { status: row.status });
      const from = change.requestedTimeFrom === undefined ? row.requestedTimeFrom : change.requestedTimeFrom;
      const to = change.requestedTimeTo === undefined ? row.requestedTimeTo : change.requestedTimeTo;
      if (from && to && !(from < to)) throw invalidInput('requestedTimeTo', 'must be after requestedTimeFrom');
      if (change.requestedLocationId && !(await em.findOne(Location, { id: change.requestedLocationId }))) throw invalidInput('requestedLocationId', 'no such location');
      const serviceIds = change.requestedServiceIds ? [...new Set(change.requestedServiceIds)] : undefined;
      if (serviceIds?.length && (await em.count(Service, { id: { $in: serviceIds } })) !== serviceIds.length) throw invalidInput('requestedServiceIds', 'unknown service id');

      // column → [before, after] as the audit entry shows them; `apply` sets the entity's property.
      const before: Record<string, unknown> = {};
      const after: Record<string, unknown> = {};
      const applies: Array<(entity: Inquiry, tx: EntityManager) => void> = [];
      const field = <V>(value: V | undefined, column: string, current: unknown, apply: (entity: Inquiry, value: V, tx: EntityManager) => void) => {
        if (value === undefined || jsonValue(value) === jsonValue(current)) return;
        before[column] = jsonValue(current);
        after[column] = jsonValue(value);
        applies.push((entity, tx) => apply(entity, value, tx));
      };
      field(change.priority, 'priority', row.priority, (e, v) => { e.priority = v; });
      field(change.subject, 'subject', row.subject, (e, v) => { e.subject = v ?? null; });
      field(change.message, 'message', row.message, (e, v) => { e.message = v ?? null; });
      field(change.clientName, 'client_name', row.clientName, (e, v) => { e.clientName = v ?? null; });
      field(change.clientEmail, 'client_email', row.clientEmail, (e, v) => { e.clientEmail = v; });
      field(change.clientPhone, 'client_phone', row.clientPhone, (e, v) => { e.clientPhone = v; });
      field(change.requestedLocationId, 'requested_location_id', idOf(row.requestedLocation), (e, v, tx) => {
        e.requestedLocation = v === null ? null : tx.getReference(Location, v);
      });
      if (serviceIds && JSON.stringify(serviceIds) !== JSON.stringify(requestedServicesOf(row))) {
        before.requested_services = requestedServicesOf(row);
        after.requested_services = serviceIds;
        applies.push((entity) => { entity.requestedServices = serviceIds; });
      }
      field(change.requestedTimeFrom, 'requested_time_from', row.requestedTimeFrom, (e, v) => { e.requestedTimeFrom = v; });
      field(change.requestedTimeTo, 'requested_time_to', row.requestedTimeTo, (e, v) => { e.requestedTimeTo = v; });

      if (applies.length) {
        await em.transactional(async (tx) => {
          const entity = await tx.findOneOrFail(Inquiry, { id: row.id });
          for (const apply of applies) apply(entity, tx);
          await tx.flush();
          await recordEdit(tx, caller, { action: 'UPDATE', entityType: 'inquiry', entityId: row.id, before, after, timelineEvent: 'inquiry.updated' });
        });
      }
      return reloadInquiry(row.id);
    },

    /**
     * Scores the active models for an open inquiry and replaces its stored matches. Matching
     * writes no column of the inquiry, so the row read for the policy check is the answer.
     */
    async match(caller: Caller, id: string): Promise<{ inquiry: Inquiry; matches: MatchView[] }> {
      assertPermission(caller.principal, 'inquiries.write');
      const row = await inquiryInPolicy(caller, id);
      if (CLOSED.includes(row.status)) throw conflict(`Inquiry ${row.ref} is ${row.status}: there is nothing to match.`, { status: row.status });
      // The best MATCHES_KEPT are stored (and shown); the audit entry says how many candidates were scored.
      const scored = await scoreCandidates(row);
      const matches = await replaceMatches(caller, row.id, scored.length, scored.slice(0, MATCHES_KEPT));
      return { inquiry: row, matches };
    },

    /** Inquiry → booking through the inquiry's workflow, which starts the booking's lifecycle. */
    async convertToBooking(caller: Caller, id: string, input: ConversionInput): Promise<Conversion> {
      assertPermission(caller.principal, 'inquiries.write');
      assertPermission(caller.principal, 'bookings.write');
      const row = await inquiryInPolicy(caller, id);
      const clientId = input.clientId ?? idOf(row.client);
      if (!clientId) throw invalidInput('clientId', 'the inquiry has no linked client: give clientId');
      const price = input.priceTotal
        ? { priceTotal: input.priceTotal, currency: input.currency ?? DEFAULT_CURRENCY }
        : await ratedPrice(em, input.locationId, input.startAt, input.endAt);
      const details: BookingInput = { ...input, clientId, ...price };
      // The inquiry's workflow waits for the booking's row: a booking that cannot be written must not start.
      await assertBookingReferences(em, details);
      const { id: _id, inquiryId: _inquiry, ...booking } = newBookingOf('', details);
      const result = await commands.convertToBooking(temporal.workflow.getHandle(commands.workflowIdOfRow('inquiry', row)), {
        booking, actor: actorOf(caller), holdMinutes: details.holdMinutes ?? undefined, transitionId: transitionIdOf(caller),
      });
      return { inquiry: await reloadInquiry(row.id), booking: (await loadBooking(em, result.bookingId)) as Booking, duplicate: result.duplicate };
    },
  };
}

export type InquiryService = ReturnType<typeof createInquiryService>;
