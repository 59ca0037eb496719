/** CSV import operations for the role × operation matrix (a clients import: its right is clients.write). */
import { randomUUID } from 'node:crypto';
import type { MatrixOperation } from '../support/role-matrix.ts';
import type { TestPlatform } from '../support/platform.ts';
import { eventually } from '../support/wait.ts';

/** A clients import whose clean dry run has finished, uploaded by the owner. */
async function checkedImport(platform: TestPlatform): Promise<{ id: string }> {
  const form = new FormData();
  form.append('kind', 'clients');
  form.append('file', new Blob([`email,full_name\nmatrix.${randomUUID()}@example.com,Matrix\n`]), 'clients.csv');
  const response = await fetch(`${platform.url}/api/v1/imports`, { method: 'POST', body: form, headers: await platform.as('OWNER') });
  const id = ((await response.json()) as { import: { id: string } }).import.id;
  await eventually(async () => (await platform.sql<{ status: string }>('SELECT status FROM data_imports WHERE id = ?', [id]))[0]?.status, (s) => s === 'checked', 60_000);
  return { id };
}

const importState = async (platform: TestPlatform, vars: Record<string, unknown>) =>
  platform.sql(`SELECT status, (SELECT count(*)::int FROM data_import_rows r WHERE r.import_id = i.id AND phase = 'apply') AS applied FROM data_imports i WHERE id = ?`, [vars.id]);

export const IMPORT_OPERATIONS: MatrixOperation[] = [
  { field: 'Query.dataImport', permission: 'clients.write', setup: checkedImport, document: 'query ($id: ID!) { dataImport(id: $id) { id status totalRows planned { create } problems { line } } }' },
  { field: 'Mutation.applyDataImport', permission: 'clients.write', setup: checkedImport, state: importState, document: 'mutation ($id: ID!) { applyDataImport(id: $id) { id status } }' },
];
