/**
 * Inquiry commands. Creation starts the inquiry's lifecycle workflow (update-with-start) and
 * returns once the workflow has committed the row; conversion is the workflow's Update (it
 * starts the booking's lifecycle). Editing the details and matching are not workflow facts: they
 * are written here, with their change record.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inquiry, InquiryMatch, Location, Service, type Booking } from '../db/entities/index.ts';
import { assertPermission } from '../domain/access.ts';
import { TIME_HOLDING_STATUSES } from '../domain/booking.ts';
import { conflict, invalidInput } from '../domain/errors.ts';
import type { InquirySource, Priority } from '../domain/inquiry.ts';
import { FINAL_INQUIRY_STATUSES } from '../domain/lifecycles.ts';
import { asksForAnything, requestedWindow, scoreModel, type MatchRequest, type MatchScore } from '../domain/matching.ts';
import type { Created } from '../workflows/lifecycle/messages.ts';
import { assertBookingReferences, loadBooking, newBookingOf, type BookingInput, type CreateOptions } from './bookings.ts';
import { recordEdit } from './change-records.ts';
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

/** A booking converted from an inquiry: the client defaults to the inquiry's linked client. */
export type ConversionInput = Omit<BookingInput, 'clientId'> & { readonly clientId?: string | null | undefined };

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

/** An inquiry's stored matches, best first. */
export const matchesOf = (em: EntityManager, inquiryId: string) =>
  em.find(InquiryMatch, { inquiry: inquiryId }, { orderBy: { score: 'desc', id: 'asc' }, populate: ['model'], limit: 50 });

/** Audit values as JSON: instants as ISO text, absent as null. */
const jsonValue = (v: unknown): unknown => (v instanceof Date ? v.toISOString() : (v ?? null));

export function createInquiryService(deps: ServiceDeps) {
  const { em, temporal } = deps;

  const inquiryInPolicy = async (caller: Caller, id: string) =>
    (await lifecycleRowInPolicy(em, caller.principal, 'inquiry', id)) as Inquiry;

  const reloadInquiry = (id: string) => em.findOneOrFail(Inquiry, { id }, { refresh: true });

  /** Every active model that is a candidate for the inquiry, best first (domain/matching.ts scores). */
  async function scoreCandidates(row: Inquiry): Promise<Array<MatchScore & { modelId: string }>> {
    const request: MatchRequest = {
      locationId: idOf(row.requestedLocation), from: row.requestedTimeFrom ?? null, to: row.requestedTimeTo ?? null, serviceIds: requestedServicesOf(row),
    };
    if (!asksForAnything(request)) {
      throw invalidInput('requestedLocationId', 'the inquiry asks for no location, time or services to match on');
    }
    const epoch = new Date(0);
    const window = requestedWindow(request.from, request.to);
    const from = window.from ?? epoch;
    const to = window.to ?? epoch;
    const rows = await em.getConnection().execute<Array<{
      id: string; location_match: boolean; available: boolean; tentative: boolean; busy: boolean; services_offered: number;
    }>>(`
      SELECT m.id,
             (m.primary_location_id IS NOT DISTINCT FROM ?::uuid) AS location_match,
             EXISTS (SELECT 1 FROM availability_slots s WHERE s.model_id = m.id AND s.status = 'available' AND s.start_at <= ? AND s.end_at >= ?) AS available,
             EXISTS (SELECT 1 FROM availability_slots s WHERE s.model_id = m.id AND s.status = 'tentative' AND s.start_at <= ? AND s.end_at >= ?) AS tentative,
             (EXISTS (SELECT 1 FROM bookings b WHERE b.model_id = m.id AND b.status IN (${TIME_HOLDING_STATUSES.map(() => '?').join(', ')}) AND b.start_at < ? AND b.end_at > ?)
              OR EXISTS (SELECT 1 FROM availability_slots s WHERE s.model_id = m.id AND s.status = 'unavailable' AND s.start_at < ? AND s.end_at > ?)) AS busy,
             (SELECT count(*) FROM model_services ms WHERE ms.model_id = m.id AND coalesce(ms.is_enabled, true)
                  AND ms.service_id::text IN (SELECT jsonb_array_elements_text(?::jsonb)))::int AS services_offered
        FROM models m
       WHERE m.status = 'active'`,
    [request.locationId, from, to, from, to, ...TIME_HOLDING_STATUSES, to, from, to, from, JSON.stringify(request.serviceIds)]);
    const candidates: Array<MatchScore & { modelId: string }> = [];
    for (const m of rows) {
      const scored = scoreModel(request, {
        locationMatch: m.location_match, available: m.available, tentative: m.tentative, busy: m.busy, servicesOffered: m.services_offered,
      });
      if (scored) candidates.push({ modelId: m.id, ...scored });
    }
    return candidates.sort((a, b) => b.score - a.score);
  }

  return {
    async create(caller: Caller, input: NewInquiryInput, options: CreateOptions = {}): Promise<CreatedInquiry> {
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
      const { created } = await commands.startInquiry(temporal, inquiry, { actor: actorOf(caller), requestId: options.requestId ?? randomUUID() }, {
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

    /** Scores the active models for an open inquiry and replaces its stored matches. */
    async match(caller: Caller, id: string): Promise<{ inquiry: Inquiry; matches: InquiryMatch[] }> {
      assertPermission(caller.principal, 'inquiries.write');
      const row = await inquiryInPolicy(caller, id);
      if (CLOSED.includes(row.status)) throw conflict(`Inquiry ${row.ref} is ${row.status}: there is nothing to match.`, { status: row.status });
      const candidates = await scoreCandidates(row);
      await em.transactional(async (tx) => {
        await tx.getConnection().execute('DELETE FROM inquiry_matches WHERE inquiry_id = ?', [row.id], 'run', tx.getTransactionContext());
        for (const c of candidates) tx.create(InquiryMatch, { inquiry: row.id, model: c.modelId, score: c.score.toFixed(2), reason: c.reason });
        await recordEdit(tx, caller, {
          action: 'MATCH', entityType: 'inquiry', entityId: row.id, before: null,
          after: { candidates: candidates.map((c) => ({ model_id: c.modelId, score: c.score })) }, timelineEvent: 'inquiry.matched',
        });
      });
      return { inquiry: await reloadInquiry(row.id), matches: await matchesOf(em, row.id) };
    },

    /** Inquiry → booking through the inquiry's workflow, which starts the booking's lifecycle. */
    async convertToBooking(caller: Caller, id: string, input: ConversionInput): Promise<Conversion> {
      assertPermission(caller.principal, 'inquiries.write');
      assertPermission(caller.principal, 'bookings.write');
      const row = await inquiryInPolicy(caller, id);
      const clientId = input.clientId ?? idOf(row.client);
      if (!clientId) throw invalidInput('clientId', 'the inquiry has no linked client: give clientId');
      const details: BookingInput = { ...input, clientId };
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
