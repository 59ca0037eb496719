/**
 * The automation execution workflow, fast: the real workflow code on the time-skipping test
 * server with its activities replaced by fakes that record each call and the (skipped) clock.
 * What it proves is the workflow's own logic: actions in order, a follow-up as a durable timer
 * of its delay in workflow time, the first failed action ending the execution there, a retry
 * starting at the failed action, a skip ending at once.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import type { ActionRecord, AutomationActivities, BeginResult } from '../../activities/automation.ts';
import type { RuleAction } from '../../domain/automation-rules.ts';
import { resolveTemporalTestServer } from '../../launcher/temporal-binaries.ts';
import { WORKFLOWS_PATH } from '../../worker/run.ts';
import { addSearchAttributesBlindly } from '../../worker/search-attributes.ts';
import { automationExecutionWorkflowType, subjectMovedSignal, type AutomationExecutionInput, type AutomationExecutionResult } from '../../workflows/automation/messages.ts';
import { BACKGROUND_TASK_QUEUE } from '../../workflows/task-queues.ts';

const MINUTE = 60_000;

interface Call { readonly name: string; readonly input: Record<string, unknown>; readonly at: number }

let env: TestWorkflowEnvironment;
let workers: Worker[];
let running: Promise<unknown>;
const calls: Call[] = [];
/** What the fake begin returns per rule id, and which action indexes the fake refuses. */
const plans = new Map<string, { begin: BeginResult; refuse: number[] }>();

function fakeActivities(): AutomationActivities {
  const record = (name: string, input: object) => calls.push({ name, input: input as Record<string, unknown>, at: Date.now() });
  return {
    beginExecution: (input) => {
      record('beginExecution', input);
      const plan = plans.get(input.ruleId)!;
      const begun = plan.begin;
      return Promise.resolve(input.attempt > 1 && begun.outcome === 'run' ? { ...begun, startAt: plan.refuse[0] ?? 0 } : begun);
    },
    runAction: (input) => {
      record('runAction', input);
      const ruleId = [...plans.entries()].find(([, p]) => p.begin.executionId === input.executionId)?.[0] as string;
      const failed = plans.get(ruleId)!.refuse.includes(input.index) && !calls.some((c) => c.name === 'beginExecution' && c.input.ruleId === ruleId && Number(c.input.attempt) > 1);
      const result: ActionRecord = { index: input.index, type: input.action.type, outcome: failed ? 'failed' : 'done', detail: failed ? 'refused' : 'ok', at: new Date().toISOString() };
      return Promise.resolve(result);
    },
    markWaiting: (input) => {
      record('markWaiting', input);
      return Promise.resolve({ moved: false });
    },
    dropFollowupIfMoved: (input) => {
      record('dropFollowupIfMoved', input);
      // The fake's subject moves on at the second look: the first signal finds it unchanged.
      const looks = calls.filter((c) => c.name === 'dropFollowupIfMoved' && c.input.executionId === input.executionId).length;
      return Promise.resolve(looks < 2 ? null : { index: input.index, type: input.action.type, outcome: 'cancelled', detail: 'subject moved on', at: new Date().toISOString() } satisfies ActionRecord);
    },
    finishExecution: (input) => {
      record('finishExecution', input);
      return Promise.resolve({ paused: false });
    },
    recordScheduleTick: (input) => {
      record('recordScheduleTick', input);
      return Promise.resolve();
    },
  };
}

const run = (ruleId: string, attempt = 1) => env.client.workflow.execute(automationExecutionWorkflowType, {
  workflowId: `automation-test:${randomUUID()}`, taskQueue: BACKGROUND_TASK_QUEUE, args: [{ ruleId, eventId: randomUUID(), attempt } satisfies AutomationExecutionInput],
}) as Promise<AutomationExecutionResult>;

function plan(actions: RuleAction[], refuse: number[] = [], outcome: 'run' | 'skipped' = 'run'): string {
  const ruleId = randomUUID();
  const executionId = randomUUID();
  const begin: BeginResult = outcome === 'run'
    ? { outcome: 'run', executionId, ruleName: 'fast', ruleVersion: 1, testing: false, actions, startAt: 0, subjectStatus: 'awaiting_deposit' }
    : { outcome: 'skipped', executionId, reason: 'conditions_not_met', detail: 'event.source equals' };
  plans.set(ruleId, { begin, refuse });
  return ruleId;
}

const callsFor = (executionId: string) => calls.filter((c) => c.input.executionId === executionId);
const executionOf = (ruleId: string) => plans.get(ruleId)!.begin.executionId;

beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } } });
  } catch {
    // Already installed in this process: keep it.
  }
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: await resolveTemporalTestServer() } } });
  await addSearchAttributesBlindly(env.nativeConnection, env.namespace ?? 'default');
  const activities = fakeActivities();
  workers = [
    await Worker.create({ connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue: BACKGROUND_TASK_QUEUE, workflowsPath: WORKFLOWS_PATH }),
    await Worker.create({ connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue: 'ops', activities }),
  ];
  running = Promise.all(workers.map((w) => w.run()));
}, 120_000);

