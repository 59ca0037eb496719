/**
 * Starts the real servers the integration tests share (launcher/scratch-servers.ts): a private
 * PostgreSQL, the official Temporal CLI dev server and localstripe on free loopback ports, migrated and
 * seeded. Their addresses reach tests via environment variables. VIREL_TEST_SERVERS=none skips
 * them (`npm run test:workflows`).
 */
import { startScratchServers } from '../../launcher/scratch-servers.ts';

export default async function globalSetup(): Promise<void> {
  // The fast workflow tests (test/workflows/, `npm run test:workflows`) bring their own
  // time-skipping server and need neither PostgreSQL nor the dev server.
  if (process.env.VIREL_TEST_SERVERS === 'none') return;
  const servers = await startScratchServers('test');
  process.env.TEST_DATA_DIR = servers.dataDir;
  process.env.TEST_DATABASE_URL = servers.databaseUrl;
  process.env.TEST_TEMPORAL_ADDRESS = servers.temporalAddress;
  process.env.TEST_STRIPE_URL = servers.stripeUrl;
  (globalThis as { __virelServers?: unknown }).__virelServers = servers;
}
