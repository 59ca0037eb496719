/**
 * The official Temporal CLI dev server (`temporal server start-dev`) with its Web UI,
 * persisting to a SQLite file under the data folder so workflows survive a restart.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { startSupervised, stopStaleProcess, type Supervised } from './child-process.ts';
import { assertPortFree } from './ports.ts';
import { resolveTemporalCli } from './temporal-binaries.ts';

export interface DevServerOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly uiPort: number;
  readonly namespace: string;
  readonly cliPath?: string | undefined;
  /** Run the server in its own process group (the launcher: a terminal's Ctrl-C reaches only the launcher). */
  readonly ownProcessGroup?: boolean;
  /** Start without the Web UI (tests). */
  readonly headless?: boolean;
  readonly onOutput?: (line: string) => void;
}

export interface DevServer {
  readonly address: string;
  readonly uiUrl: string | undefined;
  readonly dbFile: string;
  stop(): Promise<void>;
}

export async function waitForTemporal(address: string, timeoutMs: number, exited?: Promise<unknown>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let dead = false;
  void exited?.then(() => (dead = true));
  while (Date.now() < deadline && !dead) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.healthService.check({});
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`Temporal at ${address} did not become ready${dead ? ' (the server process exited)' : ''}: ${String(lastError)}`);
}

export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const cli = await resolveTemporalCli(options.cliPath);
  const dir = path.join(options.dataDir, 'temporal');
  await mkdir(dir, { recursive: true });
  const pidFile = path.join(dir, 'server.pid');
  await stopStaleProcess(pidFile, 'start-dev');
  // Otherwise a server someone else runs on the port would answer the readiness check.
  await assertPortFree('127.0.0.1', options.port, 'Temporal frontend', 'TEMPORAL_PORT (or use it via TEMPORAL_ADDRESS)');
  if (!options.headless) await assertPortFree('127.0.0.1', options.uiPort, 'Temporal UI', 'TEMPORAL_UI_PORT');
  const dbFile = path.join(dir, 'temporal.db');
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--namespace', options.namespace,
    '--db-filename', dbFile,
    // WAL lets readers and the single writer proceed together: markedly faster updates.
    '--sqlite-pragma', 'journal_mode=wal',
    '--log-format', 'json',
    '--log-level', 'warn',
  ];
  if (options.headless) {
    args.push('--headless');
  } else {
    args.push('--ui-ip', '127.0.0.1', '--ui-port', String(options.uiPort));
  }
  const server: Supervised = await startSupervised('temporal', cli, args, {
    pidFile,
    detached: options.ownProcessGroup ?? false,
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
  });
  const address = `127.0.0.1:${options.port}`;
  try {
    await waitForTemporal(address, 60_000, server.exited);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    address,
    uiUrl: options.headless ? undefined : `http://127.0.0.1:${options.uiPort}`,
    dbFile,
    stop: () => server.stop(),
  };
}