afterAll(async () => {
  for (const w of workers ?? []) w.shutdown();
  await running;
  await env?.teardown();
});

describe('automation execution workflow', () => {
  test('actions run in order; a follow-up waits its delay in workflow time, then runs its action for the status seen at the start', async () => {
    const rule = plan([
      { type: 'create_task', params: { type: 'follow_up' } },
      { type: 'schedule_followup', params: { delay_minutes: 120, action: { type: 'add_note', params: { text: 'reminder' } } } },
    ]);
    const before = await env.currentTimeMs();
    const result = await run(rule);
    const after = await env.currentTimeMs();
    expect(result).toMatchObject({ status: 'done', actions: [{ index: 0, type: 'create_task', outcome: 'done' }, { index: 1, type: 'add_note', outcome: 'done' }] });
    const mine = callsFor(executionOf(rule));
    expect(mine.map((c) => c.name)).toEqual(['runAction', 'markWaiting', 'runAction', 'finishExecution']);
    expect(mine[2]!.input).toMatchObject({ index: 1, action: { type: 'add_note' }, followupOf: { status: 'awaiting_deposit' } });
    // The 2 hours passed in workflow time (skipped), not in real time.
    expect(after - before).toBeGreaterThanOrEqual(120 * MINUTE);
    expect(mine[3]!.input).toEqual({ executionId: executionOf(rule), status: 'done' });
  });

  test('a follow-up told its subject moved looks again at once: still due, it keeps waiting; moved on, it is dropped before its timer ends', async () => {
    const rule = plan([{ type: 'schedule_followup', params: { delay_minutes: 120, action: { type: 'send_message', params: { channel: 'email', template: 'deposit_reminder' } } } }]);
    const workflowId = `automation-test:${randomUUID()}`;
    const handle = await env.client.workflow.start(automationExecutionWorkflowType, {
      workflowId, taskQueue: BACKGROUND_TASK_QUEUE, args: [{ ruleId: rule, eventId: randomUUID(), attempt: 1 } satisfies AutomationExecutionInput],
    });
    const looks = () => callsFor(executionOf(rule)).filter((c) => c.name === 'dropFollowupIfMoved').length;
    const waitFor = async (check: () => boolean) => {
      for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(check()).toBe(true);
    };
    await waitFor(() => callsFor(executionOf(rule)).some((c) => c.name === 'markWaiting'));
    await handle.signal(subjectMovedSignal, { eventId: randomUUID() });
    await waitFor(() => looks() === 1);
    await handle.signal(subjectMovedSignal, { eventId: randomUUID() });
    await waitFor(() => looks() === 2);
    const result = await handle.result() as AutomationExecutionResult;
    expect(result).toMatchObject({ status: 'done', actions: [{ index: 0, type: 'send_message', outcome: 'cancelled' }] });
    // Dropped on the signal: the follow-up's action never ran and its 2 hours never passed.
    expect(callsFor(executionOf(rule)).map((c) => c.name)).toEqual(['markWaiting', 'dropFollowupIfMoved', 'dropFollowupIfMoved', 'finishExecution']);
    const { startTime, closeTime } = await handle.describe();
    expect(closeTime!.getTime() - startTime.getTime()).toBeLessThan(120 * MINUTE);
  });

  test('the first failed action ends the execution there; a retry starts at that action', async () => {
    const rule = plan([
      { type: 'create_task', params: { type: 'a' } }, { type: 'update_status', params: { entity_type: 'inquiry', new_status: 'qualified' } }, { type: 'add_note', params: { text: 'c' } },
    ], [1]);
    expect(await run(rule)).toMatchObject({ status: 'failed', actions: [{ index: 0, outcome: 'done' }, { index: 1, outcome: 'failed' }] });
    expect(callsFor(executionOf(rule)).filter((c) => c.name === 'runAction').map((c) => c.input.index)).toEqual([0, 1]);
    expect(callsFor(executionOf(rule)).find((c) => c.name === 'finishExecution')!.input).toMatchObject({ status: 'failed', failedAction: 1, error: 'refused' });
    calls.length = 0;
    expect(await run(rule, 2)).toMatchObject({ status: 'done', actions: [{ index: 1, outcome: 'done' }, { index: 2, outcome: 'done' }] });
    expect(callsFor(executionOf(rule)).filter((c) => c.name === 'runAction').map((c) => c.input.index)).toEqual([1, 2]);
  });

  test('a skipped execution runs no action', async () => {
    const rule = plan([{ type: 'add_note', params: { text: 'x' } }], [], 'skipped');
    expect(await run(rule)).toMatchObject({ status: 'skipped', reason: 'conditions_not_met', actions: [] });
    expect(callsFor(executionOf(rule))).toEqual([]);
  });
});
