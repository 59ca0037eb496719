/**
 * Availability (seed §6.5): slots, rules and detected mismatches. None of these is a lifecycle
 * entity: slots are edited here and a mismatch is resolved by stamping resolved_at, each with
 * an audit entry.
 */
import { z } from 'zod';
import { AvailabilityMismatch, AvailabilityRule, AvailabilitySlot, Model } from '../../../db/entities/index.ts';
import { requirePermission } from '../../auth/authorize.ts';
import { afterCursor, pageSize, toConnection } from '../connection.ts';
import type { Resolvers } from '../generated/types.ts';
import { parseInput } from '../validation.ts';
import { conflict, isUuid, jsonText, notFound, rangeCondition, recordAuditEntry, invalidInput } from './operations-support.ts';

const SLOT_STATUSES = ['available', 'unavailable', 'tentative'] as const;

const createSlotInput = z
  .object({
    modelId: z.uuid(),
    startAt: z.date(),
    endAt: z.date(),
    status: z.enum(SLOT_STATUSES).default('available'),
    confidence: z.number().min(0).max(1).optional().nullable(),
  })
  .refine((v) => v.startAt < v.endAt, { message: 'endAt must be after startAt', path: ['endAt'] });

const updateSlotInput = z.object({
  startAt: z.date().optional().nullable(),
  endAt: z.date().optional().nullable(),
  status: z.enum(SLOT_STATUSES).optional().nullable(),
  confidence: z.number().min(0).max(1).optional().nullable(),
});

const slotSnapshot = (slot: AvailabilitySlot) => ({
  model_id: slot.model.id, start_at: slot.startAt.toISOString(), end_at: slot.endAt.toISOString(), status: slot.status, confidence: slot.confidence ?? null,
});

const optionalId = (field: string, value: string | null | undefined): string | undefined => {
  if (value === null || value === undefined) return undefined;
  if (!isUuid(value)) throw invalidInput(field, 'must be an id');
  return value;
};

