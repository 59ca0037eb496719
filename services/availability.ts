/**
 * Availability commands and the availability query (seed §6.5; issue 14 item 2): slots and rules
 * are edited here and a mismatch is resolved by stamping resolved_at, each with its audit entry in
 * the same transaction. None of these is a lifecycle entity. Calendar sync and automation record
 * slots through the same commands, with their own source. The query combines rules, slots and
 * bookings through domain/availability.ts.
 */
import { AvailabilityMismatch, AvailabilityRule, AvailabilitySlot, Location, Model } from '../db/entities/index.ts';
import { assertPermission } from '../domain/access.ts';
import { MAX_AVAILABILITY_RANGE_DAYS, ruleProblem, SLOT_STATUSES, type RuleBody, type RuleScope, type SlotSource, type SlotStatus } from '../domain/availability.ts';
import { conflict, invalidInput, notFound } from '../domain/errors.ts';
import { availabilityOf, modelsOfLocation, ruleBodySchema } from './availability-facts.ts';
import { createMismatchService } from './availability-mismatches.ts';
import { recordEdit } from './change-records.ts';
import type { Caller, ServiceDeps } from './context.ts';
import { isUuid } from './rows.ts';

export { SLOT_STATUSES, type SlotStatus };

export interface NewSlot {
  readonly modelId: string;
  readonly startAt: Date;
  readonly endAt: Date;
  readonly status: SlotStatus;
  /** 0 to 1; a manual slot is certain (1) unless said otherwise. */
  readonly confidence?: number | null | undefined;
  /** Who says so: a person (manual, the default), a rule's action (automation), a calendar (sync). */
  readonly source?: SlotSource | undefined;
}

export interface NewRule {
  readonly name: string;
  readonly scope: RuleScope;
  readonly modelId?: string | null | undefined;
  readonly locationId?: string | null | undefined;
  /** JSON text. */
  readonly rule: string;
}

export interface RuleChange {
  readonly name?: string | null | undefined;
  readonly rule?: string | null | undefined;
  readonly status?: string | null | undefined;
}

export interface AvailabilityQuery {
  readonly modelId?: string | null | undefined;
  readonly locationId?: string | null | undefined;
  readonly from: Date;
  readonly to: Date;
}

export const RULE_STATUSES = ['active', 'disabled'] as const;

/** The rule JSON text as a checked body, or VALIDATION naming what is wrong. */
function ruleBodyOf(text: string): RuleBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalidInput('rule', 'must be JSON text');
  }
  const parsed = ruleBodySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidInput(`rule${issue?.path.length ? `.${issue.path.join('.')}` : ''}`, issue?.message ?? 'not a rule');
  }
  const problem = ruleProblem(parsed.data as RuleBody);
  if (problem) throw invalidInput(problem.field, problem.message);
  return parsed.data as RuleBody;
}

const ruleSnapshot = (rule: AvailabilityRule) => ({
  name: rule.name, scope: rule.scope, model_id: rule.model?.id ?? null, location_id: rule.location?.id ?? null, rule: rule.rule, status: rule.status,
});

/** Absent (or null) fields stay as they are. */
export interface SlotChange {
  readonly startAt?: Date | null | undefined;
  readonly endAt?: Date | null | undefined;
  readonly status?: SlotStatus | null | undefined;
  readonly confidence?: number | null | undefined;
}

const slotSnapshot = (slot: AvailabilitySlot) => ({
  model_id: slot.model.id, start_at: slot.startAt.toISOString(), end_at: slot.endAt.toISOString(), status: slot.status, source: slot.source ?? null, confidence: slot.confidence ?? null,
});

/** How far ahead a rule change re-checks held bookings against availability. */
const RULE_RECHECK_DAYS = 180;

