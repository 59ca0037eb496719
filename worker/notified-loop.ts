/**
 * A loop over work kept in PostgreSQL, run inside a worker process: woken by a NOTIFY on a
 * channel (a dedicated LISTEN connection) for speed, and by a periodic sweep for safety (a NOTIFY
 * lost while disconnected, a process that died between storing and notifying, a batch that
 * failed). The work's state lives in its rows, so any number of workers run the same loop side
 * by side and a killed one loses nothing. Used by the automation outbox dispatcher and by the
 * delivery of stored Stripe webhooks.
 */
import pg from 'pg';
import type { Logger } from '../platform/logger.ts';

export interface NotifiedLoopOptions {
  readonly databaseUrl: string;
  /** The NOTIFY channel that says there is work. */
  readonly channel: string;
  /** The connection's application_name (what pg_stat_activity shows). */
  readonly name: string;
  readonly sweepMs: number;
  readonly logger: Logger;
  /** One batch of work; true when there may be more right away (a full batch). */
  readonly batch: () => Promise<boolean>;
}

export interface NotifiedLoop {
  stop(): Promise<void>;
}

export async function startNotifiedLoop(options: NotifiedLoopOptions): Promise<NotifiedLoop> {
  const log = options.logger;
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  let listener: pg.Client | undefined;

  async function drain(): Promise<void> {
    do {
      again = false;
      while (!stopped && (await options.batch()));
    } while (!stopped && again);
  }

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((err: unknown) => log.warn({ err }, 'batch failed; the next sweep retries'))
      .finally(() => {
        running = undefined;
      });
  }

  async function listen(): Promise<void> {
    const client = new pg.Client({ connectionString: options.databaseUrl, application_name: options.name, keepAlive: true });
    const drop = () => {
      if (listener === client) listener = undefined;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
    };
    client.on('error', drop);
    client.on('end', drop);
    client.on('notification', kick);
    try {
      await client.connect();
      await client.query(`LISTEN ${options.channel}`);
      listener = client;
    } catch (err) {
      log.warn({ err }, 'could not LISTEN; sweeping only until it can');
      drop();
    }
  }

  await listen();
  const sweep = setInterval(() => {
    // Reconnect a lost listener here: the sweep keeps the work going meanwhile.
    if (!listener && !stopped) void listen();
    kick();
  }, options.sweepMs);
  kick();

  return {
    async stop() {
      stopped = true;
      clearInterval(sweep);
      await running;
      const client = listener;
      listener = undefined;
      if (client) {
        client.removeAllListeners();
        client.on('error', () => undefined);
        await client.end().catch(() => undefined);
      }
    },
  };
}
