/**
 * The report workflow's contract (issue 14 item 8): one workflow per requested report, id
 * `report:<report id>`, started by the requestReport mutation (services/reports.ts) on the `background` workflow queue; its
 * activities run on the `heavy` queue.
 */

export const generateReportWorkflowType = 'generateReport';

export const reportWorkflowId = (reportId: string) => `report:${reportId}`;

export interface ReportInput {
  readonly reportId: string;
}

export interface ReportResult {
  readonly status: 'ready' | 'failed';
}
