/**
 * Automation survives SIGKILL: the worker process (which also runs the outbox dispatcher) is
 * killed while events are being dispatched and executed, and more events are committed while no
 * dispatcher is alive. After a new worker starts, every (rule, event) has run exactly once and
 * every action took effect exactly once: tasks and notes, and messages sent by email to a real
 * SMTP server (maildev) and by Telegram to a stand-in of its Bot API, each delivered once.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Client, Connection } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import { openOrm } from '../db/orm.ts';
import { SYSTEM } from '../domain/access.ts';
import { createAutomationService } from '../services/automation.ts';
import { emitPaymentEvent } from './support/automation.ts';
import { bookingDraft, demoReferences, startBooking } from './support/lifecycles.ts';
import { testEnv } from './support/platform.ts';
import { kill, platformProcesses } from './support/processes.ts';
import { deleteSchedules } from './support/schedules.ts';
import { eventually } from './support/wait.ts';
import { startTestMailCatcher, type TestMailCatcher } from './support/mail-catcher.ts';
import { startTelegramStandIn, type StandIn } from './support/stand-ins.ts';

let orm: MikroORM;
let connection: Connection;
let client: Client;
const processes = platformProcesses();

/** A worker process (with the outbox dispatcher); `extraEnv` configures its messaging channels. */
const startWorkerProcess = (extraEnv: Record<string, string> = {}) => processes.start('worker/main.ts', {
  ready: '"automation dispatcher running"', env: { AUTOMATION_SWEEP_MS: '200', ...extraEnv }, timeoutMs: 90_000,
});

const sql = <T>(query: string, params: unknown[] = []) => orm.em.getConnection().execute<T[]>(query, params);

beforeAll(async () => {
  orm = await openOrm(testEnv().databaseUrl);
  connection = await Connection.connect({ address: testEnv().temporalAddress });
  client = new Client({ connection });
  // Events of earlier suites in this shared database are not this suite's to act on.
  await sql('UPDATE domain_events SET published_at = now() WHERE published_at IS NULL');
});

let mail: TestMailCatcher | undefined;
let telegram: StandIn | undefined;

afterAll(async () => {
  try {
    await processes.killAll();
    // worker/main.ts created the Schedules (webhook sweep, reconciliation, calendar imports, mismatch sweep):
    // left behind they would fire in the files that run after this one.
    if (client) await deleteSchedules(client);
  } finally {
    await Promise.all([mail?.stop(), telegram?.stop()]);
    await connection?.close();
    await orm?.close();
  }
});

