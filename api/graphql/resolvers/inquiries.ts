/**
 * Inquiry queries read PostgreSQL; createInquiry starts the inquiry's lifecycle workflow
 * with update-with-start and returns once the workflow has committed the row.
 */
import { z } from 'zod';
import { Inquiry, InquiryMatch, Location, Service, type Booking } from '../../../db/entities/index.ts';
import { TIME_HOLDING_STATUSES } from '../../../domain/booking.ts';
import { INQUIRY_SOURCES, PRIORITIES } from '../../../domain/inquiry.ts';
import { FINAL_INQUIRY_STATUSES } from '../../../domain/lifecycles.ts';
import type { InquiryWorkflowInput } from '../../../workflows/inquiry/messages.ts';
import { convertToBooking, startInquiry, workflowIdOfRow } from '../../../services/lifecycle-commands.ts';
import { canSee, contactFor, requirePermission } from '../../auth/authorize.ts';
import type { Resolvers } from '../generated/types.ts';
import { parseInput, phone } from '../validation.ts';
import { newEntityId } from '../idempotency.ts';
import { afterCursor, pageSize, toConnection } from '../connection.ts';
import type { ApiContext } from '../context.ts';
import type { Viewer } from '../../auth/sessions.ts';
import { assertBookingReferences, bookingDetails, loadBooking, newBookingOf } from './bookings.ts';
import {
  assigneeCondition, assigneeIdOf, conflict, isUuid, jsonText, likePattern, notFound, policyConditions, rangeCondition,
  recordAuditEntry, transitionIdOf, userActor, invalidInput,
} from './operations-support.ts';

const optionalText = (max: number) => z.string().trim().max(max).optional().nullable().transform((v) => v || undefined);

