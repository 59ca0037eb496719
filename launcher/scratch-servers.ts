/**
 * A throwaway PostgreSQL (embedded), Temporal dev server (headless) and Stripe stand-in
 * (localstripe) on free loopback ports, migrated and seeded: what the test suite, the
 * benchmarks and the history recorder run on. `stop()` stops them and deletes their data folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openOrm } from '../db/orm.ts';
import { setupDatabase } from '../db/setup.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { startLocalstripe } from './localstripe.ts';
import { freePort } from './ports.ts';
import { startTemporalDevServer } from './temporal-dev-server.ts';

export interface ScratchServers {
  readonly dataDir: string;
  readonly databaseUrl: string;
  readonly temporalAddress: string;
  /** localstripe, e.g. http://127.0.0.1:41234 (the SDK reaches it by host, port and http). */
  readonly stripeUrl: string;
  stop(): Promise<void>;
}

export async function startScratchServers(purpose: string): Promise<ScratchServers> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `virel-${purpose}-`));
  const started = await Promise.allSettled([
    startEmbeddedPostgres({ dataDir, port: await freePort(), onWarning: () => undefined }),
    startTemporalDevServer({ dataDir, port: await freePort(), uiPort: 0, namespace: 'default', headless: true }),
    startLocalstripe({ port: await freePort() }),
  ] as const);
  const [pgStart, temporalStart, stripeStart] = started;
  if (pgStart.status === 'rejected' || temporalStart.status === 'rejected' || stripeStart.status === 'rejected') {
    // One failed: stop the others (they would outlive this process) and say which failed, and why.
    await Promise.allSettled(started.flatMap((s) => (s.status === 'fulfilled' ? [s.value.stop()] : [])));
    await rm(dataDir, { recursive: true, force: true });
    const reasons = (['PostgreSQL', 'Temporal dev server', 'localstripe'] as const).flatMap((name, i) => {
      const s = started[i] as PromiseSettledResult<unknown>;
      return s.status === 'rejected' ? [`${name}: ${s.reason instanceof Error ? s.reason.message : String(s.reason)}`] : [];
    });
    throw new Error(`scratch servers did not start: ${reasons.join('; ')}`);
  }
  const [pg, temporal, stripe] = [pgStart.value, temporalStart.value, stripeStart.value];
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
    stripeUrl: stripe.url,
    async stop() {
      await Promise.allSettled([temporal.stop(), pg.stop(), stripe.stop()]);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
