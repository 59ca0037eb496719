/**
 * The automation engine on the real servers: events committed by the platform reach rules
 * through the outbox dispatcher, each (rule, event) runs once as a Temporal workflow whose
 * actions go through the application layer; the shipped rules work end to end; rules are
 * validated and versioned when saved.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hashPassword } from '../db/seed/demo-data.ts';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { withCatalogue } from '../domain/automation-catalogue-text.ts';
import { eventSpec } from '../domain/automation-events.ts';
import { createDispatcher } from '../services/automation-dispatch.ts';
import { AUTO_PAUSE_WINDOW, MAX_CHAIN_DEPTH, executionWorkflowId } from '../domain/automation-rules.ts';
import { scheduleIdOf } from '../workflows/automation/messages.ts';
import { emitPaymentEvent } from './support/automation.ts';
import { openOrm } from '../db/orm.ts';
import { startTestPlatform, testEnv, type TestPlatform } from './support/platform.ts';
import { eventually, until } from './support/wait.ts';
import { bookingInput } from './operations/bookings.ts';
import { freshModel } from './support/models.ts';
import { startTestMailCatcher, type TestMailCatcher } from './support/mail-catcher.ts';
import { startTelegramStandIn, startWebhookReceiver, type StandIn } from './support/stand-ins.ts';
import { UNCONFIGURED_MESSAGING } from './support/platform.ts';
import { createAutomationEngine } from '../services/automation-engine.ts';
import { verifyWebhookSignature } from '../services/outgoing-webhooks.ts';
import { messageWorkflowId, webhookWorkflowId } from '../workflows/delivery/messages.ts';
import { ROLE_CODES, ROLES } from '../domain/access.ts';
import { openSocket, untilSubscribed, type Received, type TestSocket } from './support/ws.ts';

let platform: TestPlatform;
let mail: TestMailCatcher;
let telegram: StandIn;
let receiver: StandIn;
const HOUR = 3_600_000;
const TELEGRAM_TOKEN = '777000:automation-test';
const OPS_CHAT = '-1009876543210';
const SIGNING_SECRET = 'automation-test-signing-secret-0123456789';

interface Execution { id: string; status: string; skip_reason: string | null; rule_version: number | null; result: { actions?: Record<string, { outcome: string; detail: string; code?: string }> } | null; failed_action: number | null; error: string | null; depth: number; attempt: number }

async function executionsOf(ruleId: string, eventId?: string): Promise<Execution[]> {
  return platform.sql<Execution>(
    `SELECT id, status, skip_reason, rule_version, result, failed_action, error, depth, attempt FROM automation_executions WHERE rule_id = ? ${eventId ? 'AND event_id = ?' : ''} ORDER BY started_at`,
    eventId ? [ruleId, eventId] : [ruleId]);
}

/** The execution of a rule for an event once it has finished. */
async function finished(ruleId: string, eventId: string, timeoutMs = 20_000): Promise<Execution> {
  const rows = await eventually(() => executionsOf(ruleId, eventId), (r) => r.length > 0 && ['done', 'failed', 'skipped'].includes(r[0]!.status), timeoutMs);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

async function ruleId(name: string): Promise<string> {
  const [row] = await platform.sql<{ id: string }>('SELECT id FROM automation_rules WHERE name = ?', [name]);
  return row!.id;
}

async function eventOf(entityId: string, type: string): Promise<string> {
  const rows = await eventually(() => platform.sql<{ id: string }>('SELECT id FROM domain_events WHERE entity_id = ? AND event_type = ?', [entityId, type]), (r) => r.length > 0);
  return rows[0]!.id;
}

const CREATE_RULE = 'mutation ($input: CreateAutomationRuleInput!) { createAutomationRule(input: $input) { id version status } }';

async function createRule(input: Record<string, unknown>): Promise<string> {
  const created = await platform.gql<{ createAutomationRule: { id: string } }>(CREATE_RULE, { input: { status: 'active', ...input } });
  if (!created.data) throw new Error(JSON.stringify(created.errors));
  return created.data.createAutomationRule.id;
}

async function createInquiry(fields: string): Promise<string> {
  const created = await platform.gql<{ createInquiry: { inquiry: { id: string } } }>(`mutation { createInquiry(input: { ${fields} }) { inquiry { id } } }`);
  if (!created.data) throw new Error(JSON.stringify(created.errors));
  return created.data.createInquiry.inquiry.id;
}

/** A booking in that status, of a model of its own (two held bookings of one model may not overlap). */
async function bookingIn(status: 'pending' | 'deposit_required'): Promise<string> {
  const model = await freshModel(platform);
  const created = await platform.gql<{ createBooking: { booking: { id: string } } }>(
    'mutation ($input: CreateBookingInput!) { createBooking(input: $input) { booking { id } } }',
    { input: { ...(await bookingInput(platform, 72)), modelId: model.id, depositRequired: '100.00' } });
  const id = created.data!.createBooking.booking.id;
  for (const to of status === 'pending' ? ['pending'] : ['pending', 'deposit_required']) {
    const moved = await platform.gql(`mutation ($id: ID!) { changeStatus(input: { entity: { type: booking, id: $id }, to: "${to}" }) { to } }`, { id });
    if (moved.errors) throw new Error(JSON.stringify(moved.errors));
  }
  return id;
}

const statusOf = async (table: string, id: string) => (await platform.sql<{ status: string }>(`SELECT status FROM ${table} WHERE id = ?`, [id]))[0]?.status;

beforeAll(async () => {
  // Events of earlier suites in this shared database are not this suite's to act on.
  const orm = await openOrm(testEnv().databaseUrl);
  await orm.em.getConnection().execute('UPDATE domain_events SET published_at = now() WHERE published_at IS NULL');
  await orm.close();
  mail = await startTestMailCatcher();
  [telegram, receiver] = await Promise.all([startTelegramStandIn(TELEGRAM_TOKEN), startWebhookReceiver()]);
  platform = await startTestPlatform({
    automation: true,
    messaging: {
      ...UNCONFIGURED_MESSAGING,
      smtp: { host: '127.0.0.1', port: mail.smtpPort, secure: false, user: undefined, password: undefined, from: 'Virel Ops <ops@virel.local>' },
      telegram: { apiUrl: telegram.url, botToken: TELEGRAM_TOKEN },
      webhooks: { signingSecret: SIGNING_SECRET, timeoutMs: 2000 },
      ops: { telegram: OPS_CHAT },
    },
  });
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await Promise.all([mail?.stop(), telegram?.stop(), receiver?.stop()]);
});

/** A delivery workflow's outcome (message or webhook), once it has settled. */
const delivered = (workflowId: string) => platform.temporal.workflow.getHandle(workflowId).result() as Promise<{ status: string }>;

describe('the shipped rules', () => {
  test('rule 1: a web inquiry is qualified and its review task goes to the next available operator on shift; a temp-mail one is left alone', async () => {
    // An operator of this test on shift: the demo operators may be at their cap of open work in a full run.
    const owl = (await platform.sql<{ id: string }>(`INSERT INTO users (email, name, password_hash) VALUES (?, 'Night shift', ?) RETURNING id`, [`night-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@virel.local`, await hashPassword(randomUUID())]))[0]!.id;
    await platform.sql(`INSERT INTO user_roles (user_id, role_id) SELECT ?, id FROM roles WHERE code = 'OPERATOR'`, [owl]);
    const shift = await platform.gql<{ addOperatorShift: { id: string } }>('mutation ($input: OperatorShiftInput!) { addOperatorShift(input: $input) { id } }',
      { input: { userId: owl, startsAt: new Date(Date.now() - HOUR).toISOString(), endsAt: new Date(Date.now() + 8 * HOUR).toISOString() } }, await platform.as('OPS_MANAGER'));
    expect(shift.errors).toBeUndefined();
    const rule = await ruleId('Auto-qualify web inquiries from valid email domains');

    const inquiry = await createInquiry('source: web, clientName: "Night owl", clientEmail: "owl@example.com"');
    const execution = await finished(rule, await eventOf(inquiry, 'inquiry.created'));
    expect({ ...execution, result: undefined }).toMatchObject({ status: 'done', error: null, rule_version: 1, depth: 0 });
    expect(Object.values(execution.result!.actions!).map((a) => a.outcome)).toEqual(['done', 'done']);
    expect(await statusOf('inquiries', inquiry)).toBe('qualified');
    const tasks = await platform.sql<{ type: string; assigned_to: string | null; sla_deadline_at: Date | null }>('SELECT type, assigned_to, sla_deadline_at FROM tasks WHERE entity_id = ?', [inquiry]);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.type).toBe('review_inquiry');
    // The next available operator: an active operator on shift now, under their cap (ours, unless another suite's is next in the rotation).
    const [assignee] = await platform.sql<{ operator: boolean; on_shift: boolean }>(`SELECT
        EXISTS (SELECT 1 FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id AND r.code = 'OPERATOR') AS operator,
        EXISTS (SELECT 1 FROM operator_shifts s WHERE s.user_id = u.id AND s.starts_at <= now() AND s.ends_at > now()) AS on_shift
      FROM users u WHERE u.id = ? AND u.status = 'active'`, [tasks[0]!.assigned_to]);
    expect(assignee).toEqual({ operator: true, on_shift: true });
    // The SLA came from policy (30 minutes for review_inquiry).
    expect(tasks[0]!.sla_deadline_at).not.toBeNull();
    // The status change was made by the platform through the inquiry's workflow, keyed by (execution, action).
    const [audit] = await platform.sql<{ actor_type: string; transition_id: string }>(`SELECT actor_type, transition_id FROM audit_log WHERE entity_id = ? AND action = 'STATUS_CHANGE'`, [inquiry]);
    expect(audit).toEqual({ actor_type: 'system', transition_id: `system:automation:${execution.id}:0` });

    const temp = await createInquiry('source: web, clientName: "Throwaway", clientEmail: "x@tempmail.net"');
    const skipped = await finished(rule, await eventOf(temp, 'inquiry.created'));
    expect(skipped).toMatchObject({ status: 'skipped', skip_reason: 'conditions_not_met' });
    expect(await statusOf('inquiries', temp)).toBe('new');
    // A phone inquiry does not pass the trigger filter: no execution at all.
    const phone = await createInquiry('source: phone, clientName: "Caller"');
    await eventOf(phone, 'inquiry.created');
    await until(async () => (await platform.sql(`SELECT 1 FROM domain_events WHERE entity_id = ? AND published_at IS NOT NULL`, [phone])).length > 0, 'the phone inquiry event dispatched');
    expect(await platform.sql('SELECT 1 FROM automation_executions WHERE entity_id = ?', [phone])).toEqual([]);

    // Findable in Temporal by rule and event.
    const description = await platform.temporal.workflow.getHandle(executionWorkflowId(rule, (await eventOf(inquiry, 'inquiry.created')))).describe();
    expect(description.searchAttributes).toMatchObject({ VirelRuleId: [rule], VirelStatus: ['done'] });
  });

  test('rule 4: a failed deposit opens an exception, gives finance a retry task and sends the booking back to deposit_required', async () => {
    const booking = await bookingIn('pending');
    const { eventId } = await emitPaymentEvent(platform.orm, 'failed', { bookingId: booking });
    const execution = await finished(await ruleId('Escalate failed payments'), eventId);
    expect(execution.status).toBe('done');
    expect(await statusOf('bookings', booking)).toBe('deposit_required');
    const [exception] = await platform.sql<{ type: string; severity: string; entity_type: string }>('SELECT type, severity, entity_type FROM exceptions WHERE entity_id = ?', [booking]);
    expect(exception).toEqual({ type: 'payment_failed', severity: 'high', entity_type: 'booking' });
    const [task] = await platform.sql<{ type: string; role: string }>(
      `SELECT t.type, r.code AS role FROM tasks t JOIN user_roles ur ON ur.user_id = t.assigned_to JOIN roles r ON r.id = ur.role_id WHERE t.entity_id = ?`, [booking]);
    expect(task).toEqual({ type: 'retry_payment', role: 'FINANCE' });
  });

  test('rule 3: 30 min before a confirmed booking whose client has not confirmed arrival, a no-show exception and a Telegram alert to the ops chat', async () => {
    const rule = await ruleId('Detect no-show risk 30min before booking');
    // Real timers on the real server: bookings that start 30 min and a few seconds from now, so their approaching timer fires in seconds.
    const confirmedSoon = async () => {
      const model = await freshModel(platform);
      const start = Date.now() + 30 * 60_000 + 8_000;
      const created = await platform.gql<{ createBooking: { booking: { id: string; ref: string } } }>(
        'mutation ($input: CreateBookingInput!) { createBooking(input: $input) { booking { id ref } } }',
        { input: { ...(await bookingInput(platform)), modelId: model.id, startAt: new Date(start).toISOString(), endAt: new Date(start + 2 * HOUR).toISOString() } });
      const { id, ref } = created.data!.createBooking.booking;
      for (const to of ['pending', 'confirmed']) {
        const moved = await platform.gql(`mutation ($id: ID!) { changeStatus(input: { entity: { type: booking, id: $id }, to: "${to}" }) { to } }`, { id });
        if (moved.errors) throw new Error(JSON.stringify(moved.errors));
      }
      return { id, ref };
    };
    const before = telegram.requests.length;
    const risky = await confirmedSoon();
    const arriving = await confirmedSoon();
    // The client of the second one confirmed arrival: an operator records it (through the booking's workflow).
    const confirmed = await platform.gql('mutation ($id: ID!) { confirmClientArrival(id: $id, note: "texted back") { booking { clientConfirmedArrival } } }', { id: arriving.id }, await platform.as('OPERATOR:lukas'));
    expect(confirmed).toEqual({ data: { confirmClientArrival: { booking: { clientConfirmedArrival: true } } } });

    const execution = await finished(rule, await eventOf(risky.id, 'booking.approaching'), 60_000);
    expect(execution).toMatchObject({ status: 'done', error: null });
    expect(Object.values(execution.result!.actions!).map((a) => a.outcome)).toEqual(['done', 'done']);
    const exceptions = await platform.sql<{ type: string; severity: string }>('SELECT type, severity FROM exceptions WHERE entity_id = ?', [risky.id]);
    expect(exceptions).toEqual([{ type: 'no_show_risk', severity: 'high' }]);
    const message = (execution.result!.actions!['1'] as unknown as { data: { messageId: string } }).data.messageId;
    expect(await delivered(messageWorkflowId(message))).toEqual({ status: 'sent' });
    const alerts = telegram.requests.slice(before).filter((r) => (r.json as { text: string }).text.includes(risky.ref));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ path: `/bot${TELEGRAM_TOKEN}/sendMessage`, json: { chat_id: OPS_CHAT } });
    expect((alerts[0]!.json as { text: string }).text).toMatch(new RegExp(`No-show risk: booking ${risky.ref} starts at \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC`));

    expect(await finished(rule, await eventOf(arriving.id, 'booking.approaching'), 60_000)).toMatchObject({ status: 'skipped', skip_reason: 'conditions_not_met' });
    expect(await platform.sql('SELECT 1 FROM exceptions WHERE entity_id = ?', [arriving.id])).toEqual([]);
    expect(telegram.requests.slice(before).filter((r) => (r.json as { text: string }).text.includes(arriving.ref))).toEqual([]);
  }, 120_000);

  test('confirm booking when deposit paid: payment.succeeded confirms a booking waiting for its deposit; a refund-type payment does nothing', async () => {
    const rule = await ruleId('Confirm booking when deposit paid');
    const booking = await bookingIn('deposit_required');
    const { eventId } = await emitPaymentEvent(platform.orm, 'succeeded', { bookingId: booking });
    expect((await finished(rule, eventId)).status).toBe('done');
    expect(await statusOf('bookings', booking)).toBe('confirmed');
    expect((await platform.sql<{ type: string }>('SELECT type FROM tasks WHERE entity_id = ?', [booking])).map((t) => t.type)).toEqual(['notify_model']);

    const other = await bookingIn('deposit_required');
    const full = await emitPaymentEvent(platform.orm, 'succeeded', { bookingId: other, paymentType: 'full' });
    expect(await finished(rule, full.eventId)).toMatchObject({ status: 'skipped', skip_reason: 'conditions_not_met' });
    expect(await statusOf('bookings', other)).toBe('deposit_required');
  });
});

