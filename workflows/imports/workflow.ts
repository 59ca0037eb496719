/**
 * One CSV import: the dry run chunk by chunk (checking), then — once asked — the apply chunk by
 * chunk (applying). Each chunk is an activity that heartbeats per row; a worker that dies
 * mid-chunk is noticed by the missing heartbeat and the chunk runs again on another worker,
 * skipping the rows it had already applied (their outcomes are stored). The statuses move only
 * here, through the `setImportStatus` activity.
 */
import { ApplicationFailure, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createImportActivities } from '../../activities/imports.ts';
import { IMPORT_APPLY_WINDOW_DAYS, IMPORT_CHUNK_ROWS } from '../../domain/imports.ts';
import { activityQueueOptions } from '../task-queues.ts';
import { applyImportSignal, type ImportInput, type ImportResult } from './messages.ts';

const heavy = proxyActivities<ReturnType<typeof createImportActivities>>({
  ...activityQueueOptions.heavy,
  heartbeatTimeout: '20s',
  // The seed's heavy policy (§9) is 300 s, 2 attempts, 60 s / 120 s apart; imports keep the
  // timeout and the 2 attempts but retry after 5 s / 10 s. With a single retry the long wait
  // never spares a struggling database a storm of retries; it only delays recovery from the
  // commonest cause of a retried chunk, a worker that went away (deploy, OOM, crash: noticed by
  // the 20 s heartbeat timeout). A chunk is safe to run again at once: it skips the rows whose
  // outcome it stored (test/imports-crash.test.ts kills the worker mid-apply).
  retry: { ...activityQueueOptions.heavy.retry, initialInterval: '5s', maximumInterval: '10s' },
});

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return (cause instanceof ApplicationFailure ? cause.message : undefined) ?? (error as Error).message ?? String(error);
}

async function inChunks(totalRows: number, run: (offset: number) => Promise<void>): Promise<void> {
  for (let offset = 0; offset < totalRows; offset += IMPORT_CHUNK_ROWS) await run(offset);
}

export async function importData({ importId, totalRows }: ImportInput): Promise<ImportResult> {
  let applyRequested = false;
  setHandler(applyImportSignal, () => {
    applyRequested = true;
  });
  try {
    await heavy.setImportStatus(importId, 'checking');
    await inChunks(totalRows, (offset) => heavy.checkImportChunk(importId, offset, IMPORT_CHUNK_ROWS));
    await heavy.setImportStatus(importId, 'checked');
    if (!(await condition(() => applyRequested, `${IMPORT_APPLY_WINDOW_DAYS} days`))) {
      await heavy.setImportStatus(importId, 'expired');
      return { status: 'expired' };
    }
    await heavy.setImportStatus(importId, 'applying');
    await inChunks(totalRows, (offset) => heavy.applyImportChunk(importId, offset, IMPORT_CHUNK_ROWS));
    await heavy.setImportStatus(importId, 'applied');
    return { status: 'applied' };
  } catch (error) {
    await heavy.setImportStatus(importId, 'failed', reasonOf(error));
    return { status: 'failed' };
  }
}
