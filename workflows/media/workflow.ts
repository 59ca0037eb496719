/**
 * Processing one uploaded media item on the heavy queue: uploaded → processing → ready (photos
 * rendered to sizes as WebP, metadata stripped; videos kept as uploaded) or failed (files removed,
 * the error kept on the row for the uploader to see). Each step is an activity that finds its own
 * earlier work, so a retry or a worker restart repeats nothing twice.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { createMediaActivities } from '../../activities/media.ts';
import { activityQueueOptions } from '../task-queues.ts';
import type { ProcessMediaInput, ProcessMediaResult, RemoveMediaFilesInput, RemoveMediaFilesResult } from './messages.ts';

const heavy = proxyActivities<ReturnType<typeof createMediaActivities>>({
  ...activityQueueOptions.heavy,
  // A photo renders in seconds; a worker that died mid-render is noticed by its missing heartbeat.
  heartbeatTimeout: '30s',
});

function reasonOf(error: unknown): string {
  const cause = error instanceof ApplicationFailure ? error : (error as { cause?: unknown }).cause;
  return (cause as { message?: string } | undefined)?.message ?? (error as Error).message ?? String(error);
}

export async function processModelMedia({ mediaId }: ProcessMediaInput): Promise<ProcessMediaResult> {
  const begun = await heavy.beginMediaProcessing(mediaId);
  if (begun === 'gone') return { status: 'gone' };
  if (begun === 'ready') return { status: 'ready' };
  try {
    await heavy.renderMedia(mediaId);
    return { status: 'ready' };
  } catch (error) {
    await heavy.failMedia(mediaId, reasonOf(error));
    return { status: 'failed' };
  }
}

/**
 * A removed item's files (its original and renditions), after its row is gone. The seed's heavy
 * policy applies (2 attempts): a store that stays down longer fails the workflow, visible in the
 * Temporal UI as a removal to run again; running it again is safe (absent files are fine).
 */
export async function removeModelMediaFiles(input: RemoveMediaFilesInput): Promise<RemoveMediaFilesResult> {
  return { status: await heavy.removeMediaFiles(input) };
}