describe('automation under SIGKILL', () => {
  test('events committed before, during and after a worker kill each run once; every action takes effect once', async () => {
    const first = await startWorkerProcess();
    const rule = await createAutomationService({ em: orm.em.fork(), temporal: client, sessions: { revokeUser: () => Promise.resolve(0) } }).createRule({ principal: SYSTEM }, {
      name: 'Crash-proof refund review', status: 'active', trigger: 'payment.refunded', conditions: [],
      actions: [
        { type: 'create_task', params: { type: 'refund_review', about: 'booking' } },
        { type: 'add_note', params: { text: 'refund noted by automation', entity_type: 'booking' } },
      ],
    });
    const refs = await demoReferences(orm);
    const bookings = await Promise.all(Array.from({ length: 10 }, async (_, i) => {
      const draft = bookingDraft(refs, (200 + i) * 3_600_000);
      await startBooking(client, draft);
      return draft.id;
    }));

    // Five refunds while the worker runs, and the kill right behind them: dispatch and execution are interrupted mid-way.
    for (const bookingId of bookings.slice(0, 5)) await emitPaymentEvent(orm, 'refunded', { bookingId, paymentType: 'refund' });
    await eventually(() => sql<{ status: string }>('SELECT status FROM automation_executions WHERE rule_id = ?', [rule.id]), (rows) => rows.length > 0, 10_000);
    await kill(first);
    const atKill = await sql<{ status: string }>('SELECT status FROM automation_executions WHERE rule_id = ?', [rule.id]);

    // Five more committed while no dispatcher is alive: they wait in the outbox.
    const later = [];
    for (const bookingId of bookings.slice(5)) later.push((await emitPaymentEvent(orm, 'refunded', { bookingId, paymentType: 'refund' })).eventId);
    const waiting = await sql<{ n: string }>(`SELECT count(*) AS n FROM domain_events WHERE id IN (${later.map(() => '?').join(', ')}) AND published_at IS NULL`, later);
    expect(Number(waiting[0]!.n)).toBe(5);

    await startWorkerProcess();
    const executions = await eventually(
      () => sql<{ status: string; event_id: string }>('SELECT status, event_id FROM automation_executions WHERE rule_id = ?', [rule.id]),
      (rows) => rows.length === 10 && rows.every((r) => r.status === 'done'), 90_000);
    expect(executions.map((r) => r.status)).toEqual(Array(10).fill('done'));
    expect(new Set(executions.map((r) => r.event_id)).size).toBe(10);
    // The kill really interrupted work in flight (some executions had not finished).
    expect(atKill.length < 5 || atKill.some((r) => r.status !== 'done')).toBe(true);
    const effects = await sql<{ tasks: string; notes: string }>(
      `SELECT (SELECT count(*) FROM tasks t WHERE t.entity_id = b.id AND t.type = 'refund_review') AS tasks,
              (SELECT count(*) FROM audit_log a WHERE a.entity_id = b.id AND a.action = 'NOTE') AS notes
         FROM bookings b WHERE b.id IN (${bookings.map(() => '?').join(', ')})`, bookings);
    expect(effects.map((e) => [Number(e.tasks), Number(e.notes)])).toEqual(Array(10).fill([1, 1]));
  }, 300_000);

  test('executions that send messages (email to a real SMTP server, Telegram to its stand-in) survive a worker kill: each runs once, each message is delivered once', async () => {
    const TOKEN = '777001:crash-test';
    const OPS_CHAT = '-1005550001234';
    // Workers left from the test before poll the same queues without these channels: a delivery they picked up would fail.
    await Promise.all(processes.running().map(kill));
    mail = await startTestMailCatcher();
    telegram = await startTelegramStandIn(TOKEN);
    const messaging = { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(mail.smtpPort), TELEGRAM_API_URL: telegram.url, TELEGRAM_BOT_TOKEN: TOKEN };
    const first = await startWorkerProcess(messaging);
    // Its own amount, so only this test's refunds trigger it (the first test's rule acts on every refund, harmlessly).
    const amount = `${100 + Math.floor(Math.random() * 800)}.${String(Math.floor(Math.random() * 100)).padStart(2, '0')}`;
    const inbox = `crash.${randomUUID().slice(0, 8)}@example.com`;
    const rule = await createAutomationService({ em: orm.em.fork(), temporal: client, sessions: { revokeUser: () => Promise.resolve(0) } }).createRule({ principal: SYSTEM }, {
      name: `Crash-proof refund messages ${amount}`, status: 'active', trigger: 'payment.refunded', triggerFilters: { amount }, conditions: [],
      actions: [
        { type: 'send_message', params: { channel: 'email', template: 'deposit_reminder', to: inbox, about: 'booking', variables: { inquiry_ref: 'booking.ref', deposit_amount: 'event.amount' } } },
        { type: 'send_message', params: { channel: 'telegram', template: 'no_show_alert', to: OPS_CHAT, about: 'booking' } },
      ],
    });
    const refs = await demoReferences(orm);
    const bookings = await Promise.all(Array.from({ length: 8 }, async (_, i) => {
      const draft = bookingDraft(refs, (400 + i) * 3_600_000);
      await startBooking(client, draft);
      return draft.id;
    }));
    const bookingRefs = (await sql<{ ref: string }>(`SELECT ref FROM bookings WHERE id IN (${bookings.map(() => '?').join(', ')})`, bookings)).map((b) => b.ref);
    expect(bookingRefs).toHaveLength(8);
    const ruleMessages = () => sql<{ status: string; subject_id: string; channel: string; last_error: string | null }>(
      `SELECT m.status, m.subject_id, m.channel, m.last_error FROM messages m JOIN automation_executions x ON m.idempotency_key LIKE 'automation:' || x.id || ':%' WHERE x.rule_id = ?`, [rule.id]);

    // Five refunds while the worker runs; the kill as soon as the first message is stored: executions and deliveries are in flight.
    for (const bookingId of bookings.slice(0, 5)) await emitPaymentEvent(orm, 'refunded', { bookingId, paymentType: 'refund', amount });
    await eventually(ruleMessages, (rows) => rows.length > 0, 30_000);
    await kill(first);
    const executionsAtKill = await sql<{ status: string }>('SELECT status FROM automation_executions WHERE rule_id = ?', [rule.id]);
    const messagesAtKill = await ruleMessages();

    // Three more while no worker is alive.
    for (const bookingId of bookings.slice(5)) await emitPaymentEvent(orm, 'refunded', { bookingId, paymentType: 'refund', amount });

    await startWorkerProcess(messaging);
    const executions = await eventually(
      () => sql<{ status: string; event_id: string }>('SELECT status, event_id FROM automation_executions WHERE rule_id = ?', [rule.id]),
      (rows) => rows.length === 8 && rows.every((r) => r.status === 'done'), 120_000);
    expect(executions.map((r) => r.status)).toEqual(Array(8).fill('done'));
    expect(new Set(executions.map((r) => r.event_id)).size).toBe(8);
    // A delivery interrupted by the kill is retried after its activity's timeout: wait for every message to settle.
    const messages = await eventually(ruleMessages, (rows) => rows.length === 16 && rows.every((r) => r.status !== 'queued'), 180_000);
    // The kill really interrupted work in flight. (A kill exactly between the provider's acceptance
    // and the row's `sent` would resend on the retry: that window is at-least-once, README.)
    expect(executionsAtKill.length < 5 || executionsAtKill.some((r) => r.status !== 'done') || messagesAtKill.length < 10 || messagesAtKill.some((m) => m.status !== 'sent')).toBe(true);

    // The messages table: one email and one Telegram message per booking, each sent.
    expect(messages.map((m) => (m.status === 'sent' ? m.status : `${m.status}: ${m.last_error}`))).toEqual(Array(16).fill('sent'));
    const perBooking = bookings.map((id) => messages.filter((m) => m.subject_id === id).map((m) => m.channel).sort());
    expect(perBooking).toEqual(Array(8).fill(['email', 'telegram']));
    // What arrived: one email per booking in the real SMTP server, one Telegram message per booking at the stand-in.
    const mails = (await mail.messages()).filter((m) => m.to.some((t) => t.address === inbox));
    expect(bookingRefs.map((ref) => mails.filter((m) => m.subject === `Your request ${ref}: deposit due`).length)).toEqual(Array(8).fill(1));
    expect(mails).toHaveLength(8);
    const alerts = telegram.requests.filter((r) => (r.json as { chat_id?: string }).chat_id === OPS_CHAT);
    expect(bookingRefs.map((ref) => alerts.filter((r) => (r.json as { text: string }).text.includes(`booking ${ref} starts`)).length)).toEqual(Array(8).fill(1));
    expect(alerts).toHaveLength(8);
  }, 420_000);
});
