/** CSV report operations for the role × operation matrix (an operational report: reports.run). */
import type { MatrixOperation } from '../support/role-matrix.ts';
import type { TestPlatform } from '../support/platform.ts';
import { asOwner } from './users.ts';

const DAY = 86_400_000;
const period = () => ({ from: new Date(Date.now() - DAY).toISOString(), to: new Date().toISOString() });

async function ownersReport(platform: TestPlatform): Promise<{ id: string }> {
  const data = await asOwner<{ requestReport: { id: string } }>(platform,
    'mutation ($input: RequestReportInput!) { requestReport(input: $input) { id } }', { input: { kind: 'sla_compliance', ...period() } });
  return { id: data.requestReport.id };
}

const reportCount = async (platform: TestPlatform) => platform.sql('SELECT count(*)::int AS n FROM reports');

export const REPORT_OPERATIONS: MatrixOperation[] = [
  { field: 'Query.report', permission: 'reports.run', setup: ownersReport, document: 'query ($id: ID!) { report(id: $id) { id status rowsWritten downloadUrl } }' },
  {
    field: 'Mutation.requestReport', permission: 'reports.run', state: reportCount,
    setup: async () => ({ input: { kind: 'bookings_by_status', granularity: 'month', ...period() } }),
    document: 'mutation ($input: RequestReportInput!) { requestReport(input: $input) { id status } }',
  },
];
