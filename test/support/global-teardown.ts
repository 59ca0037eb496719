/** Stops the shared servers and removes their throwaway data folder. */
import { rm } from 'node:fs/promises';

interface Servers {
  pg: { stop(): Promise<void> };
  temporal: { stop(): Promise<void> };
  dataDir: string;
}

export default async function globalTeardown(): Promise<void> {
  const servers = (globalThis as { __virelServers?: Servers }).__virelServers;
  if (!servers) return;
  await Promise.allSettled([servers.temporal.stop(), servers.pg.stop()]);
  await rm(servers.dataDir, { recursive: true, force: true });
}
