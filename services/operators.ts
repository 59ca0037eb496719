/**
 * Operators' shifts and caps: the data assign_operator's next_available reads
 * (services/operator-assignment.ts). Managed by whoever manages operators (escalations.manage:
 * ops managers, owners); each change audited in its transaction.
 */
import { OperatorCapacity, OperatorShift, User } from '../db/entities/index.ts';
import { assertPermission } from '../domain/access.ts';
import { invalidInput, notFound } from '../domain/errors.ts';
import { recordEdit } from './change-records.ts';
import type { Caller, ServiceDeps } from './context.ts';
import { isUuid } from './rows.ts';

/** A shift longer than this is a mistake (a week typed as a year), not a shift. */
const MAX_SHIFT_HOURS = 24;

export function createOperatorService(deps: ServiceDeps) {
  const { em } = deps;

  async function activeUser(id: string, field: string): Promise<User> {
    const user = isUuid(id) ? await em.findOne(User, { id, status: 'active' }) : null;
    if (!user) throw invalidInput(field, 'no active user with this id');
    return user;
  }

  return {
    async shifts(caller: Caller, filter: { userId?: string | undefined; from?: Date | undefined }): Promise<OperatorShift[]> {
      assertPermission(caller.principal, 'users.read');
      if (filter.userId !== undefined && !isUuid(filter.userId)) throw invalidInput('userId', 'must be an id');
      return em.find(OperatorShift, { endsAt: { $gt: filter.from ?? new Date() }, ...(filter.userId ? { user: filter.userId } : {}) }, { orderBy: { startsAt: 'asc', id: 'asc' }, limit: 500 });
    },

    async capacities(caller: Caller): Promise<OperatorCapacity[]> {
      assertPermission(caller.principal, 'users.read');
      return em.find(OperatorCapacity, {}, { orderBy: { user: 'asc' } });
    },

    async addShift(caller: Caller, input: { userId: string; startsAt: Date; endsAt: Date }): Promise<OperatorShift> {
      assertPermission(caller.principal, 'escalations.manage');
      const user = await activeUser(input.userId, 'userId');
      if (!(input.endsAt > input.startsAt)) throw invalidInput('endsAt', 'must be after startsAt');
      if (input.endsAt.getTime() - input.startsAt.getTime() > MAX_SHIFT_HOURS * 3_600_000) throw invalidInput('endsAt', `a shift lasts at most ${MAX_SHIFT_HOURS} hours`);
      const id = await em.transactional(async (tx) => {
        const shift = tx.create(OperatorShift, { user, startsAt: input.startsAt, endsAt: input.endsAt });
        await tx.flush();
        await recordEdit(tx, caller, { action: 'CREATE', entityType: 'operator_shift', entityId: shift.id, before: null, after: { user_id: user.id, starts_at: input.startsAt, ends_at: input.endsAt } });
        return shift.id;
      });
      return em.findOneOrFail(OperatorShift, { id }, { refresh: true });
    },

    async removeShift(caller: Caller, id: string): Promise<boolean> {
      assertPermission(caller.principal, 'escalations.manage');
      await em.transactional(async (tx) => {
        const shift = isUuid(id) ? await tx.findOne(OperatorShift, { id }) : null;
        if (!shift) throw notFound('operator shift', id);
        await recordEdit(tx, caller, { action: 'DELETE', entityType: 'operator_shift', entityId: id, before: { user_id: (shift.user as { id: string }).id, starts_at: shift.startsAt, ends_at: shift.endsAt }, after: null });
        tx.remove(shift);
        await tx.flush();
      });
      return true;
    },

    async setCapacity(caller: Caller, userId: string, maxOpenItems: number): Promise<OperatorCapacity> {
      assertPermission(caller.principal, 'escalations.manage');
      if (!Number.isInteger(maxOpenItems) || maxOpenItems < 0 || maxOpenItems > 1000) throw invalidInput('maxOpenItems', '0 to 1000 open items');
      const user = await activeUser(userId, 'userId');
      await em.transactional(async (tx) => {
        const existing = await tx.findOne(OperatorCapacity, { user: user.id });
        const before = existing ? { max_open_items: existing.maxOpenItems } : null;
        if (existing) existing.maxOpenItems = maxOpenItems;
        else tx.create(OperatorCapacity, { user, maxOpenItems });
        await tx.flush();
        await recordEdit(tx, caller, { action: 'UPDATE', entityType: 'operator_capacity', entityId: user.id, before, after: { max_open_items: maxOpenItems } });
      });
      return em.findOneOrFail(OperatorCapacity, { user: user.id }, { refresh: true });
    },
  };
}
