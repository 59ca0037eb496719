/**
 * Seed rule 2 end to end in workflow time: the shipped "deposit reminder" rule, the real worker
 * with its automation dispatcher on the official time-skipping test server, real PostgreSQL and
 * a real SMTP server with its inbox (maildev). An inquiry entering awaiting_deposit starts the
 * rule's execution, which waits 2 h on a durable timer (skipped, not slept) and then emails the
 * client; an inquiry that moves on first (lost, or converted once the deposit came) has its
 * reminder dropped at once, before the 2 h are up, and no email is sent.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { MikroORM } from '@mikro-orm/postgresql';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { openOrm } from '../db/orm.ts';
import { resolveTemporalTestServer } from '../launcher/temporal-binaries.ts';
import { createLogger } from '../platform/logger.ts';
import { startWorkers, type RunningWorkers } from '../worker/run.ts';
import { addSearchAttributesBlindly } from '../worker/search-attributes.ts';
import type { AutomationExecutionResult } from '../workflows/automation/messages.ts';
import { messageWorkflowId } from '../workflows/delivery/messages.ts';
import { convertToBookingUpdate } from '../workflows/inquiry/messages.ts';
import { bookingDraft, demoReferences, startInquiry, transition, usePlainStarts } from './support/lifecycles.ts';
import { startTestMailCatcher, type TestMailCatcher } from './support/mail-catcher.ts';
import { withFreshModel } from './support/models.ts';
import { sqlOf, testEnv, UNCONFIGURED_MESSAGING, type TestPlatform } from './support/platform.ts';
import { eventually } from './support/wait.ts';

const MINUTE = 60_000;
const RULE = 'Send deposit reminder if not paid in 2 hours';

let env: TestWorkflowEnvironment;
let workers: RunningWorkers;
let orm: MikroORM;
let mail: TestMailCatcher;
let refs: Awaited<ReturnType<typeof demoReferences>>;
let ruleId: string;

beforeAll(async () => {
  usePlainStarts(true);
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: await resolveTemporalTestServer() } } });
  const namespace = env.namespace ?? 'default';
  await addSearchAttributesBlindly(env.nativeConnection, namespace);
  orm = await openOrm(testEnv().databaseUrl);
  // Events of earlier suites in this shared database are not this suite's to act on.
  await orm.em.getConnection().execute('UPDATE domain_events SET published_at = now() WHERE published_at IS NULL');
  mail = await startTestMailCatcher();
  workers = await startWorkers({
    databaseUrl: testEnv().databaseUrl, temporalAddress: '', connection: env.nativeConnection, client: env.client, namespace, metricsAddress: undefined,
    registerSearchAttributes: false, logger: createLogger({ level: 'silent', service: 'test' }), automation: { dispatcher: true, sweepMs: 250 },
    messaging: { ...UNCONFIGURED_MESSAGING, smtp: { host: '127.0.0.1', port: mail.smtpPort, secure: false, user: undefined, password: undefined, from: 'Virel Ops <ops@virel.local>' } },
  });
  refs = await demoReferences(orm);
  ruleId = (await sql<{ id: string }>('SELECT id FROM automation_rules WHERE name = ?', [RULE]))[0]!.id;
}, 120_000);

afterAll(async () => {
  usePlainStarts(false);
  await workers?.shutdown();
  await env?.teardown();
  await orm?.close();
  await mail?.stop();
});

const sql: TestPlatform['sql'] = (query, params) => sqlOf(orm)(query, params);

interface ExecutionRow { id: string; status: string; workflow_id: string; result: { actions?: Record<string, { outcome: string; detail: string; data?: { messageId?: string } }> } | null }
const executionOf = async (inquiryId: string) =>
  (await sql<ExecutionRow>('SELECT id, status, workflow_id, result FROM automation_executions WHERE rule_id = ? AND entity_id = ?', [ruleId, inquiryId]))[0];

/** An inquiry (by phone: rule 1 acts on web ones) taken to awaiting_deposit, and the rule's execution once it waits on its timer. */
async function awaitingDeposit() {
  const email = `reminder.${randomUUID().slice(0, 8)}@example.com`;
  const started = await startInquiry(env.client, { source: 'phone', clientName: 'Ann Reminder', clientEmail: email });
  await transition(started.handle, 'qualified');
  await transition(started.handle, 'awaiting_client');
  await transition(started.handle, 'awaiting_deposit', { data: { depositAmount: '120.00' } });
  const waiting = await eventually(() => executionOf(started.created.entityId), (row) => row?.status === 'waiting', 30_000);
  return { ...started, email, execution: waiting! };
}

