/**
 * Availability (seed §6.5): slots, rules and detected mismatches, read here; the commands
 * (edit a slot, resolve a mismatch) are services/availability.ts.
 */
import { z } from 'zod';
import { AvailabilityMismatch, AvailabilityRule, AvailabilitySlot } from '../../../db/entities/index.ts';
import { SLOT_STATUSES } from '../../../services/availability.ts';
import { idOf } from '../../../services/rows.ts';
import { requirePermission } from '../../auth/authorize.ts';
import { afterCursor, pageSize, toConnection } from '../connection.ts';
import type { Resolvers } from '../generated/types.ts';
import { parseInput } from '../validation.ts';
import { callerOf, servicesOf } from '../services.ts';
import { isUuid, jsonText, rangeCondition, invalidInput } from './operations-support.ts';


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
      return servicesOf(ctx).availability.createSlot(callerOf(ctx, viewer), parseInput(createSlotInput, args.input));
    },
    async updateAvailabilitySlot(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'availability.write');
      return servicesOf(ctx).availability.updateSlot(callerOf(ctx, viewer), args.id, parseInput(updateSlotInput, args.input));
    },
    async resolveAvailabilityMismatch(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'availability.write');
      const note = args.note?.trim();
      if (note && note.length > 2000) throw invalidInput('note', 'at most 2,000 characters');
      return servicesOf(ctx).availability.resolveMismatch(callerOf(ctx, viewer), args.id, note || undefined);
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
    modelId: (row) => idOf(row.model),
    locationId: (row) => idOf(row.location),
    rule: (row) => jsonText(row.rule) ?? '{}',
  },
};