describe('exactly once per (rule, event)', () => {
  test('an event dispatched again (a dispatcher crash before its commit) runs nothing twice', async () => {
    const rule = await createRule({
      name: 'Note on partner inquiries', trigger: 'inquiry.created', triggerFilters: '{"source":"partner"}', conditions: [],
      actions: [{ type: 'create_task', params: '{"type":"follow_up"}' }, { type: 'add_note', params: '{"text":"partner lead"}' }],
    });
    const inquiry = await createInquiry('source: partner, externalRef: "dup-1", clientName: "Partner lead"');
    const eventId = await eventOf(inquiry, 'inquiry.created');
    expect((await finished(rule, eventId)).status).toBe('done');
    // As if the dispatcher had started the workflows but died before stamping the event.
    await platform.sql('UPDATE domain_events SET published_at = NULL WHERE id = ?', [eventId]);
    const dispatcher = createDispatcher({ orm: platform.orm, temporal: platform.temporal });
    await until(async () => (await platform.sql('SELECT 1 FROM domain_events WHERE id = ? AND published_at IS NOT NULL', [eventId])).length > 0 || (await dispatcher.dispatchBatch()).events > 0, 'the event re-dispatched');
    expect(await executionsOf(rule, eventId)).toHaveLength(1);
    expect(await platform.sql('SELECT 1 FROM tasks WHERE entity_id = ?', [inquiry])).toHaveLength(1);
    expect(await platform.sql(`SELECT 1 FROM audit_log WHERE entity_id = ? AND action = 'NOTE'`, [inquiry])).toHaveLength(1);
  });
});

