/**
 * Availability (seed §6.5): slots, rules and detected mismatches, read here; the commands
 * (edit a slot, resolve a mismatch) are services/availability.ts.
 */
import { z } from 'zod';
import { AvailabilityMismatch, AvailabilityRule, AvailabilitySlot } from '../../../db/entities/index.ts';
import { RULE_SCOPES } from '../../../domain/availability.ts';
import { SLOT_STATUSES } from '../../../services/availability.ts';
import { idOf } from '../../../services/rows.ts';
import { requirePermission } from '../../auth/authorize.ts';
import { pageOf } from '../connection.ts';
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

const createRuleInput = z.object({
  name: z.string().trim().min(1).max(200),
  scope: z.enum(RULE_SCOPES),
  modelId: z.uuid().optional().nullable(),
  locationId: z.uuid().optional().nullable(),
  rule: z.string().max(20_000),
});

const updateRuleInput = z.object({
  name: z.string().trim().min(1).max(200).optional().nullable(),
  rule: z.string().max(20_000).optional().nullable(),
  status: z.string().optional().nullable(),
});

const optionalId = (field: string, value: string | null | undefined): string | undefined => {
  if (value === null || value === undefined) return undefined;
  if (!isUuid(value)) throw invalidInput(field, 'must be an id');
  return value;
};

export const availabilityResolvers: Resolvers = {
  Query: {
    async availabilitySlots(_, args, ctx) {
      requirePermission(ctx, 'availability.read');
      return pageOf(ctx.em, AvailabilitySlot, args, (where) => {
        const modelId = optionalId('modelId', args.modelId);
        if (modelId) where({ model: modelId });
        if (args.status) where({ status: args.status });
        if (args.from && args.to && !(args.from < args.to)) throw invalidInput('to', 'must be after from');
        // Overlap with [from, to).
        if (args.to) where({ startAt: { $lt: args.to } });
        if (args.from) where({ endAt: { $gt: args.from } });
      });
    },
    async availabilityMismatches(_, args, ctx) {
      requirePermission(ctx, 'availability.read');
      return pageOf(ctx.em, AvailabilityMismatch, args, (where) => {
        const modelId = optionalId('modelId', args.modelId);
        if (modelId) where({ model: modelId });
        if (args.severity) where({ severity: args.severity });
        if (args.resolved === true) where({ resolvedAt: { $ne: null } });
        if (args.resolved === false) where({ resolvedAt: null });
        where(rangeCondition('detectedAt', args.detectedFrom, args.detectedTo, ['detectedFrom', 'detectedTo']));
      }, { key: 'detectedAt' });
    },
    async availability(_, args, ctx) {
      const viewer = requirePermission(ctx, 'availability.read');
      const result = await servicesOf(ctx).availability.availability(callerOf(ctx, viewer), {
        modelId: args.modelId, locationId: args.locationId, from: args.from, to: args.to,
      });
      return result.map((m) => ({ ...m, intervals: m.intervals.map((i) => ({ ...i, startAt: i.start, endAt: i.end })) }));
    },
    async availabilityRules(_, args, ctx) {
      requirePermission(ctx, 'availability.read');
      return pageOf(ctx.em, AvailabilityRule, args, (where) => {
        if (args.scope) where({ scope: args.scope });
        if (args.status) where({ status: args.status });
        const modelId = optionalId('modelId', args.modelId);
        if (modelId) where({ model: modelId });
        const locationId = optionalId('locationId', args.locationId);
        if (locationId) where({ location: locationId });
      });
    },
  },
  Mutation: {
    async createAvailabilitySlot(_, args, ctx) {
      const viewer = requirePermission(ctx, 'availability.write');
      return servicesOf(ctx).availability.createSlot(callerOf(ctx, viewer), parseInput(createSlotInput, args.input));
    },
    async updateAvailabilitySlot(_, args, ctx) {
      const viewer = requirePermission(ctx, 'availability.write');
      return servicesOf(ctx).availability.updateSlot(callerOf(ctx, viewer), args.id, parseInput(updateSlotInput, args.input));
    },
    async createAvailabilityRule(_, args, ctx) {
      const viewer = requirePermission(ctx, 'availability.write');
      return servicesOf(ctx).availability.createRule(callerOf(ctx, viewer), parseInput(createRuleInput, args.input));
    },
    async updateAvailabilityRule(_, args, ctx) {
      const viewer = requirePermission(ctx, 'availability.write');
      return servicesOf(ctx).availability.updateRule(callerOf(ctx, viewer), args.id, parseInput(updateRuleInput, args.input));
    },
    async resolveAvailabilityMismatch(_, args, ctx) {
      const viewer = requirePermission(ctx, 'availability.write');
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
