/** add_note: a note on the event's entity (or its booking / inquiry) through its workflow. */
import { z } from 'zod';
import { invalidInput } from '../../domain/errors.ts';
import { LIFECYCLE_ENTITY_TYPES, type LifecycleEntityType } from '../../domain/lifecycles.ts';
import { checkReach, requireSubject } from './subjects.ts';
import type { ActionModule } from './types.ts';

const params = z.object({
  text: z.string().trim().min(1).max(5000),
  entity_type: z.enum(LIFECYCLE_ENTITY_TYPES).optional(),
}).strict();

export const addNote: ActionModule<z.infer<typeof params>> = {
  type: 'add_note',
  params,
  async check(p, { trigger, field }) {
    if (p.entity_type) checkReach(trigger, p.entity_type, `${field}.entity_type`);
    else if (!(LIFECYCLE_ENTITY_TYPES as readonly string[]).includes(trigger.entityType)) {
      throw invalidInput(`${field}.entity_type`, `a ${trigger.entityType} has no notes: name an entity_type (inquiry, booking, task, exception)`);
    }
  },
  describe: (p) => `add a note to the ${p.entity_type ?? "event's entity"}`,
  async run(p, context) {
    const about = requireSubject(context, p.entity_type ?? 'event');
    await context.services.lifecycle.addNote(context.caller, { type: about.type as LifecycleEntityType, id: about.id }, p.text);
    return { outcome: 'done', detail: `note added to ${about.type}`, data: { entityId: about.id } };
  },
};
