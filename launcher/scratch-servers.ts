/**
 * A throwaway PostgreSQL (embedded) and Temporal dev server (headless) on free loopback ports,
 * migrated and seeded: what the test suite, the benchmarks and the history recorder run on.
 * `stop()` stops both and deletes their data folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openOrm } from '../db/orm.ts';
import { setupDatabase } from '../db/setup.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { freePort } from './ports.ts';
import { startTemporalDevServer } from './temporal-dev-server.ts';

export interface ScratchServers {
  readonly dataDir: string;
  readonly databaseUrl: string;
  readonly temporalAddress: string;
  stop(): Promise<void>;
}

export async function startScratchServers(purpose: string): Promise<ScratchServers> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `virel-${purpose}-`));
  const [pg, temporal] = await Promise.all([
    startEmbeddedPostgres({ dataDir, port: await freePort(), onWarning: () => undefined }),
    startTemporalDevServer({ dataDir, port: await freePort(), uiPort: 0, namespace: 'default', headless: true }),
  ]);
  const orm = await openOrm(pg.url);
  try {
    await setupDatabase(orm, { seedDemoData: true, dataDir });
  } finally {
    await orm.close();
  }
  return {
    dataDir,
    databaseUrl: pg.url,
    temporalAddress: temporal.address,
    async stop() {
      await Promise.allSettled([temporal.stop(), pg.stop()]);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
