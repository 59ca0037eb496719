/**
 * Failing activities from Temporal (the Stuck work view), against the real dev server and worker:
 * an activity that really fails and is being retried is noted by the worker and shows up with its
 * workflow, attempt and last failure; the report says how much it described; a note Temporal no
 * longer confirms is forgotten, a retry that succeeds clears its note; it needs system.read.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { SYSTEM } from '../domain/access.ts';
import { createLogger } from '../platform/logger.ts';
import { createFailingActivitiesService } from '../services/failing-activities.ts';
import { activityFailureNotes } from '../worker/activity-failures.ts';
import { startFailingActivity } from './support/automation.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { eventually } from './support/wait.ts';

let platform: TestPlatform;
let failing: Awaited<ReturnType<typeof startFailingActivity>>;

beforeAll(async () => {
  platform = await startTestPlatform({ worker: true });
  failing = await startFailingActivity(platform.temporal);
});

afterAll(async () => {
  await failing?.stop();
  await platform?.stop();
});

const QUERY = `{ failingActivities(first: 100) {
  scannedWorkflows complete
  activities { workflowId runId workflowType entityType ref activityId activityType state attempt maximumAttempts lastFailure lastAttemptAt nextAttemptAt }
} }`;
type Report = { failingActivities: { scannedWorkflows: number; complete: boolean; activities: Array<Record<string, unknown> & { workflowId: string }> } };

const sql = <T>(query: string, params: unknown[] = []) => platform.orm.em.getConnection().execute<T[]>(query, params);

describe('failingActivities', () => {
  test('an activity Temporal is retrying is listed with its workflow, attempt and last failure', async () => {
    const report = await eventually(
      async () => (await platform.gql<Report>(QUERY, {}, await platform.as('OPS_MANAGER'))).data!.failingActivities,
      (r) => r.activities.some((a) => a.workflowId === failing.workflowId),
      60_000);
    const activity = report.activities.find((a) => a.workflowId === failing.workflowId)!;
    expect(activity).toMatchObject({
      workflowType: 'automationExecution', activityType: 'beginExecution', entityType: null, ref: null, maximumAttempts: 5,
      lastFailure: expect.stringContaining(`domain event ${failing.eventId} not found`),
    });
    expect(activity.attempt).toBeGreaterThanOrEqual(2);
    expect(activity.runId).toEqual(expect.any(String));
    expect(Date.parse(activity.lastAttemptAt as string)).toBeLessThanOrEqual(Date.now());
    expect(report.scannedWorkflows).toBeGreaterThanOrEqual(1);
    // In a full run other suites' workflows are running too: a scan cut at its 500 says so.
    expect(report.complete || report.scannedWorkflows >= 500).toBe(true);
    // Only failing ones: a healthy running workflow (an inquiry's lifecycle) is not listed.
    const inquiry = await platform.gql<{ createInquiry: { inquiry: { workflowId: string } } }>('mutation { createInquiry(input: { source: web, clientName: "Healthy workflow" }) { inquiry { workflowId } } }');
    const healthy = inquiry.data!.createInquiry.inquiry.workflowId;
    const again = (await platform.gql<Report>(QUERY, {}, await platform.as('OPS_MANAGER'))).data!.failingActivities;
    expect(again.activities.map((a) => a.workflowId)).not.toContain(healthy);
    // Only noted workflows are described, not every running one: watch which ones the service asks
    // Temporal about. (Counting notes afterwards races other files' notes coming and going.)
    const described: string[] = [];
    const temporal = platform.temporal;
    const watching = { workflow: { getHandle: (workflowId: string, runId?: string) => { described.push(workflowId); return temporal.workflow.getHandle(workflowId, runId); } } } as unknown as Client;
    const watched = await createFailingActivitiesService({ temporal: watching, em: platform.orm.em.fork() }).list({ principal: SYSTEM }, { first: 100 });
    expect(described).toContain(failing.workflowId);
    expect(described).not.toContain(healthy);
    expect(described).toHaveLength(watched.scannedWorkflows);
  }, 90_000);

  test('a note Temporal no longer confirms is forgotten once settled (its workflow ended)', async () => {
    await failing.stop();
    const notes = () => sql<{ n: number }>('SELECT count(*)::int AS n FROM activity_failures WHERE workflow_id = ?', [failing.workflowId]).then((rows) => rows[0]!.n);
    expect(await notes()).toBeGreaterThan(0);
    // A fresh note survives a look (Temporal may not show the failure yet)...
    const fresh = (await platform.gql<Report>(QUERY, {}, await platform.as('OPS_MANAGER'))).data!.failingActivities;
    expect(fresh.activities.map((a) => a.workflowId)).not.toContain(failing.workflowId);
    expect(await notes()).toBeGreaterThan(0);
    // ...a settled one (older than a minute) is forgotten.
    await sql("UPDATE activity_failures SET noted_at = now() - interval '2 minutes' WHERE workflow_id = ?", [failing.workflowId]);
    await platform.gql<Report>(QUERY, {}, await platform.as('OPS_MANAGER'));
    expect(await notes()).toBe(0);
  });

  test('the worker notes a failed attempt and a retry, and a retry that succeeds clears the note', async () => {
    const workflowId = `failing-activities-test:${randomUUID()}`;
    const info = (attempt: number) => ({ workflowExecution: { workflowId, runId: 'run-1' }, activityId: '7', activityType: 'sendMessage', taskQueue: 'ops', attempt });
    const execute = (attempt: number, outcome: () => Promise<unknown>) =>
      activityFailureNotes(platform.orm, createLogger({ level: 'silent', service: 'test' }))({ info: info(attempt) } as unknown as Context).inbound!.execute!({ args: [], headers: {} }, outcome);
    const row = () => sql<{ attempt: number }>('SELECT attempt FROM activity_failures WHERE workflow_id = ?', [workflowId]);
    await expect(execute(1, () => Promise.reject(new Error('smtp down')))).rejects.toThrow('smtp down');
    expect(await row()).toEqual([{ attempt: 1 }]);
    // The second attempt is noted as it begins (one that times out never throws here).
    let seen: Array<{ attempt: number }> = [];
    await expect(execute(2, async () => { seen = await row(); return 'sent'; })).resolves.toBe('sent');
    expect(seen).toEqual([{ attempt: 2 }]);
    expect(await row()).toEqual([]);
    // A first attempt that succeeds writes nothing.
    await execute(1, async () => 'sent');
    expect(await row()).toEqual([]);
  });

  test('needs system.read; first is bounded', async () => {
    const asOperator = await platform.gql(QUERY, {}, await platform.as('OPERATOR'));
    expect(asOperator.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'system.read' });
    const tooMany = await platform.gql('{ failingActivities(first: 101) { complete } }', {}, await platform.as('OPS_MANAGER'));
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'first' });
  });
});
