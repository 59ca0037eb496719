/** CSV reports on the heavy queue (workflows/reports/workflow.ts), thin over services/reports.ts. */
import { Context } from '@temporalio/activity';
import type { ReportStatus } from '../domain/reports.ts';
import type { FileStorage } from '../platform/file-storage.ts';
import { createReportService } from '../services/reports.ts';
import type { ActivityDeps } from './deps.ts';

export function createReportActivities({ orm, temporal, storage }: ActivityDeps & { storage: FileStorage }) {
  const service = () => createReportService({
    em: orm.em.fork(), storage,
    // Building a report reads and writes files only: it never messages workflows or ends sessions.
    temporal: temporal as NonNullable<typeof temporal>,
    sessions: { revokeUser: () => Promise.reject(new Error('no sessions in the worker')) },
  });
  return {
    setReportStatus: (reportId: string, status: ReportStatus, failure?: string) => service().moveTo(reportId, status, failure ?? null),
    buildReport: (reportId: string) => service().build(reportId, (written) => Context.current().heartbeat({ written })),
  };
}