const mailsTo = async (email: string) => (await mail.messages()).filter((m) => m.to.some((t) => t.address === email));

/** How long the execution ran in workflow time. */
async function workflowDuration(workflowId: string): Promise<number> {
  // The execution row says done a moment before its workflow closes: wait for the close.
  const handle = env.client.workflow.getHandle(workflowId);
  await handle.result();
  const { startTime, closeTime } = await handle.describe();
  return closeTime!.getTime() - startTime.getTime();
}

describe('seed rule 2: the deposit reminder', () => {
  test('2 h after awaiting_deposit the client gets the deposit_reminder email, once', async () => {
    const { created, email, execution } = await awaitingDeposit();
    const [{ ref }] = await sql<{ ref: string }>('SELECT ref FROM inquiries WHERE id = ?', [created.entityId]) as [{ ref: string }];
    expect(await mailsTo(email)).toEqual([]);
    // Awaiting the result lets the test server skip the 2 h timer.
    const result = await env.client.workflow.getHandle(execution.workflow_id).result() as AutomationExecutionResult;
    expect(result).toMatchObject({ status: 'done', actions: [{ index: 0, type: 'send_message', outcome: 'done' }] });
    expect(await workflowDuration(execution.workflow_id)).toBeGreaterThanOrEqual(120 * MINUTE);
    const row = await executionOf(created.entityId);
    const messageId = row!.result!.actions!['0']!.data!.messageId!;
    expect(await env.client.workflow.getHandle(messageWorkflowId(messageId)).result()).toEqual({ status: 'sent' });

    const mails = await eventually(() => mailsTo(email), (m) => m.length > 0);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe(`Your request ${ref}: deposit due`);
    expect(mails[0]!.text).toContain('Hello Ann Reminder,');
    expect(mails[0]!.text).toContain('please pay the deposit of £120.00');
    const [message] = await sql<{ status: string; subject_type: string; subject_id: string; idempotency_key: string }>(
      'SELECT status, subject_type, subject_id, idempotency_key FROM messages WHERE id = ?', [messageId]);
    expect(message).toEqual({ status: 'sent', subject_type: 'inquiry', subject_id: created.entityId, idempotency_key: `automation:${row!.id}:0` });
  });

  test('the inquiry lost first: the reminder is dropped at once, before its 2 h, and nothing is sent', async () => {
    const { created, handle, email, execution } = await awaitingDeposit();
    await transition(handle, 'lost', { reason: 'client went quiet' });
    // Time stands still here (nothing awaits a result): only the dispatcher's signal can end the wait.
    const done = await eventually(() => executionOf(created.entityId), (row) => row?.status === 'done', 30_000);
    expect(done!.result!.actions!['0']).toMatchObject({ outcome: 'cancelled', detail: expect.stringContaining('awaiting_deposit → lost') });
    expect(await workflowDuration(execution.workflow_id)).toBeLessThan(120 * MINUTE);
    expect(await sql('SELECT 1 FROM messages WHERE subject_id = ?', [created.entityId])).toEqual([]);
    expect(await mailsTo(email)).toEqual([]);
  });

  test('the deposit paid first (the inquiry converted to its booking): no reminder', async () => {
    const { created, handle, email, execution } = await awaitingDeposit();
    const draft = bookingDraft(await withFreshModel(orm, refs), 5 * 24 * 3600_000, {}, await env.currentTimeMs());
    await handle.executeUpdate(convertToBookingUpdate, {
      args: [{ booking: { modelId: draft.modelId, locationId: draft.locationId, startAt: draft.startAt, endAt: draft.endAt, priceTotal: '500.00' }, transitionId: randomUUID(), actor: { type: 'system' } }],
    });
    const done = await eventually(() => executionOf(created.entityId), (row) => row?.status === 'done', 30_000);
    expect(done!.result!.actions!['0']).toMatchObject({ outcome: 'cancelled', detail: expect.stringContaining('awaiting_deposit → converted') });
    expect(await workflowDuration(execution.workflow_id)).toBeLessThan(120 * MINUTE);
    // Past the 2 h in workflow time: still nothing.
    await env.sleep('3h');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await sql('SELECT 1 FROM messages WHERE subject_id = ?', [created.entityId])).toEqual([]);
    expect(await mailsTo(email)).toEqual([]);
  });
});
