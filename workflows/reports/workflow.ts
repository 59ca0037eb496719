/**
 * One CSV report: queued → running → ready (its CSV in the file store) | failed. Building is
 * one activity that heartbeats as it writes rows; a retry (a worker restart) builds the same
 * report again from the same period and overwrites the same file.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { createReportActivities } from '../../activities/reports.ts';
import { activityQueueOptions } from '../task-queues.ts';
import type { ReportInput, ReportResult } from './messages.ts';

const heavy = proxyActivities<ReturnType<typeof createReportActivities>>({
  ...activityQueueOptions.heavy,
  heartbeatTimeout: '60s',
});

export async function generateReport({ reportId }: ReportInput): Promise<ReportResult> {
  await heavy.setReportStatus(reportId, 'running');
  try {
    await heavy.buildReport(reportId);
    await heavy.setReportStatus(reportId, 'ready');
    return { status: 'ready' };
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    await heavy.setReportStatus(reportId, 'failed', cause instanceof ApplicationFailure ? cause.message : String((error as Error).message ?? error));
    return { status: 'failed' };
  }
}