export const availabilityResolvers: Resolvers = {
  Query: {
    async availabilitySlots(_, args, ctx) {
      requirePermission(ctx.viewer, 'availability.read');
      const size = pageSize(args.first);
      const conditions: Record<string, unknown>[] = [];
      const modelId = optionalId('modelId', args.modelId);
      if (modelId) conditions.push({ model: modelId });
      if (args.status) conditions.push({ status: args.status });
      if (args.from && args.to && !(args.from < args.to)) throw invalidInput('to', 'must be after from');
      // Overlap with [from, to).
      if (args.to) conditions.push({ startAt: { $lt: args.to } });
      if (args.from) conditions.push({ endAt: { $gt: args.from } });
      const after = afterCursor(args.after);
      if (after) conditions.push(after);
      const rows = await ctx.em.find(AvailabilitySlot, { $and: conditions }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 });
      return toConnection(rows, size);
    },
    async availabilityMismatches(_, args, ctx) {
      requirePermission(ctx.viewer, 'availability.read');
      const size = pageSize(args.first);
      const conditions: Record<string, unknown>[] = [];
      const push = (c: Record<string, unknown> | undefined) => c && conditions.push(c);
      const modelId = optionalId('modelId', args.modelId);
      if (modelId) push({ model: modelId });
      if (args.severity) push({ severity: args.severity });
      if (args.resolved === true) push({ resolvedAt: { $ne: null } });
      if (args.resolved === false) push({ resolvedAt: null });
      push(rangeCondition('detectedAt', args.detectedFrom, args.detectedTo, ['detectedFrom', 'detectedTo']));
      push(afterCursor(args.after, 'detectedAt'));
      const rows = await ctx.em.find(AvailabilityMismatch, { $and: conditions }, { orderBy: { detectedAt: 'desc', id: 'desc' }, limit: size + 1 });
      return toConnection(rows, size, (r) => r.detectedAt);
    },
    async availabilityRules(_, args, ctx) {
      requirePermission(ctx.viewer, 'availability.read');
      const size = pageSize(args.first);
      const conditions: Record<string, unknown>[] = [];
      const push = (c: Record<string, unknown> | undefined) => c && conditions.push(c);
      if (args.scope) push({ scope: args.scope });
      if (args.status) push({ status: args.status });
      const modelId = optionalId('modelId', args.modelId);
      if (modelId) push({ model: modelId });
      const locationId = optionalId('locationId', args.locationId);
      if (locationId) push({ location: locationId });
      push(afterCursor(args.after));
      const rows = await ctx.em.find(AvailabilityRule, { $and: conditions }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 });
      return toConnection(rows, size);
    },
  },
  Mutation: {
    async createAvailabilitySlot(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'availability.write');
      const input = parseInput(createSlotInput, args.input);
      if (!(await ctx.em.findOne(Model, { id: input.modelId }))) throw invalidInput('modelId', 'no such model');
      const slot = await ctx.em.transactional(async (em) => {
        const created = em.create(AvailabilitySlot, {
          model: input.modelId, startAt: input.startAt, endAt: input.endAt, status: input.status, source: 'manual',
          confidence: input.confidence === null || input.confidence === undefined ? '1.00' : input.confidence.toFixed(2),
        });
        await em.flush();
        await recordAuditEntry(em, { actor: viewer, action: 'CREATE', entityType: 'availability_slot', entityId: created.id, before: null, after: slotSnapshot(created) });
        return created;
      });
      return ctx.em.findOneOrFail(AvailabilitySlot, { id: slot.id }, { refresh: true });
    },
    async updateAvailabilitySlot(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'availability.write');
      const input = parseInput(updateSlotInput, args.input);
      await ctx.em.transactional(async (em) => {
        const slot = isUuid(args.id) ? await em.findOne(AvailabilitySlot, { id: args.id }) : null;
        if (!slot) throw notFound('availability slot', args.id);
        const before = slotSnapshot(slot);
        const patch: Partial<Pick<AvailabilitySlot, 'startAt' | 'endAt' | 'status' | 'confidence'>> = {};
        if (input.startAt) patch.startAt = input.startAt;
        if (input.endAt) patch.endAt = input.endAt;
        if (input.status) patch.status = input.status;
        if (input.confidence !== null && input.confidence !== undefined) patch.confidence = input.confidence.toFixed(2);
        if (!((patch.startAt ?? slot.startAt) < (patch.endAt ?? slot.endAt))) throw invalidInput('endAt', 'must be after startAt');
        em.assign(slot, patch);
        await em.flush();
        await recordAuditEntry(em, { actor: viewer, action: 'UPDATE', entityType: 'availability_slot', entityId: slot.id, before, after: slotSnapshot(slot) });
      });
      return ctx.em.findOneOrFail(AvailabilitySlot, { id: args.id }, { refresh: true });
    },
    async resolveAvailabilityMismatch(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'availability.write');
      const note = args.note?.trim();
      if (note && note.length > 2000) throw invalidInput('note', 'at most 2,000 characters');
      await ctx.em.transactional(async (em) => {
        const mismatch = isUuid(args.id) ? await em.findOne(AvailabilityMismatch, { id: args.id }) : null;
        if (!mismatch) throw notFound('availability mismatch', args.id);
        if (mismatch.resolvedAt) throw conflict(`This mismatch was already resolved at ${mismatch.resolvedAt.toISOString()}.`, { resolvedAt: mismatch.resolvedAt.toISOString() });
        mismatch.resolvedAt = new Date();
        await em.flush();
        await recordAuditEntry(em, {
          actor: viewer, action: 'UPDATE', entityType: 'availability_mismatch', entityId: mismatch.id, before: { resolved_at: null },
          after: { resolved_at: mismatch.resolvedAt.toISOString() }, metadata: note ? { reason: note } : undefined,
        });
      });
      return ctx.em.findOneOrFail(AvailabilityMismatch, { id: args.id }, { refresh: true });
    },
  },
  AvailabilitySlot: {
    modelId: (row) => row.model.id,
    status: (row) => row.status as (typeof SLOT_STATUSES)[number],
    confidence: (row) => (row.confidence === null || row.confidence === undefined ? null : Number(row.confidence)),
  },
  AvailabilityMismatch: {
    modelId: (row) => row.model.id,
    context: (row) => jsonText(row.context),
  },
  AvailabilityRule: {
    modelId: (row) => (row.model as { id: string } | null)?.id ?? null,
    locationId: (row) => (row.location as { id: string } | null)?.id ?? null,
    rule: (row) => jsonText(row.rule) ?? '{}',
  },
};
