/**
 * The API process's one dedicated PostgreSQL connection for realtime: LISTENs on the channels it
 * is given and reconnects with capped exponential backoff when the connection drops. It is
 * deliberately not from MikroORM's pool: a pooled connection is handed to other work and LISTEN
 * registrations die with it. After every reconnect `onConnected` runs (the hub catches up there).
 */
import pg from 'pg';
import type { Logger } from '../../platform/logger.ts';

export interface ListenerOptions {
  readonly connectionString: string;
  readonly channels: readonly string[];
  readonly logger: Logger;
  /** Shows in pg_stat_activity, so operators (and tests) can find this connection. */
  readonly applicationName: string;
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  onNotification(channel: string, payload: string): void;
  /** After LISTEN on a (re)connected client; `reconnected` is false on the first connect. */
  onConnected(client: pg.Client, reconnected: boolean): Promise<void>;
}

export interface Listener {
  /** Resolves once the first connection listens (retrying until then). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The connected client, for the hub's own queries; undefined while reconnecting. */
  readonly client: pg.Client | undefined;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

export function createListener(options: ListenerOptions): Listener {
  let client: pg.Client | undefined;
  let stopped = false;
  let attempts = 0;
  let everConnected = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let firstConnect: { resolve: () => void } | undefined;

  const delay = () => {
    const base = Math.min(options.backoff.maxMs, options.backoff.initialMs * 2 ** Math.min(attempts, 16));
    // Jitter: several API processes losing the same server do not all come back at once.
    return Math.round(base * (0.75 + Math.random() * 0.5));
  };

  function scheduleReconnect() {
    if (stopped || retryTimer) return;
    const wait = delay();
    attempts++;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, wait);
  }

  function lost(candidate: pg.Client, err?: Error) {
    if (client !== candidate) return;
    client = undefined;
    candidate.removeAllListeners('notification');
    candidate.on('error', () => undefined);
    void candidate.end().catch(() => undefined);
    if (stopped) return;
    options.logger.warn({ err }, 'realtime listener lost its PostgreSQL connection; reconnecting');
    scheduleReconnect();
  }

  async function connect(): Promise<void> {
    const candidate = new pg.Client({ connectionString: options.connectionString, application_name: options.applicationName, keepAlive: true });
    candidate.on('error', (err) => lost(candidate, err));
    candidate.on('end', () => lost(candidate));
    candidate.on('notification', (message) => options.onNotification(message.channel, message.payload ?? ''));
    try {
      await candidate.connect();
      client = candidate;
      for (const channel of options.channels) await candidate.query(`LISTEN ${quoteIdent(channel)}`);
      if (stopped) {
        await candidate.end();
        return;
      }
      const reconnected = everConnected;
      everConnected = true;
      attempts = 0;
      if (reconnected) options.logger.info('realtime listener reconnected');
      try {
        await options.onConnected(candidate, reconnected);
      } catch (err) {
        // A lost connection reports itself ('error' / 'end'); anything else is not cured by reconnecting.
        options.logger.warn({ err }, 'realtime listener: work after connecting failed');
      }
      firstConnect?.resolve();
      firstConnect = undefined;
    } catch (err) {
      if (client === candidate) {
        lost(candidate, err as Error);
      } else {
        candidate.on('error', () => undefined);
        void candidate.end().catch(() => undefined);
        if (!stopped) {
          options.logger.warn({ err }, 'realtime listener could not connect; retrying');
          scheduleReconnect();
        }
      }
    }
  }

  return {
    get client() {
      return client;
    },
    start() {
      return new Promise<void>((resolve) => {
        firstConnect = { resolve };
        void connect();
      });
    },
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      firstConnect?.resolve();
      const current = client;
      client = undefined;
      if (current) {
        current.removeAllListeners('end');
        await current.end().catch(() => undefined);
      }
    },
  };
}
