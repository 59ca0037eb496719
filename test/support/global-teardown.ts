/** Stops the shared servers and removes their throwaway data folder. */
import type { ScratchServers } from '../../launcher/scratch-servers.ts';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __virelServers?: ScratchServers }).__virelServers?.stop();
}
