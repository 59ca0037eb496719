/**
 * Demo inquiries, bookings, tasks and exceptions in several states. They are created and moved
 * through their workflows, exactly as operators would move them: no status is written directly.
 * Runs once, when demo data is enabled and no inquiry exists yet.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import * as commands from '../services/lifecycle-commands.ts';
import type { Actor } from '../workflows/lifecycle/messages.ts';
import { convertToBookingUpdate } from '../workflows/inquiry/messages.ts';

const system: Actor = { type: 'system' };
const HOUR = 3600_000;

interface References {
  clients: Array<{ id: string; full_name: string; email: string; phone: string }>;
  models: Array<{ id: string }>;
  locations: Array<{ id: string }>;
  operator: string;
  ops: string;
}

async function references(orm: MikroORM): Promise<References> {
  const sql = <T>(q: string) => orm.em.getConnection().execute<T[]>(q) as Promise<T[]>;
  const userId = async (email: string) => (await sql<{ id: string }>(`SELECT id FROM users WHERE email = '${email}'`))[0]?.id ?? '';
  return {
    clients: await sql('SELECT id, full_name, email, phone FROM clients ORDER BY created_at'),
    models: await sql('SELECT id FROM models ORDER BY created_at'),
    locations: await sql('SELECT id FROM locations ORDER BY slug'),
    operator: await userId('lukas@virel.local'),
    ops: await userId('ops@virel.local'),
  };
}

/** Tomorrow (or later) at the given hour, so demo bookings are in the future. */
function at(daysAhead: number, hour: number): Date {
  const date = new Date(Date.now() + daysAhead * 24 * HOUR);
  date.setUTCHours(hour, 0, 0, 0);
  return date;
}

export async function seedDemoLifecycles(client: Client, orm: MikroORM): Promise<number> {
  const [{ n }] = (await orm.em.getConnection().execute('SELECT count(*)::int AS n FROM inquiries')) as [{ n: number }];
  if (n > 0) return 0;
  const refs = await references(orm);
  const [james, emily, michael] = refs.clients;
  if (!james || !emily || !michael || refs.models.length < 2 || refs.locations.length < 2) return 0;
  let created = 0;

  // Inquiries, one per state of the funnel.
  const inquiry = async (source: 'web' | 'telegram' | 'whatsapp' | 'phone' | 'partner', externalRef: string, who: { full_name: string; email: string; phone: string }, subject: string, path: Array<[string, Record<string, unknown>?]>) => {
    const started = await commands.startInquiry(client, {
      id: randomUUID(), source, externalRef, priority: 'normal', subject, clientName: who.full_name, clientEmail: who.email, clientPhone: who.phone,
    }, { actor: system, requestId: `demo:${externalRef}` });
    for (const [to, data] of path) await commands.transition(started.handle, to, { actor: system, data, transitionId: `demo:${externalRef}:${to}` });
    created++;
    return started;
  };
  await inquiry('telegram', 'demo-tg-1001', james, 'Dinner companion on Friday evening', []);
  await inquiry('telegram', 'demo-tg-1002', emily, 'Charity gala next month', [['qualified']]);
  await inquiry('whatsapp', 'demo-wa-1003', michael, 'Business function in Canary Wharf', [['qualified'], ['awaiting_client']]);
  await inquiry('phone', 'demo-ph-1004', james, 'Weekend travel companion', [['qualified'], ['awaiting_client'], ['awaiting_deposit', { depositAmount: '150.00' }]]);
  await inquiry('partner', 'demo-pa-1005', emily, 'Partner referral, no reply after follow-up', [['qualified'], ['lost', { closedReason: 'No reply after two follow-ups' }]]);
  // The demo's inquiries arrive by channels other than the web form: a web inquiry is the shipped
  // rule 1's to qualify at once, which would race the demo's own moves and leave no inquiry in new.
  await inquiry('phone', 'demo-ph-1006', { full_name: 'Unknown', email: 'offers@spam.example', phone: '' }, 'Promotional message', [['spam', { closedReason: 'Unsolicited promotion' }]]);

  // A converted inquiry: its booking is created by its lifecycle.
  const converted = await inquiry('partner', 'demo-pa-1007', michael, 'Dinner at a Mayfair restaurant', [['qualified'], ['awaiting_client'], ['awaiting_deposit', { depositAmount: '100.00' }]]);
  await converted.handle.executeUpdate(convertToBookingUpdate, {
    updateId: 'demo:convert:1007',
    args: [{
      transitionId: 'demo:convert:1007', actor: system,
      booking: { modelId: refs.models[0]!.id, locationId: refs.locations[0]!.id, startAt: at(3, 19).toISOString(), endAt: at(3, 22).toISOString(), priceTotal: '650.00', depositRequired: '100.00' },
    }],
  });

  // Bookings in several states.
  const booking = async (key: string, who: { id: string }, model: number, day: number, hour: number, price: string, path: Array<[string, Record<string, unknown>?]>, assignee?: string) => {
    const id = randomUUID();
    const started = await commands.startBooking(client, {
      id, clientId: who.id, modelId: refs.models[model % refs.models.length]!.id, locationId: refs.locations[model % refs.locations.length]!.id,
      startAt: at(day, hour).toISOString(), endAt: at(day, hour + 2).toISOString(), priceTotal: price, assigneeId: assignee,
    }, { actor: system, requestId: `demo:${key}` });
    for (const [to, data] of path) await commands.transition(started.handle, to, { actor: system, data, transitionId: `demo:${key}:${to}` });
    created++;
    return { id, ...started };
  };
  await booking('booking-draft', emily, 0, 5, 20, '550.00', []);
  const pending = await booking('booking-pending', james, 1, 2, 19, '600.00', [['pending']], refs.operator);
  const depositDue = await booking('booking-deposit', michael, 2, 4, 18, '700.00', [['pending'], ['deposit_required', { depositRequired: '150.00' }]]);
  const confirmed = await booking('booking-confirmed', james, 0, 1, 19, '650.00', [['pending'], ['confirmed']], refs.operator);
  await booking('booking-cancelled', emily, 1, 6, 21, '500.00', [['pending'], ['cancelled']]);

  // Work items for the Action Center.
  const task = async (type: string, subject: string, entityId: string, priority: 'normal' | 'high', assigneeId?: string) => {
    await commands.startTask(client, { id: randomUUID(), type, subject, priority, entityType: 'booking', entityId, assigneeId }, { actor: system, requestId: `demo:task:${type}:${entityId}` });
    created++;
  };
  await task('confirm_booking', `Confirm booking ${pending.created.ref}`, pending.id, 'high', refs.operator);
  await task('request_deposit', `Request the deposit for ${depositDue.created.ref}`, depositDue.id, 'normal');
  await task('follow_up', `Check arrival details for ${confirmed.created.ref}`, confirmed.id, 'normal', refs.operator);
  await commands.startException(client, {
    id: randomUUID(), type: 'payment_failed', severity: 'high', entityType: 'booking', entityId: depositDue.id,
    summary: `Deposit payment failed for ${depositDue.created.ref} (card declined)`, details: { provider: 'stripe', code: 'card_declined' },
  }, { actor: system, requestId: 'demo:exception:payment_failed' });
  created++;
  return created;
}