export function createAvailabilityService(deps: ServiceDeps) {
  const { em } = deps;
  const mismatches = createMismatchService(deps);

  /** The held bookings a rule's change may affect, re-checked from now on. */
  async function reconcileRule(rule: AvailabilityRule): Promise<void> {
    const scoped = rule.scope === 'model' ? { id: rule.model?.id ?? null } : rule.scope === 'location' ? { primaryLocation: rule.location?.id ?? null } : {};
    const models = await em.find(Model, scoped, { fields: ['id'] });
    const now = new Date();
    await mismatches.reconcileModels(models.map((m) => m.id), now, new Date(now.getTime() + RULE_RECHECK_DAYS * 86_400_000));
  }
  return {
    async createSlot(caller: Caller, input: NewSlot): Promise<AvailabilitySlot> {
      assertPermission(caller.principal, 'availability.write');
      if (!(await em.findOne(Model, { id: input.modelId }))) throw invalidInput('modelId', 'no such model');
      const slot = await em.transactional(async (tx) => {
        const created = tx.create(AvailabilitySlot, {
          model: input.modelId, startAt: input.startAt, endAt: input.endAt, status: input.status, source: input.source ?? 'manual',
          confidence: input.confidence === null || input.confidence === undefined ? '1.00' : input.confidence.toFixed(2),
        });
        await tx.flush();
        await recordEdit(tx, caller, { action: 'CREATE', entityType: 'availability_slot', entityId: created.id, before: null, after: slotSnapshot(created) });
        return created;
      });
      await mismatches.reconcileModels([input.modelId], input.startAt, input.endAt);
      return em.findOneOrFail(AvailabilitySlot, { id: slot.id }, { refresh: true });
    },

    async updateSlot(caller: Caller, id: string, change: SlotChange): Promise<AvailabilitySlot> {
      assertPermission(caller.principal, 'availability.write');
      const span = await em.transactional(async (tx) => {
        const slot = isUuid(id) ? await tx.findOne(AvailabilitySlot, { id }) : null;
        if (!slot) throw notFound('availability slot', id);
        const before = slotSnapshot(slot);
        const patch: Partial<Pick<AvailabilitySlot, 'startAt' | 'endAt' | 'status' | 'confidence'>> = {};
        if (change.startAt) patch.startAt = change.startAt;
        if (change.endAt) patch.endAt = change.endAt;
        if (change.status) patch.status = change.status;
        if (change.confidence !== null && change.confidence !== undefined) patch.confidence = change.confidence.toFixed(2);
        if (!((patch.startAt ?? slot.startAt) < (patch.endAt ?? slot.endAt))) throw invalidInput('endAt', 'must be after startAt');
        tx.assign(slot, patch);
        await tx.flush();
        await recordEdit(tx, caller, { action: 'UPDATE', entityType: 'availability_slot', entityId: slot.id, before, after: slotSnapshot(slot) });
        // The time it covered before and covers now: bookings in either may gain or lose their backing.
        return { modelId: slot.model.id, from: new Date(Math.min(Date.parse(before.start_at), slot.startAt.getTime())), to: new Date(Math.max(Date.parse(before.end_at), slot.endAt.getTime())) };
      });
      await mismatches.reconcileModels([span.modelId], span.from, span.to);
      return em.findOneOrFail(AvailabilitySlot, { id }, { refresh: true });
    },

    async createRule(caller: Caller, input: NewRule): Promise<AvailabilityRule> {
      assertPermission(caller.principal, 'availability.write');
      const body = ruleBodyOf(input.rule);
      if (input.scope === 'model' && !(input.modelId && isUuid(input.modelId) && (await em.findOne(Model, { id: input.modelId })))) throw invalidInput('modelId', 'a model rule needs an existing model');
      if (input.scope === 'location' && !(input.locationId && isUuid(input.locationId) && (await em.findOne(Location, { id: input.locationId })))) {
        throw invalidInput('locationId', 'a location rule needs an existing location');
      }
      if (input.scope !== 'model' && input.modelId) throw invalidInput('modelId', `a ${input.scope} rule names no model`);
      if (input.scope !== 'location' && input.locationId) throw invalidInput('locationId', `a ${input.scope} rule names no location`);
      const id = await em.transactional(async (tx) => {
        const rule = tx.create(AvailabilityRule, {
          name: input.name, scope: input.scope, model: input.scope === 'model' ? input.modelId : null, location: input.scope === 'location' ? input.locationId : null,
          rule: body as Record<string, unknown>, status: 'active',
        });
        await tx.flush();
        await recordEdit(tx, caller, { action: 'CREATE', entityType: 'availability_rule', entityId: rule.id, before: null, after: ruleSnapshot(rule) });
        return rule.id;
      });
      const created = await em.findOneOrFail(AvailabilityRule, { id }, { refresh: true });
      await reconcileRule(created);
      return created;
    },

    async updateRule(caller: Caller, id: string, change: RuleChange): Promise<AvailabilityRule> {
      assertPermission(caller.principal, 'availability.write');
      const body = change.rule ? ruleBodyOf(change.rule) : undefined;
      if (change.status && !(RULE_STATUSES as readonly string[]).includes(change.status)) throw invalidInput('status', `one of ${RULE_STATUSES.join(', ')}`);
      await em.transactional(async (tx) => {
        const rule = isUuid(id) ? await tx.findOne(AvailabilityRule, { id }) : null;
        if (!rule) throw notFound('availability rule', id);
        const before = ruleSnapshot(rule);
        if (change.name) rule.name = change.name;
        if (body) rule.rule = body as Record<string, unknown>;
        if (change.status) rule.status = change.status;
        await tx.flush();
        await recordEdit(tx, caller, { action: 'UPDATE', entityType: 'availability_rule', entityId: rule.id, before, after: ruleSnapshot(rule) });
      });
      const updated = await em.findOneOrFail(AvailabilityRule, { id }, { refresh: true });
      await reconcileRule(updated);
      return updated;
    },

    /** Free / busy / tentative intervals for one model, or every active model of a location. */
    async availability(caller: Caller, query: AvailabilityQuery) {
      assertPermission(caller.principal, 'availability.read');
      if (!(query.from < query.to)) throw invalidInput('to', 'must be after from');
      if (query.to.getTime() - query.from.getTime() > MAX_AVAILABILITY_RANGE_DAYS * 86_400_000) throw invalidInput('to', `at most ${MAX_AVAILABILITY_RANGE_DAYS} days after from`);
      if (!query.modelId === !query.locationId) throw invalidInput('modelId', 'give either modelId or locationId');
      if (query.modelId) {
        // The model is read with her facts: none back means no such model.
        const found = isUuid(query.modelId) ? await availabilityOf(em, [{ id: query.modelId }], query.from, query.to) : [];
        if (!found.length) throw notFound('model', query.modelId);
        return found;
      }
      const locationId = query.locationId as string;
      if (!isUuid(locationId) || !(await em.findOne(Location, { id: locationId }))) throw notFound('location', locationId);
      return availabilityOf(em, await modelsOfLocation(em, locationId), query.from, query.to);
    },

    async resolveMismatch(caller: Caller, id: string, note: string | undefined): Promise<AvailabilityMismatch> {
      assertPermission(caller.principal, 'availability.write');
      await em.transactional(async (tx) => {
        const mismatch = isUuid(id) ? await tx.findOne(AvailabilityMismatch, { id }) : null;
        if (!mismatch) throw notFound('availability mismatch', id);
        if (mismatch.resolvedAt) throw conflict(`This mismatch was already resolved at ${mismatch.resolvedAt.toISOString()}.`, { resolvedAt: mismatch.resolvedAt.toISOString() });
        mismatch.resolvedAt = new Date();
        await tx.flush();
        await recordEdit(tx, caller, {
          action: 'UPDATE', entityType: 'availability_mismatch', entityId: mismatch.id, before: { resolved_at: null },
          after: { resolved_at: mismatch.resolvedAt.toISOString() }, metadata: note ? { reason: note } : undefined,
        });
      });
      const resolved = await em.findOneOrFail(AvailabilityMismatch, { id }, { refresh: true });
      await mismatches.closeExceptionOf(resolved.exceptionId ?? null, resolved.id, note ?? 'the mismatch was resolved');
      return resolved;
    },
  };
}
