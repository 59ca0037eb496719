/**
 * Starts the real servers the integration tests share (launcher/scratch-servers.ts): a private
 * PostgreSQL and the official Temporal CLI dev server on free loopback ports, migrated and
 * seeded. Their addresses reach tests via environment variables.
 */
import { startScratchServers } from '../../launcher/scratch-servers.ts';

export default async function globalSetup(): Promise<void> {
  const servers = await startScratchServers('test');
  process.env.TEST_DATA_DIR = servers.dataDir;
  process.env.TEST_DATABASE_URL = servers.databaseUrl;
  process.env.TEST_TEMPORAL_ADDRESS = servers.temporalAddress;
  (globalThis as { __virelServers?: unknown }).__virelServers = servers;
}
