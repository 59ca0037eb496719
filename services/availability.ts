/**
 * Availability commands (seed §6.5): slots are edited here and a mismatch is resolved by
 * stamping resolved_at, each with its audit entry in the same transaction. None of these is a
 * lifecycle entity. Calendar sync and automation will record slots through the same commands.
 */
import { AvailabilityMismatch, AvailabilitySlot, Model } from '../db/entities/index.ts';
import { assertPermission } from '../domain/access.ts';
import { conflict, invalidInput, notFound } from '../domain/errors.ts';
import { recordEdit } from './change-records.ts';
import type { Caller, ServiceDeps } from './context.ts';
import { isUuid } from './rows.ts';

export const SLOT_STATUSES = ['available', 'unavailable', 'tentative'] as const;
export type SlotStatus = (typeof SLOT_STATUSES)[number];

export interface NewSlot {
  readonly modelId: string;
  readonly startAt: Date;
  readonly endAt: Date;
  readonly status: SlotStatus;
  /** 0 to 1; a manual slot is certain (1) unless said otherwise. */
  readonly confidence?: number | null | undefined;
}

/** Absent (or null) fields stay as they are. */
export interface SlotChange {
  readonly startAt?: Date | null | undefined;
  readonly endAt?: Date | null | undefined;
  readonly status?: SlotStatus | null | undefined;
  readonly confidence?: number | null | undefined;
}

const slotSnapshot = (slot: AvailabilitySlot) => ({
  model_id: slot.model.id, start_at: slot.startAt.toISOString(), end_at: slot.endAt.toISOString(), status: slot.status, confidence: slot.confidence ?? null,
});

export function createAvailabilityService(deps: ServiceDeps) {
  const { em } = deps;
  return {
    async createSlot(caller: Caller, input: NewSlot): Promise<AvailabilitySlot> {
      assertPermission(caller.principal, 'availability.write');
      if (!(await em.findOne(Model, { id: input.modelId }))) throw invalidInput('modelId', 'no such model');
      const slot = await em.transactional(async (tx) => {
        const created = tx.create(AvailabilitySlot, {
          model: input.modelId, startAt: input.startAt, endAt: input.endAt, status: input.status, source: 'manual',
          confidence: input.confidence === null || input.confidence === undefined ? '1.00' : input.confidence.toFixed(2),
        });
        await tx.flush();
        await recordEdit(tx, caller, { action: 'CREATE', entityType: 'availability_slot', entityId: created.id, before: null, after: slotSnapshot(created) });
        return created;
      });
      return em.findOneOrFail(AvailabilitySlot, { id: slot.id }, { refresh: true });
    },

    async updateSlot(caller: Caller, id: string, change: SlotChange): Promise<AvailabilitySlot> {
      assertPermission(caller.principal, 'availability.write');
      await em.transactional(async (tx) => {
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
      });
      return em.findOneOrFail(AvailabilitySlot, { id }, { refresh: true });
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
      return em.findOneOrFail(AvailabilityMismatch, { id }, { refresh: true });
    },
  };
}
