/**
 * The lifecycle workflows' search attributes in readable form (the Temporal CLI prints them as
 * encoded payloads): `npm run workflows -- "<visibility query>"`, e.g.
 *   npm run workflows -- "VirelEntityType = 'booking' AND VirelStatus = 'pending'"
 * Without a query it lists the 20 most recent lifecycles. Uses TEMPORAL_ADDRESS, else the
 * embedded dev server of `npm start` (127.0.0.1:TEMPORAL_PORT).
 */
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../platform/config.ts';

const config = loadConfig();
const query = process.argv[2] ?? 'VirelEntityType IS NOT NULL';
const limit = Number(process.env.LIMIT ?? 20);
const connection = await Connection.connect({ address: config.temporal.address ?? `127.0.0.1:${config.temporal.port}` });
try {
  const client = new Client({ connection, namespace: config.temporal.namespace });
  let shown = 0;
  for await (const workflow of client.workflow.list({ query })) {
    const attributes = workflow.typedSearchAttributes.getAll()
      .filter(({ key }) => key.name.startsWith('Virel'))
      .sort((a, b) => a.key.name.localeCompare(b.key.name))
      .map(({ key, value }) => `${key.name}=${value instanceof Date ? value.toISOString() : String(value)}`);
    console.log(`${workflow.workflowId}  ${workflow.status.name}  ${attributes.join('  ')}`);
    if (++shown >= limit) break;
  }
  if (shown === 0) console.log(`no workflow matches: ${query}`);
} finally {
  await connection.close();
}
