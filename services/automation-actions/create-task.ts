/** create_task: a task about the event's entity (or its booking / inquiry), SLA from policy, through the task's workflow. */
import { z } from 'zod';
import { parseAssignee } from '../../domain/automation-rules.ts';
import { PRIORITIES } from '../../domain/inquiry.ts';
import { checkAssignee, pickAssignee } from '../operator-assignment.ts';
import { checkReach, requireSubject } from './subjects.ts';
import { SUBJECTS, type ActionModule } from './types.ts';

const params = z.object({
  type: z.string().trim().min(1).max(100).regex(/^[a-z][a-z0-9_]*$/, 'a task type such as review_inquiry'),
  subject: z.string().trim().min(1).max(500).optional(),
  priority: z.enum(PRIORITIES).default('normal'),
  /** A user id, next_available, least_loaded, or a role / team (finance_team). */
  assigned_to: z.string().trim().min(1).max(100).optional(),
  about: z.enum(SUBJECTS).default('event'),
}).strict();

export const createTask: ActionModule<z.infer<typeof params>> = {
  type: 'create_task',
  params,
  async check(p, { em, trigger, field }) {
    checkReach(trigger, p.about, `${field}.about`);
    if (p.assigned_to) await checkAssignee(em, parseAssignee(p.assigned_to), `${field}.assigned_to`);
  },
  describe: (p) => `create a ${p.priority} ${p.type} task about the ${p.about === 'event' ? "event's entity" : p.about}${p.assigned_to ? `, assigned to ${p.assigned_to}` : ''}`,
  async run(p, context) {
    const about = requireSubject(context, p.about);
    const assigneeId = p.assigned_to ? await context.decide('assignee', () => pickAssignee(context.em, parseAssignee(p.assigned_to as string))) : null;
    const task = await context.services.workItems.createTask(context.caller, {
      type: p.type, priority: p.priority, entityType: about.type, entityId: about.id, assigneeId,
      subject: p.subject ?? `${p.type.replaceAll('_', ' ')} (${context.ruleName})`,
      details: { rule: context.ruleName, event_id: context.event.id, event_type: context.event.type },
    });
    return { outcome: 'done', detail: `task ${task.ref} (${p.type})${assigneeId ? ` assigned to ${assigneeId}` : ' unassigned'}`, data: { taskId: task.id, ref: task.ref, assigneeId } };
  },
};
