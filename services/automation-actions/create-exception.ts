/** create_exception: an exception about the event's entity (or its booking / inquiry), SLA from policy, through its workflow. */
import { z } from 'zod';
import { parseAssignee } from '../../domain/automation-rules.ts';
import { checkAssignee, pickAssignee } from '../operator-assignment.ts';
import { checkReach, requireSubject } from './subjects.ts';
import { SUBJECTS, type ActionModule } from './types.ts';

const params = z.object({
  type: z.string().trim().min(1).max(100).regex(/^[a-z][a-z0-9_]*$/, 'an exception type such as payment_failed'),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  summary: z.string().trim().min(1).max(500).optional(),
  assigned_to: z.string().trim().min(1).max(100).optional(),
  about: z.enum(SUBJECTS).default('event'),
}).strict();

export const createException: ActionModule<z.infer<typeof params>> = {
  type: 'create_exception',
  params,
  async check(p, { em, trigger, field }) {
    checkReach(trigger, p.about, `${field}.about`);
    if (p.assigned_to) await checkAssignee(em, parseAssignee(p.assigned_to), `${field}.assigned_to`);
  },
  describe: (p) => `raise a ${p.severity} ${p.type} exception about the ${p.about === 'event' ? "event's entity" : p.about}`,
  async run(p, context) {
    const about = requireSubject(context, p.about);
    const assigneeId = p.assigned_to ? await context.decide('assignee', () => pickAssignee(context.em, parseAssignee(p.assigned_to as string))) : null;
    const exception = await context.services.workItems.createException(context.caller, {
      type: p.type, severity: p.severity, entityType: about.type, entityId: about.id, assigneeId,
      summary: p.summary ?? `${p.type.replaceAll('_', ' ')} (${context.ruleName})`,
      details: { rule: context.ruleName, event_id: context.event.id, event_type: context.event.type },
    });
    return { outcome: 'done', detail: `exception ${exception.ref} (${p.type}, ${p.severity})`, data: { exceptionId: exception.id, ref: exception.ref } };
  },
};
