/**
 * Records one event history per lifecycle workflow into test/histories/, for the replay test
 * (test/replay.test.ts): it replays them through the current workflow code, so a change that
 * would break running workflows (non-determinism) fails CI. Re-record only on purpose, after a
 * change made replay-safe (patched) or for a new scenario: `npm run record-histories`.
 *
 * Runs on scratch servers of its own (launcher/scratch-servers.ts).
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import * as commands from '../services/lifecycle-commands.ts';
import { openOrm } from '../db/orm.ts';
import { startScratchServers } from '../launcher/scratch-servers.ts';
import { PROJECT_ROOT, resolveTemporalCli } from '../launcher/temporal-binaries.ts';
import { createLogger } from '../platform/logger.ts';
import { startWorkers } from '../worker/run.ts';
import { rescheduleUpdate } from '../workflows/booking/messages.ts';
import { convertToBookingUpdate } from '../workflows/inquiry/messages.ts';

const OUT = path.join(PROJECT_ROOT, 'test', 'histories');
const run = promisify(execFile);

/** The history in the official CLI's JSON form (what `temporal workflow show -o json` prints). */
async function historyJson(handle: WorkflowHandle): Promise<string> {
  const { stdout } = await run(await resolveTemporalCli(), ['workflow', 'show', '--address', servers.temporalAddress, '--workflow-id', handle.workflowId, '--output', 'json'], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}
const system = { type: 'system' } as const;

const servers = await startScratchServers('histories');
const orm = await openOrm(servers.databaseUrl);
const workers = await startWorkers({
  databaseUrl: servers.databaseUrl, temporalAddress: servers.temporalAddress, namespace: 'default', metricsAddress: undefined,
  logger: createLogger({ level: 'warn', service: 'record' }),
});
const connection = await Connection.connect({ address: servers.temporalAddress });
const client = new Client({ connection });

try {
  const [refs] = await orm.em.getConnection().execute<Array<{ client_id: string; model_id: string; location_id: string; user_id: string }>>(`
    SELECT (SELECT id FROM clients LIMIT 1) AS client_id, (SELECT id FROM models LIMIT 1) AS model_id,
           (SELECT id FROM locations LIMIT 1) AS location_id, (SELECT id FROM users WHERE email = 'lukas@virel.local') AS user_id`);
  if (!refs) throw new Error('no demo data');
  const histories: Record<string, string> = {};

  // Inquiry: the whole funnel, a note, an assignment, a rejected transition, conversion.
  const inquiry = await commands.startInquiry(client, { id: randomUUID(), source: 'web', externalRef: 'replay-1', priority: 'normal', clientName: 'Replay Client', clientEmail: 'replay@example.com' }, { actor: system });
  await commands.transition(inquiry.handle, 'qualified', { actor: system });
  await commands.assign(inquiry.handle, refs.user_id, { actor: system });
  await commands.addNote(inquiry.handle, 'Prefers an early evening.', { actor: system });
  await commands.transition(inquiry.handle, 'awaiting_client', { actor: system });
  await commands.transition(inquiry.handle, 'converted', { actor: system }).catch(() => undefined); // rejected by the validator
  await commands.transition(inquiry.handle, 'awaiting_deposit', { actor: system, data: { depositAmount: '100.00' } });
  const start = Date.now() + 3 * 24 * 3600_000;
  const conversion = await inquiry.handle.executeUpdate(convertToBookingUpdate, {
    args: [{ transitionId: randomUUID(), actor: system, booking: { modelId: refs.model_id, locationId: refs.location_id, startAt: new Date(start).toISOString(), endAt: new Date(start + 7200_000).toISOString(), priceTotal: '500.00' } }],
  });
  histories.inquiry = await historyJson(inquiry.handle);

  // Booking: from the conversion, pending → deposit_required → confirmed, rescheduled.
  const booking = client.workflow.getHandle(conversion.bookingWorkflowId);
  await commands.transition(booking, 'pending', { actor: system });
  await commands.transition(booking, 'deposit_required', { actor: system, data: { depositRequired: '100.00' } });
  await commands.transition(booking, 'confirmed', { actor: system });
  const moved = start + 3600_000;
  const id = randomUUID();
  await booking.executeUpdate(rescheduleUpdate, { args: [{ startAt: new Date(moved).toISOString(), endAt: new Date(moved + 7200_000).toISOString(), transitionId: id, actor: system }] });
  histories.booking = await historyJson(booking);

  // Task: assigned (SLA restarted), worked, done.
  const task = await commands.startTask(client, { id: randomUUID(), type: 'confirm_booking', subject: 'Confirm', priority: 'high', entityType: 'booking', entityId: conversion.bookingId }, { actor: system });
  await commands.assign(task.handle, refs.user_id, { actor: system });
  await commands.transition(task.handle, 'in_progress', { actor: system });
  await commands.transition(task.handle, 'done', { actor: system });
  histories.task = await historyJson(task.handle);

  // Exception: investigated and resolved.
  const exception = await commands.startException(client, { id: randomUUID(), type: 'payment_failed', severity: 'high', summary: 'Card declined', entityType: 'booking', entityId: conversion.bookingId }, { actor: system });
  await commands.transition(exception.handle, 'investigating', { actor: system });
  await commands.transition(exception.handle, 'resolved', { actor: system });
  histories.exception = await historyJson(exception.handle);

  for (const [name, json] of Object.entries(histories)) {
    await writeFile(path.join(OUT, `${name}.json`), `${JSON.stringify(JSON.parse(json), null, 1)}\n`);
    console.log(`recorded test/histories/${name}.json`);
  }
} finally {
  await workers.shutdown();
  await connection.close();
  await orm.close();
  await servers.stop();
}
