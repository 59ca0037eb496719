/** assign_operator: assigns the event's entity (or its booking / inquiry) to a named user or by strategy, through its workflow. */
import { z } from 'zod';
import { parseAssignee } from '../../domain/automation-rules.ts';
import { invalidInput } from '../../domain/errors.ts';
import { LIFECYCLE_ENTITY_TYPES, type LifecycleEntityType } from '../../domain/lifecycles.ts';
import { checkAssignee, pickAssignee } from '../operator-assignment.ts';
import { checkReach, requireSubject } from './subjects.ts';
import type { ActionModule } from './types.ts';

const params = z.object({
  operator_id: z.uuid().optional(),
  /** next_available, least_loaded, or a role / team (finance_team). */
  strategy: z.string().trim().min(1).max(100).optional(),
  entity_type: z.enum(LIFECYCLE_ENTITY_TYPES).optional(),
}).strict().refine((p) => (p.operator_id === undefined) !== (p.strategy === undefined), 'give exactly one of operator_id and strategy');

export const assignOperator: ActionModule<z.infer<typeof params>> = {
  type: 'assign_operator',
  params,
  async check(p, { em, trigger, field }) {
    if (!p.entity_type && !(LIFECYCLE_ENTITY_TYPES as readonly string[]).includes(trigger.entityType)) {
      throw invalidInput(`${field}.entity_type`, `a ${trigger.entityType} has no assignee: name an entity_type (inquiry, booking, task, exception)`);
    }
    if (p.entity_type) checkReach(trigger, p.entity_type, `${field}.entity_type`);
    await checkAssignee(em, parseAssignee(p.operator_id ?? (p.strategy as string)), `${field}.${p.operator_id ? 'operator_id' : 'strategy'}`);
  },
  describe: (p) => `assign the ${p.entity_type ?? "event's entity"} to ${p.operator_id ?? p.strategy}`,
  async run(p, context) {
    const about = requireSubject(context, p.entity_type ?? 'event');
    const assigneeId = await context.decide('assignee', () => pickAssignee(context.em, parseAssignee(p.operator_id ?? (p.strategy as string))));
    if (!assigneeId) return { outcome: 'unchanged', detail: `nobody available for ${p.strategy}: left as it was` };
    await context.services.lifecycle.assign(context.caller, { type: about.type as LifecycleEntityType, id: about.id }, assigneeId, `automation: ${context.ruleName}`);
    return { outcome: 'done', detail: `${about.type} assigned to ${assigneeId}`, data: { entityId: about.id, assigneeId } };
  },
};
