/** Test shorthands over services/lifecycle-commands.ts (the same commands the API uses). */
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import * as commands from '../../services/lifecycle-commands.ts';
import type { BookingWorkflowInput, NewBooking } from '../../workflows/booking/messages.ts';
import type { InquiryWorkflowInput } from '../../workflows/inquiry/messages.ts';
import type { TransitionResult } from '../../workflows/lifecycle/messages.ts';
import type { NewTask } from '../../workflows/work-item/messages.ts';

const system = { type: 'system' } as const;

/** On the time-skipping test server (no update-with-start, see services/lifecycle-commands.ts). */
let plainStart = false;
export function usePlainStarts(plain: boolean): void {
  plainStart = plain;
}

export function startInquiry(client: Client, overrides: Partial<InquiryWorkflowInput['inquiry']> = {}, extra: Partial<Omit<InquiryWorkflowInput, 'inquiry'>> = {}) {
  const id = randomUUID();
  return commands.startInquiry(
    client,
    { id, source: 'web', priority: 'normal', clientName: 'Test Client', clientEmail: `client-${id.slice(0, 8)}@example.com`, ...overrides },
    { actor: system, ...extra },
    { plainStart },
  );
}

export async function demoReferences(orm: MikroORM) {
  const [row] = await orm.em.getConnection().execute<Array<{ client_id: string; model_id: string; location_id: string; ops_id: string; operator_id: string }>>(`
    SELECT (SELECT id FROM clients ORDER BY created_at LIMIT 1) AS client_id,
           (SELECT id FROM models ORDER BY created_at LIMIT 1) AS model_id,
           (SELECT id FROM locations ORDER BY slug LIMIT 1) AS location_id,
           (SELECT u.id FROM users u JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id WHERE r.code = 'OPS_MANAGER' LIMIT 1) AS ops_id,
           (SELECT id FROM users WHERE email = 'lukas@virel.local') AS operator_id`);
  if (!row) throw new Error('demo data missing');
  return row;
}

/** `now`: the clock the booking's timers run on (the time-skipping server's may be ahead of ours). */
export function bookingDraft(refs: { client_id: string; model_id: string; location_id: string }, startInMs: number, overrides: Partial<NewBooking> = {}, now = Date.now()): NewBooking {
  const start = now + startInMs;
  return {
    id: randomUUID(), clientId: refs.client_id, modelId: refs.model_id, locationId: refs.location_id,
    startAt: new Date(start).toISOString(), endAt: new Date(start + 2 * 3600_000).toISOString(), priceTotal: '550.00', ...overrides,
  };
}

export function startBooking(client: Client, booking: NewBooking, extra: Partial<Omit<BookingWorkflowInput, 'booking'>> = {}) {
  return commands.startBooking(client, booking, { actor: system, ...extra }, { plainStart });
}

export function startTask(client: Client, task: Partial<NewTask> & { entityId: string }) {
  const full: NewTask = { id: randomUUID(), type: 'confirm_booking', subject: 'Confirm the booking', priority: 'normal', entityType: 'booking', ...task };
  return commands.startTask(client, full, { actor: system }, { plainStart });
}

export function transition(handle: WorkflowHandle, to: string, options: { transitionId?: string; data?: Record<string, unknown>; reason?: string } = {}): Promise<TransitionResult> {
  return commands.transition(handle, to, { actor: system, ...options });
}
