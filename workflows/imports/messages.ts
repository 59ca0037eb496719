/**
 * The CSV import workflow's contract (issue 14 item 8): one workflow per import, id
 * `import:<import id>`, started by the upload (services/imports.ts) on the `background` workflow queue. It checks every row (the
 * dry run), waits for `applyImport` (sent by the applyDataImport mutation once the dry run found
 * no problems), then applies; each chunk of rows is an activity on the `heavy` queue.
 */
import { defineSignal } from '@temporalio/workflow';

export const importDataWorkflowType = 'importData';

export const importWorkflowId = (importId: string) => `import:${importId}`;

export interface ImportInput {
  readonly importId: string;
  readonly totalRows: number;
}

export interface ImportResult {
  readonly status: 'applied' | 'failed' | 'expired';
}

/** Apply the checked rows (the service checks the dry run found no problems before sending it). */
export const applyImportSignal = defineSignal('applyImport');