describe('actions', () => {
  test('a transition the state machine refuses is a failed action with its message; nothing is forced', async () => {
    const rule = await createRule({
      name: 'Impossible conversion', trigger: 'inquiry.note_added', conditions: [{ field: 'event.note', operator: 'contains', value: '"convert me"' }],
      actions: [{ type: 'update_status', params: '{"entity_type":"inquiry","new_status":"converted"}' }],
    });
    const inquiry = await createInquiry('source: phone, clientName: "Refused"');
    await platform.gql('mutation ($id: ID!) { addNote(input: { entity: { type: inquiry, id: $id }, text: "please convert me" }) { entityId } }', { id: inquiry });
    const execution = await finished(rule, await eventOf(inquiry, 'inquiry.note_added'));
    expect(execution).toMatchObject({ status: 'failed', failed_action: 0 });
    expect(execution.result!.actions!['0']).toMatchObject({ outcome: 'failed', code: 'INVALID_TRANSITION' });
    expect(execution.error).toMatch(/new/);
    expect(await statusOf('inquiries', inquiry)).toBe('new');
  });
});

describe('messaging actions', () => {
  test('send_message by email to the inquiry\'s client and by Telegram to the ops chat, and call_webhook signed; a retried action sends nothing twice', async () => {
    const rule = await createRule({
      name: 'Acknowledge and report', trigger: 'inquiry.note_added', conditions: [{ field: 'event.note', operator: 'contains', value: '"message me"' }],
      actions: [
        { type: 'send_message', params: '{"channel":"email","template":"deposit_reminder","variables":{"deposit_amount":"event.ref"}}' },
        { type: 'send_message', params: '{"channel":"telegram","template":"no_show_alert","to":"ops","variables":{"booking_ref":"entity.ref","start_at":"entity.created_at"}}' },
        { type: 'call_webhook', params: `{"url":"${receiver.url}/virel","event":"inquiry.acknowledged","payload":{"source":"virel-ops"}}` },
      ],
    });
    const email = `mila.${Date.now()}@example.com`;
    const inquiry = await createInquiry(`source: phone, clientName: "Mila <Moon>", clientEmail: "${email}"`);
    const [{ ref }] = await platform.sql<{ ref: string }>('SELECT ref FROM inquiries WHERE id = ?', [inquiry]) as [{ ref: string }];
    await platform.gql('mutation ($id: ID!) { addNote(input: { entity: { type: inquiry, id: $id }, text: "please message me" }) { entityId } }', { id: inquiry });
    const execution = await finished(rule, await eventOf(inquiry, 'inquiry.note_added'));
    expect(execution).toMatchObject({ status: 'done', error: null });
    const actions = execution.result!.actions as unknown as Record<string, { outcome: string; data: { messageId?: string; webhookId?: string } }>;
    expect(Object.values(actions).map((a) => a.outcome)).toEqual(['done', 'done', 'done']);

    // Email: to the address the inquiry came with (no client linked yet), rendered from the rows as they are.
    expect(await delivered(messageWorkflowId(actions['0']!.data.messageId!))).toEqual({ status: 'sent' });
    const mails = (await mail.messages()).filter((m) => m.to.some((t) => t.address === email));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe(`Your request ${ref}: deposit due`);
    expect(mails[0]!.text).toContain('Hello Mila <Moon>,');
    expect(mails[0]!.html).toContain('Hello Mila &lt;Moon&gt;,');
    // Telegram: the ops chat, the mapped variables.
    expect(await delivered(messageWorkflowId(actions['1']!.data.messageId!))).toEqual({ status: 'sent' });
    const alert = telegram.requests.find((r) => (r.json as { text: string }).text.includes(`booking ${ref} starts`));
    expect(alert).toMatchObject({ json: { chat_id: OPS_CHAT } });
    // Webhook: signed, verifiable, carrying the rule's fixed fields and the event.
    expect(await delivered(webhookWorkflowId(actions['2']!.data.webhookId!))).toEqual({ status: 'sent' });
    const hooks = receiver.requests.filter((r) => r.path === '/virel' && r.body.includes(inquiry));
    expect(hooks).toHaveLength(1);
    expect(verifyWebhookSignature(SIGNING_SECRET, { signature: hooks[0]!.headers['x-virel-signature'] as string, timestamp: hooks[0]!.headers['x-virel-timestamp'] as string }, hooks[0]!.body)).toBe(true);
    expect(hooks[0]!.headers['x-virel-event']).toBe('inquiry.acknowledged');
    expect(hooks[0]!.json).toMatchObject({ event: 'inquiry.acknowledged', data: { source: 'virel-ops', rule: 'Acknowledge and report', event: { type: 'inquiry.note_added', entity_id: inquiry } } });
    // An Integrations Admin sees the rule's webhook in the `webhook` integration's log: the request, the answer, how long it took.
    const [webhookIntegration] = await platform.sql<{ id: string }>(`SELECT id FROM integrations WHERE code = 'webhook'`);
    const logs = await platform.gql<{ integrationLogs: { edges: Array<{ node: { integrationCode: string; kind: string; outcome: string; summary: string; detail: string } }> } }>(
      'query ($id: ID!) { integrationLogs(integrationId: $id, kind: webhook_out, first: 100) { edges { node { integrationCode kind outcome summary detail } } } }',
      { id: webhookIntegration!.id }, await platform.as('INTEGRATIONS_ADMIN'));
    expect(logs.errors).toBeUndefined();
    const logged = logs.data!.integrationLogs.edges.map((e) => e.node).filter((n) => (JSON.parse(n.detail) as { webhookId: string }).webhookId === actions['2']!.data.webhookId);
    expect(logged).toEqual([expect.objectContaining({ integrationCode: 'webhook', kind: 'webhook_out', outcome: 'ok', summary: expect.stringContaining('answered 200') })]);
    expect(JSON.parse(logged[0]!.detail)).toMatchObject({
      event: 'inquiry.acknowledged', request: { method: 'POST', url: `${receiver.url}/virel` }, attempt: 1, responseStatus: 200, durationMs: expect.any(Number), error: null,
    });
    // The ids derive from (execution, action): the message and webhook rows carry them as their keys.
    const keys = await platform.sql<{ idempotency_key: string }>('SELECT idempotency_key FROM messages WHERE id IN (?, ?) ORDER BY idempotency_key', [actions['0']!.data.messageId, actions['1']!.data.messageId]);
    expect(keys.map((k) => k.idempotency_key)).toEqual([`automation:${execution.id}:0`, `automation:${execution.id}:1`]);

    // A retried activity (the worker died after sending, before Temporal heard of it) runs the action again: same message, same webhook, nothing new.
    const engine = createAutomationEngine({ em: platform.orm.em.fork(), temporal: platform.temporal, sessions: { revokeUser: async () => 0 } }, { opsAddresses: { telegram: OPS_CHAT } });
    const [definition] = await platform.sql<{ actions: Array<{ type: 'send_message' | 'call_webhook'; params: Record<string, unknown> }> }>('SELECT actions FROM automation_rules WHERE id = ?', [rule]);
    for (const index of [0, 1, 2]) {
      const again = await engine.runAction({ executionId: execution.id, index, action: definition!.actions[index]!, testing: false, ruleName: 'Acknowledge and report' });
      expect(again).toMatchObject({ outcome: 'done', data: actions[String(index)]!.data });
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect((await mail.messages()).filter((m) => m.to.some((t) => t.address === email))).toHaveLength(1);
    expect(telegram.requests.filter((r) => (r.json as { text: string }).text.includes(`booking ${ref} starts`))).toHaveLength(1);
    expect(receiver.requests.filter((r) => r.path === '/virel' && r.body.includes(inquiry))).toHaveLength(1);
  });

  test('a message the rows cannot address is a failed action naming why; nothing is sent', async () => {
    const rule = await createRule({
      name: 'Telegram the client', trigger: 'inquiry.note_added', conditions: [{ field: 'event.note', operator: 'contains', value: '"telegram them"' }],
      actions: [{ type: 'send_message', params: '{"channel":"telegram","template":"no_show_alert","variables":{"booking_ref":"entity.ref","start_at":"entity.created_at"}}' }],
    });
    const inquiry = await createInquiry('source: phone, clientName: "No chat", clientEmail: "nochat@example.com"');
    await platform.gql('mutation ($id: ID!) { addNote(input: { entity: { type: inquiry, id: $id }, text: "telegram them" }) { entityId } }', { id: inquiry });
    const execution = await finished(rule, await eventOf(inquiry, 'inquiry.note_added'));
    expect(execution).toMatchObject({ status: 'failed', failed_action: 0 });
    expect(execution.result!.actions!['0']).toMatchObject({ outcome: 'failed', code: 'VALIDATION' });
    expect(execution.error).toMatch(/no Telegram chat/);
    expect(await platform.sql('SELECT 1 FROM messages WHERE subject_id = ?', [inquiry])).toEqual([]);
  });
});

describe('rules as data', () => {
  const badName = `Bad ${randomUUID().slice(0, 8)}`;
  const invalid = async (input: Record<string, unknown>) => (await platform.gql(CREATE_RULE, { input: { name: badName, actions: [{ type: 'add_note', params: '{"text":"x"}' }], trigger: 'inquiry.created', ...input } })).errors?.[0]?.extensions;

  test('unknown event, field, operator or action, bad params and an impossible transition are VALIDATION naming the part; nothing saved', async () => {
    // Counted by the name every refused rule here carries (other files store rules meanwhile).
    const count = async () => (await platform.sql<{ n: string }>('SELECT count(*) AS n FROM automation_rules WHERE name = ?', [badName]))[0]!.n;
    const before = await count();
    expect(before).toBe('0');
    expect(await invalid({ trigger: 'inquiry.teleported' })).toMatchObject({ code: 'VALIDATION', field: 'trigger' });
    expect(await invalid({ triggerFilters: '{"colour":"red"}' })).toMatchObject({ code: 'VALIDATION', field: 'triggerFilters.colour' });
    expect(await invalid({ conditions: [{ field: 'event.colour', operator: 'equals', value: '"red"' }] })).toMatchObject({ code: 'VALIDATION', field: 'conditions.0.field' });
    expect(await invalid({ conditions: [{ field: 'entity.colour', operator: 'equals', value: '"red"' }] })).toMatchObject({ code: 'VALIDATION', field: 'conditions.0.field' });
    expect(await invalid({ conditionTree: '{"any":[{"field":"event.source","operator":"resembles","value":"web"}]}' })).toMatchObject({ code: 'VALIDATION', field: 'conditions.any.0.operator' });
    expect(await invalid({ conditions: [{ field: 'event.source', operator: 'in', value: '"web"' }] })).toMatchObject({ code: 'VALIDATION', field: 'conditions.0.value' });
    expect(await invalid({ actions: [{ type: 'send_message', params: '{"channel":"email","template":"no_such_template"}' }] })).toMatchObject({ code: 'VALIDATION', field: 'actions.0.params.template' });
    expect(await invalid({ actions: [{ type: 'send_message', params: '{"channel":"fax","template":"deposit_reminder"}' }] })).toMatchObject({ code: 'VALIDATION', field: 'actions.0.params.channel' });
    // A cron tick concerns no booking: no_show_alert's booking_ref has no source, and a mapping must name a field the tick has.
    const tick = { trigger: 'schedule.tick', schedule: '0 9 * * *' };
    expect(await invalid({ ...tick, actions: [{ type: 'send_message', params: '{"channel":"telegram","template":"no_show_alert","to":"ops"}' }] })).toMatchObject({ code: 'VALIDATION', field: 'actions.0.params.variables.booking_ref' });
    expect(await invalid({ ...tick, actions: [{ type: 'send_message', params: '{"channel":"telegram","template":"no_show_alert","to":"ops","variables":{"booking_ref":"event.colour","start_at":"event.scheduled_at"}}' }] }))
      .toMatchObject({ code: 'VALIDATION', field: 'actions.0.params.variables.booking_ref' });
    expect(await invalid({ ...tick, actions: [{ type: 'send_message', params: '{"channel":"email","template":"deposit_reminder"}' }] })).toMatchObject({ code: 'VALIDATION', field: 'actions.0.params.to' });
    expect(await invalid({ actions: [{ type: 'send_message', params: '{"channel":"email","template":"deposit_reminder","to":"not-an-address"}' }] })).toMatchObject({ code: 'VALIDATION', field: 'actions.0.params.to' });
    expect(await invalid({ actions: [{ type: 'call_webhook', params: '{"url":"ftp://example.com/x"}' }] })).toMatchObject({ code: 'VALIDATION', field: 'actions.0.params.url' });
    expect(await invalid({ actions: [{ type: 'create_task', params: '{"typo":"x"}' }] })).toMatchObject({ code: 'VALIDATION', field: 'actions.0.params.type' });
    expect(await invalid({ actions: [{ type: 'create_task', params: '{"type":"x","assigned_to":"astronaut_team"}' }] })).toMatchObject({ code: 'VALIDATION', field: 'actions.0.params.assigned_to' });
    expect(await invalid({ actions: [{ type: 'update_status', params: '{"entity_type":"inquiry","new_status":"converted"}' }] })).toMatchObject({ code: 'VALIDATION', field: 'actions.0.params.new_status' });
    expect(await invalid({ actions: [{ type: 'update_status', params: '{"entity_type":"booking","new_status":"draft"}' }] })).toMatchObject({ code: 'VALIDATION', field: 'actions.0.params.new_status' });
    expect(await invalid({ actions: [{ type: 'schedule_followup', params: '{"delay_minutes":5,"action":{"type":"update_status","params":{"entity_type":"inquiry","new_status":"flying"}}}' }] }))
      .toMatchObject({ code: 'VALIDATION', field: 'actions.0.params.action.params.new_status' });
    expect(await count()).toBe(before);
  });

  test('every save is a version; an earlier one can be restored; operators may not manage rules', async () => {
    const id = await createRule({ name: 'Versioned', trigger: 'inquiry.created', triggerFilters: '{"source":"telegram"}', conditions: [], actions: [{ type: 'add_note', params: '{"text":"v1"}' }] });
    await platform.gql('mutation ($id: ID!) { updateAutomationRule(id: $id, input: { actions: [{ type: add_note, params: "{\\"text\\":\\"v2\\"}" }] }) { version } }', { id });
    const edited = await platform.gql<{ disableAutomationRule: { version: number } }>('mutation ($id: ID!) { disableAutomationRule(id: $id) { version } }', { id });
    expect(edited.data?.disableAutomationRule.version).toBe(3);
    const restored = await platform.gql<{ restoreAutomationRuleVersion: { version: number; status: string; actions: Array<{ params: string }>; versions: Array<{ version: number; change: string }> } }>(
      'mutation ($id: ID!) { restoreAutomationRuleVersion(id: $id, version: 1) { version status actions { params } versions { version change } } }', { id }, await platform.as('OPS_MANAGER'));
    expect(restored.data?.restoreAutomationRuleVersion).toMatchObject({ version: 4, status: 'active', actions: [{ params: '{"text":"v1"}' }] });
    expect(restored.data?.restoreAutomationRuleVersion.versions.map((v) => [v.version, v.change])).toEqual([[4, 'restored version 1'], [3, 'disabled'], [2, 'edited'], [1, 'created']]);
    expect((await platform.gql('mutation ($id: ID!) { disableAutomationRule(id: $id) { version } }', { id }, await platform.as('OPERATOR'))).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
  });

  test('the event catalogue is served; the backlog drains', async () => {
    const catalogue = await platform.gql<{ automationEventCatalogue: Array<{ name: string; fields: Array<{ name: string }> }> }>('{ automationEventCatalogue { name fields { name } } }', undefined, await platform.as('OPS_MANAGER'));
    const failed = catalogue.data!.automationEventCatalogue.find((e) => e.name === 'payment.failed');
    expect(failed?.fields.map((f) => f.name)).toEqual(['bookingId', 'inquiryId', 'paymentId', 'amount', 'currency', 'providerRef']);
    // The backlog is the whole outbox, which other files' events also fill: the API and the metric
    // are read together until both show it drained.
    const read = async () => ({
      backlog: await platform.gql<{ automationBacklog: { pending: number; oldestAgeSeconds: number } }>('{ automationBacklog { pending oldestAgeSeconds runningExecutions } }'),
      metrics: await (await fetch(`${platform.url}/metrics`)).text(),
    });
    const drained = /^virel_automation_outbox_pending\{[^}]*\} 0$/m;
    const { backlog, metrics } = await eventually(read, (r) => r.backlog.data?.automationBacklog.pending === 0 && drained.test(r.metrics), 20_000);
    expect(backlog.data?.automationBacklog).toMatchObject({ pending: 0, oldestAgeSeconds: 0 });
    expect(metrics).toMatch(drained);
    expect(metrics).toMatch(/^virel_automation_executions_24h\{rule="Escalate failed payments",status="done"[^}]*\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^virel_automation_actions_24h\{type="update_status",outcome="done"[^}]*\} \d+$/m);
    expect(metrics).toMatch(/^virel_transitions_24h\{entity="booking",to="deposit_required"[^}]*\} \d+$/m);
  });
});