/** What GraphQL's types cannot say: lengths, email shape, a time window that makes sense. */
const createInquiryInput = z
  .object({
    source: z.enum(INQUIRY_SOURCES),
    externalRef: z.string().trim().min(1).max(200).regex(/^[\w.:@#/-]+$/, 'letters, digits and . _ : @ # / - only').optional().nullable(),
    priority: z.enum(PRIORITIES).default('normal'),
    subject: optionalText(300),
    message: optionalText(10_000),
    clientName: optionalText(200),
    clientEmail: z.email().max(320).optional().nullable(),
    clientPhone: phone.optional().nullable(),
    requestedTimeFrom: z.date().optional().nullable(),
    requestedTimeTo: z.date().optional().nullable(),
  })
  .refine((v) => !v.requestedTimeFrom || !v.requestedTimeTo || v.requestedTimeFrom < v.requestedTimeTo, {
    message: 'requestedTimeFrom must be before requestedTimeTo',
    path: ['requestedTimeTo'],
  });



/** Closed inquiries: nothing about them changes any more. */
const CLOSED: readonly string[] = FINAL_INQUIRY_STATUSES;

const updateInquiryInput = z.object({
  priority: z.enum(PRIORITIES).optional(),
  subject: optionalText(300),
  message: optionalText(10_000),
  clientName: optionalText(200),
  clientEmail: z.email().max(320).optional().nullable(),
  clientPhone: phone.optional().nullable(),
  requestedLocationId: z.uuid().optional().nullable(),
  requestedServiceIds: z.array(z.uuid()).max(20).optional().nullable(),
  requestedTimeFrom: z.date().optional().nullable(),
  requestedTimeTo: z.date().optional().nullable(),
});

/** The requested services as stored (a JSON array of service ids). */
const requestedServicesOf = (row: Inquiry): string[] =>
  (Array.isArray(row.requestedServices) ? row.requestedServices : []).filter((s): s is string => typeof s === 'string' && isUuid(s));

async function inquiryInPolicy(ctx: ApiContext, viewer: Viewer, id: string): Promise<Inquiry> {
  const row = isUuid(id) ? await ctx.em.findOne(Inquiry, { id }, { refresh: true }) : null;
  if (!row || !canSee(viewer, assigneeOf(row))) throw notFound('inquiry', id);
  return row;
}

const reloadInquiry = async (ctx: ApiContext, id: string) => ctx.em.findOneOrFail(Inquiry, { id }, { refresh: true });

const matchesOf = (ctx: ApiContext, inquiryId: string) =>
  ctx.em.find(InquiryMatch, { inquiry: inquiryId }, { orderBy: { score: 'desc', id: 'asc' }, populate: ['model'], limit: 50 });

/** A booking in these statuses holds the model's time. */
const ACTIVE_BOOKING = TIME_HOLDING_STATUSES;

interface Candidate {
  modelId: string;
  score: number;
  reason: Record<string, unknown>;
}

/**
 * Matching (seed §7 POST /inquiries/:id/match; the seed leaves the method open). Each criterion
 * counts only if the inquiry asks for it: primary location = requested location (40 points);
 * an available slot covering the requested time (40; tentative 20); the share of the requested
 * services the model offers (20). A request without an end counts one hour. Score = points /
 * points possible × 100. A model already booked
 * or marked unavailable during the requested time is not a candidate.
 */
async function scoreCandidates(ctx: ApiContext, row: Inquiry): Promise<Candidate[]> {
  const locationId = (row.requestedLocation as { id: string } | null)?.id ?? null;
  const from = row.requestedTimeFrom ?? null;
  const to = row.requestedTimeTo ?? (from ? new Date(from.getTime() + 3600_000) : null);
  const services = requestedServicesOf(row);
  if (!locationId && !from && services.length === 0) {
    throw invalidInput('requestedLocationId', 'the inquiry asks for no location, time or services to match on');
  }
  const epoch = new Date(0);
  const rows = await ctx.em.getConnection().execute<Array<{
    id: string; location_match: boolean; available: boolean; tentative: boolean; busy: boolean; services_offered: number;
  }>>(`
    SELECT m.id,
           (m.primary_location_id IS NOT DISTINCT FROM ?::uuid) AS location_match,
           EXISTS (SELECT 1 FROM availability_slots s WHERE s.model_id = m.id AND s.status = 'available' AND s.start_at <= ? AND s.end_at >= ?) AS available,
           EXISTS (SELECT 1 FROM availability_slots s WHERE s.model_id = m.id AND s.status = 'tentative' AND s.start_at <= ? AND s.end_at >= ?) AS tentative,
           (EXISTS (SELECT 1 FROM bookings b WHERE b.model_id = m.id AND b.status IN (${ACTIVE_BOOKING.map(() => '?').join(', ')}) AND b.start_at < ? AND b.end_at > ?)
            OR EXISTS (SELECT 1 FROM availability_slots s WHERE s.model_id = m.id AND s.status = 'unavailable' AND s.start_at < ? AND s.end_at > ?)) AS busy,
           (SELECT count(*) FROM model_services ms WHERE ms.model_id = m.id AND coalesce(ms.is_enabled, true)
                AND ms.service_id::text IN (SELECT jsonb_array_elements_text(?::jsonb)))::int AS services_offered
      FROM models m
     WHERE m.status = 'active'`,
  [locationId, from ?? epoch, to ?? epoch, from ?? epoch, to ?? epoch, ...ACTIVE_BOOKING, to ?? epoch, from ?? epoch, to ?? epoch, from ?? epoch, JSON.stringify(services)]);
  const candidates: Candidate[] = [];
  for (const m of rows) {
    if (from && m.busy) continue;
    let points = 0;
    let possible = 0;
    const reason: Record<string, unknown> = {};
    if (locationId) {
      possible += 40;
      if (m.location_match) points += 40;
      reason.location = { requested: locationId, primary_location_matches: m.location_match };
    }
    if (from && to) {
      possible += 40;
      points += m.available ? 40 : m.tentative ? 20 : 0;
      reason.time = { requested_from: from.toISOString(), requested_to: to.toISOString(), slot: m.available ? 'available' : m.tentative ? 'tentative' : 'none' };
    }
    if (services.length) {
      possible += 20;
      points += (20 * m.services_offered) / services.length;
      reason.services = { requested: services.length, offered: m.services_offered };
    }
    const score = Math.round((points / possible) * 10_000) / 100;
    if (score > 0) candidates.push({ modelId: m.id, score, reason });
  }
  return candidates.sort((a, b) => b.score - a.score);
}

const assigneeOf = (row: Inquiry): string | null => (row.assignedTo as { id: string } | null)?.id ?? null;

export const inquiryResolvers: Resolvers = {
  Query: {
    async inquiry(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'inquiries.read');
      if (!z.uuid().safeParse(args.id).success) return null;
      const row = await ctx.em.findOne(Inquiry, { id: args.id });
      // Out of the viewer's policy reads the same as absent: it reveals nothing.
      return row && canSee(viewer, assigneeOf(row)) ? row : null;
    },
    async inquiries(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'inquiries.read');
      const size = pageSize(args.first);
      const conditions: Record<string, unknown>[] = [...policyConditions(viewer)];
      const push = (condition: Record<string, unknown> | undefined) => condition && conditions.push(condition);
      if (args.status?.length) push({ status: { $in: args.status } });
      if (args.priority?.length) push({ priority: { $in: args.priority } });
      if (args.source?.length) push({ source: { $in: args.source } });
      push(assigneeCondition(viewer, args.assignee));
      push(rangeCondition('createdAt', args.createdFrom, args.createdTo, ['createdFrom', 'createdTo']));
      const q = args.q?.trim();
      if (q) {
        if (q.length > 200) throw invalidInput('q', 'is too long (200 characters at most)');
        const like = likePattern(q);
        const fields = ['ref', 'clientName', 'subject', ...(viewer.permissions.includes('pii.read') ? ['clientEmail', 'clientPhone'] : [])];
        push({ $or: fields.map((field) => ({ [field]: { $ilike: like } })) });
      }
      push(afterCursor(args.after));
      const rows = await ctx.em.find(Inquiry, { $and: conditions }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 });
      return toConnection(rows, size);
    },
  },
  Mutation: {
    async updateInquiry(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'inquiries.write');
      const parsed = parseInput(updateInquiryInput, args.input);
      const row = await inquiryInPolicy(ctx, viewer, args.id);
      if (CLOSED.includes(row.status)) throw conflict(`Inquiry ${row.ref} is ${row.status}: it is closed to edits.`, { status: row.status });
      const input = parsed;
      const from = input.requestedTimeFrom === undefined ? row.requestedTimeFrom : input.requestedTimeFrom;
      const to = input.requestedTimeTo === undefined ? row.requestedTimeTo : input.requestedTimeTo;
      if (from && to && !(from < to)) throw invalidInput('requestedTimeTo', 'must be after requestedTimeFrom');
      if (input.requestedLocationId && !(await ctx.em.findOne(Location, { id: input.requestedLocationId }))) throw invalidInput('requestedLocationId', 'no such location');
      const serviceIds = input.requestedServiceIds ? [...new Set(input.requestedServiceIds)] : undefined;
      if (serviceIds?.length && (await ctx.em.count(Service, { id: { $in: serviceIds } })) !== serviceIds.length) throw invalidInput('requestedServiceIds', 'unknown service id');
      const columns: Record<string, [string, unknown, unknown]> = {};
      const set = (field: keyof typeof input, column: string, current: unknown) => {
        const value = input[field];
        if (value === undefined) return;
        const norm = (v: unknown) => (v instanceof Date ? v.toISOString() : (v ?? null));
        if (norm(value) !== norm(current)) columns[column] = [field, norm(current), value ?? null];
      };
      set('priority', 'priority', row.priority);
      set('subject', 'subject', row.subject);
      set('message', 'message', row.message);
      set('clientName', 'client_name', row.clientName);
      set('clientEmail', 'client_email', row.clientEmail);
      set('clientPhone', 'client_phone', row.clientPhone);
      set('requestedLocationId', 'requested_location_id', (row.requestedLocation as { id: string } | null)?.id ?? null);
      if (serviceIds && JSON.stringify(serviceIds) !== JSON.stringify(requestedServicesOf(row))) {
        columns.requested_services = ['requestedServiceIds', requestedServicesOf(row), JSON.stringify(serviceIds)];
      }
      set('requestedTimeFrom', 'requested_time_from', row.requestedTimeFrom);
      set('requestedTimeTo', 'requested_time_to', row.requestedTimeTo);
      const changed = Object.entries(columns);
      if (changed.length) {
        await ctx.em.transactional(async (em) => {
          const assignments = changed.map(([column]) => `${column} = ?`).join(', ');
          await em.getConnection().execute(`UPDATE inquiries SET ${assignments}, updated_at = now() WHERE id = ?`, [...changed.map(([, [, , v]]) => v), row.id], 'run', em.getTransactionContext());
          await recordAuditEntry(em, {
            actor: viewer, action: 'UPDATE', entityType: 'inquiry', entityId: row.id,
            before: Object.fromEntries(changed.map(([column, [, before]]) => [column, before])),
            after: Object.fromEntries(changed.map(([column, [, , after]]) => [column, after instanceof Date ? after.toISOString() : column === 'requested_services' ? serviceIds : after])),
            timelineEvent: 'inquiry.updated',
          });
        });
      }
      return { inquiry: await reloadInquiry(ctx, row.id) };
    },
    async matchInquiry(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'inquiries.write');
      const row = await inquiryInPolicy(ctx, viewer, args.id);
      if (CLOSED.includes(row.status)) throw conflict(`Inquiry ${row.ref} is ${row.status}: there is nothing to match.`, { status: row.status });
      const candidates = await scoreCandidates(ctx, row);
      await ctx.em.transactional(async (em) => {
        await em.getConnection().execute('DELETE FROM inquiry_matches WHERE inquiry_id = ?', [row.id], 'run', em.getTransactionContext());
        for (const c of candidates) em.create(InquiryMatch, { inquiry: row.id, model: c.modelId, score: c.score.toFixed(2), reason: c.reason });
        await recordAuditEntry(em, {
          actor: viewer, action: 'MATCH', entityType: 'inquiry', entityId: row.id, before: null,
          after: { candidates: candidates.map((c) => ({ model_id: c.modelId, score: c.score })) }, timelineEvent: 'inquiry.matched',
        });
      });
      const inquiry = await reloadInquiry(ctx, row.id);
      return { inquiry, matches: await matchesOf(ctx, row.id) };
    },
    async convertInquiryToBooking(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'inquiries.write');
      requirePermission(viewer, 'bookings.write');
      const parsed = parseInput(bookingDetails, args.input);
      const row = await inquiryInPolicy(ctx, viewer, args.id);
      const clientId = parsed.clientId ?? (row.client as { id: string } | null)?.id;
      if (!clientId) throw invalidInput('clientId', 'the inquiry has no linked client: give clientId');
      const input = { ...parsed, clientId };
      // The inquiry's workflow waits for the booking's row: a booking that cannot be written must not start.
      await assertBookingReferences(ctx.em, input);
      const { id: _id, inquiryId: _inquiry, ...booking } = newBookingOf('', input);
      const result = await convertToBooking(ctx.temporal.workflow.getHandle(workflowIdOfRow('inquiry', row)), {
        booking, actor: userActor(viewer), holdMinutes: input.holdMinutes ?? undefined, transitionId: transitionIdOf(ctx),
      });
      ctx.log.info({ inquiryId: row.id, bookingId: result.bookingId, ref: result.bookingRef }, 'inquiry converted');
      return { inquiry: await reloadInquiry(ctx, row.id), booking: (await loadBooking(ctx.em, result.bookingId)) as Booking, duplicate: result.duplicate };
    },
    async createInquiry(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'inquiries.write');
      const input = parseInput(createInquiryInput, args.input);
      const id = newEntityId(ctx, 'inquiry');
      const workflowInput: InquiryWorkflowInput = {
        inquiry: {
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
        },
        actor: { type: 'user', userId: viewer.id },
        requestId: ctx.requestId,
      };
      const workflowId = workflowIdOfRow('inquiry', { id, source: input.source, externalRef: input.externalRef ?? null });
      const { created } = await startInquiry(ctx.temporal, workflowInput.inquiry, { actor: workflowInput.actor, requestId: workflowInput.requestId }, {
        staticSummary: `Inquiry from ${input.source}${input.externalRef ? ` (${input.externalRef})` : ''}${input.clientName ? ` • ${input.clientName}` : ''}`,
        staticDetails: [
          `**Inquiry** ${id}`,
          `Source: ${input.source}${input.externalRef ? `, external ref ${input.externalRef}` : ''}`,
          `Priority: ${input.priority}`,
          input.subject ? `Subject: ${input.subject}` : undefined,
        ].filter(Boolean).join('\n\n'),
      });
      const inquiry = await ctx.em.findOneOrFail(Inquiry, { id: created.entityId });
      ctx.log.info({ inquiryId: inquiry.id, ref: inquiry.ref, workflowId, firstDelivery: created.firstDelivery }, 'inquiry created');
      return { inquiry, created: created.firstDelivery };
    },
  },
  Inquiry: {
    clientEmail: (row, _, ctx) => contactFor(ctx.viewer, { clientEmail: row.clientEmail }).clientEmail,
    clientPhone: (row, _, ctx) => contactFor(ctx.viewer, { clientPhone: row.clientPhone }).clientPhone,
    workflowId: (inquiry) => workflowIdOfRow('inquiry', inquiry),
    requestedLocationId: (row) => (row.requestedLocation as { id: string } | null)?.id ?? null,
    requestedServiceIds: (row) => requestedServicesOf(row),
    assigneeId: (row) => assigneeIdOf(row),
    bookingId: (row) => (row.booking as { id: string } | null)?.id ?? null,
    matches: (row, _, ctx) => matchesOf(ctx, row.id),
  },
  InquiryMatch: {
    modelId: (row) => row.model.id,
    modelName: (row) => row.model.name,
    score: (row) => Number(row.score ?? 0),
    reason: (row) => jsonText(row.reason) ?? '{}',
  },
};
