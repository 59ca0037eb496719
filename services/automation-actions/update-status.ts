/**
 * update_status: a status change through the entity's workflow Update, exactly as a person's
 * (services/lifecycle.ts changeStatus), with the transition id of (execution, action). A
 * transition the state machine refuses fails the action with the machine's message; the rule
 * never forces a status. Already in the target status: nothing to do.
 */
import { z } from 'zod';
import { LIFECYCLE_ENTITY_TYPES, LIFECYCLES, type LifecycleEntityType } from '../../domain/lifecycles.ts';
import { invalidInput } from '../../domain/errors.ts';
import { checkReach, requireSubject } from './subjects.ts';
import type { ActionModule } from './types.ts';

const params = z.object({
  entity_type: z.enum(LIFECYCLE_ENTITY_TYPES),
  new_status: z.string().trim().min(1).max(50),
  reason: z.string().trim().min(1).max(500).optional(),
  /** Data the transition needs (domain/guards.ts), e.g. { "depositRequired": "100.00" }. */
  data: z.record(z.string(), z.unknown()).optional(),
}).strict();

/** The statuses some status may move to (a target nothing leads to is impossible). */
function reachable(type: LifecycleEntityType): Set<string> {
  return new Set(Object.values(LIFECYCLES[type].transitions as Record<string, readonly string[]>).flat());
}

export const updateStatus: ActionModule<z.infer<typeof params>> = {
  type: 'update_status',
  params,
  async check(p, { trigger, field, filters }) {
    const lifecycle = LIFECYCLES[p.entity_type];
    if (!(lifecycle.statuses as readonly string[]).includes(p.new_status)) {
      throw invalidInput(`${field}.new_status`, `${p.new_status} is not a ${p.entity_type} status (${lifecycle.statuses.join(', ')})`);
    }
    if (!reachable(p.entity_type).has(p.new_status)) throw invalidInput(`${field}.new_status`, `no ${p.entity_type} can ever move to ${p.new_status}`);
    checkReach(trigger, p.entity_type, `${field}.entity_type`);
    // When the trigger fixes the entity's status (inquiry.created: new; a filter on new_status), the move must be allowed from it.
    if (trigger.entityType === p.entity_type) {
      const from = trigger.name.endsWith('.status_changed') && typeof filters.new_status === 'string' ? filters.new_status : trigger.entityStatus;
      const allowed = from ? (lifecycle.transitions as Record<string, readonly string[]>)[from] : undefined;
      if (from && allowed && from !== p.new_status && !allowed.includes(p.new_status)) {
        throw invalidInput(`${field}.new_status`, `after ${trigger.name} the ${p.entity_type} is ${from}, which can never move to ${p.new_status} (allowed: ${allowed.join(', ') || 'none'})`);
      }
    }
  },
  describe: (p) => `move the ${p.entity_type} to ${p.new_status}`,
  async run(p, context) {
    const about = requireSubject(context, p.entity_type);
    const current = context.facts[p.entity_type === 'booking' || p.entity_type === 'inquiry' ? p.entity_type : 'entity'];
    if (current?.status === p.new_status && (about.type === context.event.entityType ? about.id === context.event.entityId : true)) {
      return { outcome: 'unchanged', detail: `${p.entity_type} already ${p.new_status}` };
    }
    const result = await context.services.lifecycle.changeStatus(context.caller, { type: p.entity_type, id: about.id }, {
      to: p.new_status, reason: p.reason ?? `automation: ${context.ruleName}`, data: p.data,
    });
    return { outcome: 'done', detail: `${p.entity_type} ${result.from} → ${result.to}`, data: { entityId: about.id, from: result.from, to: result.to } };
  },
};