describe('guards', () => {
  const note = (inquiry: string, text: string) => platform.gql('mutation ($id: ID!, $t: String!) { addNote(input: { entity: { type: inquiry, id: $id }, text: $t }) { entityId } }', { id: inquiry, t: text });
  const settled = (rule: string, n: number, timeoutMs = 30_000) =>
    eventually(() => executionsOf(rule), (rows) => rows.length >= n && rows.every((r) => ['done', 'failed', 'skipped'].includes(r.status)), timeoutMs);

  test('max_per_hour holds under concurrent events: the rest are skipped as rate limited', async () => {
    const rule = await createRule({
      name: 'Rate limited', trigger: 'inquiry.created', triggerFilters: '{"source":"phone","priority":"critical"}', conditions: [],
      actions: [{ type: 'add_note', params: '{"text":"seen"}' }], limits: { maxPerHour: 2 },
    });
    await Promise.all([1, 2, 3, 4, 5].map((i) => createInquiry(`source: phone, priority: critical, clientName: "Burst ${i}"`)));
    const rows = await settled(rule, 5);
    expect(rows.map((r) => r.status).sort()).toEqual(['done', 'done', 'skipped', 'skipped', 'skipped']);
    expect(rows.filter((r) => r.status === 'skipped').every((r) => r.skip_reason === 'rate_limited')).toBe(true);
  });

  test('a chain of rules triggering each other stops at the depth bound', async () => {
    const rule = await createRule({
      name: 'Self-feeding', trigger: 'task.created', triggerFilters: '{"type":"loop_probe"}', conditions: [],
      actions: [{ type: 'create_task', params: '{"type":"loop_probe","subject":"again"}' }],
    });
    const inquiry = await createInquiry('source: phone, clientName: "Loop subject"');
    const created = await platform.gql('mutation ($id: ID!) { createTask(input: { type: "loop_probe", subject: "start", entityType: "inquiry", entityId: $id }) { task { id } } }', { id: inquiry });
    expect(created.errors).toBeUndefined();
    const rows = await settled(rule, MAX_CHAIN_DEPTH + 2);
    expect(rows.map((r) => [r.depth, r.status, r.skip_reason])).toEqual([
      ...Array.from({ length: MAX_CHAIN_DEPTH + 1 }, (_, depth) => [depth, 'done', null]), [MAX_CHAIN_DEPTH + 1, 'skipped', 'loop_depth'],
    ]);
    // The chain's tasks: the first about the inquiry, each next one about the task before it.
    expect(await platform.sql(`
      WITH RECURSIVE chain AS (
        SELECT id FROM tasks WHERE type = 'loop_probe' AND entity_id = ?
        UNION SELECT t.id FROM tasks t JOIN chain ON t.entity_id = chain.id WHERE t.type = 'loop_probe'
      ) SELECT id FROM chain`, [inquiry])).toHaveLength(MAX_CHAIN_DEPTH + 2);
    expect(await platform.sql(`SELECT 1 FROM automation_executions e JOIN tasks t ON t.details->>'event_id' = e.event_id::text AND t.type = 'loop_probe' WHERE e.rule_id = ?`, [rule])).toHaveLength(MAX_CHAIN_DEPTH + 1);
  });

  test('a rule in testing records what it would do and does nothing', async () => {
    const rule = await createRule({
      status: 'testing', name: 'Trial spam filter', trigger: 'inquiry.created', triggerFilters: '{"source":"whatsapp"}', conditions: [],
      actions: [{ type: 'update_status', params: '{"entity_type":"inquiry","new_status":"spam"}' }, { type: 'create_task', params: '{"type":"follow_up"}' }],
    });
    const inquiry = await createInquiry('source: whatsapp, clientName: "Maybe spam"');
    const execution = await finished(rule, await eventOf(inquiry, 'inquiry.created'));
    expect(execution.status).toBe('done');
    expect(Object.values(execution.result!.actions!).map((a) => [a.outcome, a.detail])).toEqual([
      ['would', 'move the inquiry to spam'], ['would', "create a normal follow_up task about the event's entity"],
    ]);
    expect(await statusOf('inquiries', inquiry)).toBe('new');
    expect(await platform.sql('SELECT 1 FROM tasks WHERE entity_id = ?', [inquiry])).toEqual([]);
  });

  test('a rule whose executions mostly fail is paused, with an exception for ops', async () => {
    const rule = await createRule({
      name: 'Always refused', trigger: 'inquiry.note_added', conditions: [{ field: 'event.note', operator: 'contains', value: '"autopause"' }],
      actions: [{ type: 'update_status', params: '{"entity_type":"inquiry","new_status":"converted"}' }],
    });
    const inquiry = await createInquiry('source: phone, clientName: "Pause subject"');
    for (let i = 0; i < AUTO_PAUSE_WINDOW; i++) await note(inquiry, `autopause ${i}`);
    const rows = await settled(rule, AUTO_PAUSE_WINDOW);
    expect(rows.every((r) => r.status === 'failed')).toBe(true);
    const [paused] = await eventually(() => platform.sql<{ status: string; paused_reason: string | null }>('SELECT status, paused_reason FROM automation_rules WHERE id = ?', [rule]), (r) => r[0]?.status === 'disabled');
    expect(paused!.paused_reason).toMatch(/^auto-paused/);
    expect(await eventually(() => platform.sql(`SELECT 1 FROM exceptions WHERE type = 'automation_rule_paused' AND entity_id = ?`, [rule]), (r) => r.length > 0)).toHaveLength(1);
    await note(inquiry, 'autopause after');
    await until(async () => (await platform.sql(`SELECT 1 FROM domain_events WHERE entity_id = ? AND event_type = 'inquiry.note_added' AND published_at IS NULL`, [inquiry])).length === 0, 'notes dispatched');
    expect(await executionsOf(rule)).toHaveLength(AUTO_PAUSE_WINDOW);
  });

  test('a failed execution is retried from its failed action only; executions filter and show their actions', async () => {
    const rule = await createRule({
      name: 'Retry me', trigger: 'inquiry.note_added', conditions: [{ field: 'event.note', operator: 'contains', value: '"retry-me"' }],
      actions: [{ type: 'create_task', params: '{"type":"follow_up"}' }, { type: 'update_status', params: '{"entity_type":"inquiry","new_status":"awaiting_client"}' }],
    });
    const inquiry = await createInquiry('source: phone, clientName: "Retry subject"');
    await note(inquiry, 'retry-me please');
    const failed = await finished(rule, await eventOf(inquiry, 'inquiry.note_added'));
    expect(failed).toMatchObject({ status: 'failed', failed_action: 1, attempt: 1 });
    const DETAIL = 'query ($r: ID, $s: String) { automationExecutions(ruleId: $r, status: $s) { edges { node { id status attempt failedAction actions { index outcome code } } } } }';
    type Detail = { automationExecutions: { edges: Array<{ node: { id: string; status: string; attempt: number; actions: Array<{ index: number; outcome: string; code: string | null }> } }> } };
    const listed = await platform.gql<Detail>(DETAIL, { r: rule, s: 'failed' }, await platform.as('OPS_MANAGER'));
    expect(listed.data!.automationExecutions.edges.map((e) => e.node.actions)).toEqual([[{ index: 0, outcome: 'done', code: null }, { index: 1, outcome: 'failed', code: 'INVALID_TRANSITION' }]]);
    // The cause is fixed by a person; the retry runs action 1 only.
    await platform.gql('mutation ($id: ID!) { changeStatus(input: { entity: { type: inquiry, id: $id }, to: "qualified" }) { to } }', { id: inquiry });
    const retried = await platform.gql<{ retryAutomationExecution: { attempt: number } }>('mutation ($id: ID!) { retryAutomationExecution(id: $id) { attempt } }', { id: failed.id });
    expect(retried.data?.retryAutomationExecution.attempt).toBe(2);
    const done = (await eventually(() => executionsOf(rule), (r) => r[0]?.status === 'done', 20_000))[0]!;
    expect(done).toMatchObject({ status: 'done', attempt: 2 });
    expect(await statusOf('inquiries', inquiry)).toBe('awaiting_client');
    expect(await platform.sql('SELECT 1 FROM tasks WHERE entity_id = ?', [inquiry])).toHaveLength(1);
    expect((await platform.gql('mutation ($id: ID!) { retryAutomationExecution(id: $id) { attempt } }', { id: failed.id })).errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
  });
});

describe('scheduled rules', () => {
  test('a cron rule runs on a Temporal Schedule that follows the rule: created, fired, updated, paused, deleted', async () => {
    const rule = await createRule({ name: 'Daily review', trigger: 'schedule.tick', schedule: '0 9 * * *', conditions: [], actions: [{ type: 'create_task', params: '{"type":"daily_review"}' }] });
    const handle = platform.temporal.schedule.getHandle(scheduleIdOf(rule));
    expect((await handle.describe()).spec.calendars).toHaveLength(1);
    expect((await handle.describe()).state.paused).toBe(false);
    // Fire it now instead of waiting for 09:00: the tick event goes through the outbox like any other.
    await handle.trigger();
    const [execution] = await eventually(() => executionsOf(rule), (rows) => rows[0]?.status === 'done', 30_000);
    expect(execution!.status).toBe('done');
    expect(await platform.sql(`SELECT 1 FROM tasks WHERE type = 'daily_review' AND entity_id = ?`, [rule])).toHaveLength(1);
    // No other scheduled rule runs on this rule's tick.
    expect(await platform.sql(`SELECT 1 FROM automation_executions WHERE event_type = 'schedule.tick' AND rule_id <> ? AND entity_id = ?`, [rule, rule])).toEqual([]);

    await platform.gql('mutation ($id: ID!) { updateAutomationRule(id: $id, input: { schedule: "30 18 * * 1-5" }) { version } }', { id: rule });
    expect(JSON.stringify((await handle.describe()).spec)).toContain('18');
    await platform.gql('mutation ($id: ID!) { disableAutomationRule(id: $id) { version } }', { id: rule });
    expect((await handle.describe()).state.paused).toBe(true);
    const moved = await platform.gql('mutation ($id: ID!) { updateAutomationRule(id: $id, input: { trigger: "inquiry.created", schedule: null, triggerFilters: "{\\"source\\":\\"telegram\\",\\"priority\\":\\"low\\"}" }) { version } }', { id: rule });
    expect(moved.errors).toBeUndefined();
    await expect(handle.describe()).rejects.toThrow();
  });
});

describe('automationExecutionUpdates (graphql-ws)', () => {
  const FIELDS = 'executionId status skipReason attempt ruleId ruleName ruleVersion testing eventId eventType entityType entityId depth failedAction error actions { index type outcome detail code } occurredAt';
  const SUBSCRIBE = `subscription ($ruleId: ID, $statuses: [String!]) { automationExecutionUpdates(ruleId: $ruleId, statuses: $statuses) { ${FIELDS} } }`;
  interface Update {
    executionId: string; status: string; skipReason: string | null; attempt: number; ruleId: string; ruleName: string; ruleVersion: number | null; testing: boolean;
    eventId: string; eventType: string | null; entityType: string | null; entityId: string | null; depth: number; failedAction: number | null; error: string | null;
    actions: Array<{ index: number; type: string; outcome: string; detail: string | null; code: string | null }>; occurredAt: string;
  }
  type Feed = { automationExecutionUpdates: Update };
  const sockets: TestSocket[] = [];
  const socketAs = async (role: string) => {
    const socket = openSocket(platform.url, `Bearer ${await platform.tokenOf(role)}`);
    sockets.push(socket);
    await socket.connected;
    return socket;
  };
  const updatesOf = (received: Array<Received<Feed>>) => received.map((r) => r.data?.automationExecutionUpdates).filter((u): u is Update => !!u);
  const addNote = async (inquiry: string, text: string) => {
    const added = await platform.gql('mutation ($id: ID!, $text: String!) { addNote(input: { entity: { type: inquiry, id: $id }, text: $text }) { entityId } }', { id: inquiry, text });
    expect(added.errors).toBeUndefined();
  };
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.dispose()));
    await until(async () => !/^virel_realtime_subscribers(?:\{[^}]*\})? [1-9]/m.test(await (await fetch(`${platform.url}/metrics`)).text()), 'subscriptions closed');
  });

  test('an ops manager hears each execution run and end (done; failed at its action; skipped with the reason) with rule, version, event and per-action results', async () => {
    const noting = await createRule({
      name: 'Subscribed noting', trigger: 'inquiry.note_added', conditions: [{ field: 'event.note', operator: 'contains', value: '"watch me"' }],
      actions: [{ type: 'add_note', params: '{"text":"seen by the rule"}' }],
    });
    const failing = await createRule({
      name: 'Subscribed failing', trigger: 'inquiry.note_added', conditions: [{ field: 'event.note', operator: 'contains', value: '"watch me"' }],
      actions: [{ type: 'create_task', params: '{"type":"follow_up"}' }, { type: 'update_status', params: '{"entity_type":"inquiry","new_status":"converted"}' }],
    });
    const manager = await socketAs('OPS_MANAGER');
    const all = manager.subscribe<Feed>(SUBSCRIBE);
    const onlyNoting = manager.subscribe<Feed>(SUBSCRIBE, { ruleId: noting, statuses: ['done', 'skipped'] });
    await untilSubscribed(platform.url, 2);

    const inquiry = await createInquiry('source: phone, clientName: "Watched"');
    await addNote(inquiry, 'please watch me');
    const about = (rule: string, status: string) => (r: Received<Feed>) => r.data?.automationExecutionUpdates.ruleId === rule && r.data.automationExecutionUpdates.status === status && r.data.automationExecutionUpdates.entityId === inquiry;

    const done = (await all.waitFor(about(noting, 'done'), 30_000)).data!.automationExecutionUpdates;
    const [noteEvent] = await platform.sql<{ id: string }>(`SELECT id FROM domain_events WHERE entity_id = ? AND event_type = 'inquiry.note_added' AND payload->>'note' = 'please watch me'`, [inquiry]);
    expect(done).toMatchObject({
      ruleName: 'Subscribed noting', ruleVersion: 1, testing: false, attempt: 1, depth: 0, eventId: noteEvent!.id, eventType: 'inquiry.note_added', entityType: 'inquiry',
      skipReason: null, failedAction: null, error: null, actions: [{ index: 0, type: 'add_note', outcome: 'done' }],
    });
    // It was announced running first, for the same execution and event.
    const running = updatesOf(all.received).find((u) => u.executionId === done.executionId && u.status === 'running');
    expect(running).toMatchObject({ ruleVersion: 1, eventId: noteEvent!.id });

    const failed = (await all.waitFor(about(failing, 'failed'), 30_000)).data!.automationExecutionUpdates;
    expect(failed).toMatchObject({ ruleName: 'Subscribed failing', failedAction: 1, eventId: noteEvent!.id, error: expect.stringMatching(/new/) });
    expect(failed.actions.map((a) => [a.type, a.outcome, a.code])).toEqual([['create_task', 'done', null], ['update_status', 'failed', 'INVALID_TRANSITION']]);

    // The rule's own note is an event too (depth 1): its conditions do not hold, so it is skipped, and says why.
    const skipped = (await all.waitFor(about(noting, 'skipped'), 30_000)).data!.automationExecutionUpdates;
    expect(skipped).toMatchObject({ skipReason: 'conditions_not_met', depth: 1, actions: [] });
    expect(skipped.eventId).not.toBe(noteEvent!.id);

    // The filtered feed got only its rule's done and skipped; every update arrived once.
    await onlyNoting.waitFor(about(noting, 'skipped'), 30_000);
    expect(updatesOf(onlyNoting.received).filter((u) => u.entityId === inquiry).map((u) => `${u.ruleName}:${u.status}`).sort())
      .toEqual(['Subscribed noting:done', 'Subscribed noting:skipped']);
    const keys = updatesOf(all.received).map((u) => `${u.executionId}:${u.status}:${u.attempt}`);
    expect(new Set(keys).size).toBe(keys.length);
  }, 90_000);

  test('each of the seven roles gets it exactly as automation.read allows: operators and the others without it are FORBIDDEN and hear nothing', async () => {
    const rule = await createRule({
      name: 'Subscribed by role', trigger: 'inquiry.note_added', conditions: [{ field: 'event.note', operator: 'contains', value: '"every role"' }],
      actions: [{ type: 'create_task', params: '{"type":"follow_up"}' }],
    });
    const feeds = await Promise.all(ROLE_CODES.map(async (role) => ({
      role, allowed: (ROLES[role].permissions as readonly string[]).includes('automation.read'), feed: (await socketAs(role)).subscribe<Feed>(SUBSCRIBE, { ruleId: rule }),
    })));
    expect(feeds.filter((f) => !f.allowed).map((f) => f.role)).toEqual(expect.arrayContaining(['OPERATOR']));
    expect(feeds.filter((f) => f.allowed).map((f) => f.role)).toEqual(expect.arrayContaining(['OWNER', 'OPS_MANAGER']));
    for (const { role, feed } of feeds.filter((f) => !f.allowed)) {
      const denied = await feed.waitFor((v) => !!v.errors);
      expect({ role, ...denied.errors?.[0]?.extensions }).toMatchObject({ role, code: 'FORBIDDEN', permission: 'automation.read' });
    }
    await untilSubscribed(platform.url, feeds.filter((f) => f.allowed).length);
    const inquiry = await createInquiry('source: phone, clientName: "Every role"');
    await addNote(inquiry, 'for every role');
    for (const { role, feed } of feeds.filter((f) => f.allowed)) {
      const got = await feed.waitFor((v) => v.data?.automationExecutionUpdates.status === 'done', 30_000);
      expect({ role, entityId: got.data?.automationExecutionUpdates.entityId }).toEqual({ role, entityId: inquiry });
    }
    for (const { role, feed } of feeds.filter((f) => !f.allowed)) expect({ role, data: updatesOf(feed.received) }).toEqual({ role, data: [] });
  }, 90_000);
});

describe('the event catalogue', () => {
  test('every event the platform wrote in this run is in the catalogue, with only its fields; README shows the current catalogue', async () => {
    const written = await platform.sql<{ event_type: string; keys: string[] }>(
      `SELECT event_type, array_agg(DISTINCT k) AS keys FROM domain_events, jsonb_object_keys(payload) AS k GROUP BY event_type`);
    const outside = written.flatMap(({ event_type, keys }) => {
      const spec = eventSpec(event_type);
      if (!spec) return [`${event_type} (not in the catalogue)`];
      return keys.filter((k) => !(k in spec.payload)).map((k) => `${event_type}.${k}`);
    });
    expect(outside).toEqual([]);
    expect(written.length).toBeGreaterThan(5);
    const readme = readFileSync(path.join(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(withCatalogue(readme)).toBe(readme);
  });
});
