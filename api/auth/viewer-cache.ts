/**
 * A per-process cache of signed-in viewers (the active user of an open session, with roles and
 * permissions), so a request does not query the session, user and roles every time.
 *
 * Correctness comes from PostgreSQL, not from the clock:
 * - Every change that alters a viewer sends a NOTIFY in the transaction that makes it (delivered only
 *   if it commits): a revoked session or user on SESSIONS_CHANNEL (api/auth/sessions.ts), a user's
 *   status / name / email / roles, or a role's permissions, on VIEWERS_CHANNEL (notifyViewerChanged).
 *   This process LISTENs on both on its own connection and drops the entries concerned.
 * - A hit is served only after a round trip on that same connection (a barrier, shared by the
 *   requests that arrive while one is in flight). PostgreSQL signals listeners before it answers the
 *   COMMIT and sends a pending notification before it answers the next query on the listening
 *   connection, so once the barrier returns, every change committed before this request was sent
 *   (by any process or connection) has been heard. Revocation therefore holds from the very next
 *   request, as when the session was queried; the barrier costs a trivial round trip, not a planned
 *   query over five tables.
 * - An entry loaded while a change was heard is not kept (a generation counter), and without a
 *   listening connection (not yet connected, reconnecting) nothing is cached or served from cache;
 *   a reconnect starts empty, since notifications may have been missed meanwhile.
 * - A TTL bounds an entry's life anyway (a change written without its NOTIFY, by hand).
 */
import type pg from 'pg';
import type { Logger } from '../../platform/logger.ts';
import { createListener } from '../realtime/listener.ts';
import { SESSIONS_CHANNEL, type Viewer } from './sessions.ts';
import { VIEWERS_CHANNEL } from '../../db/viewer-changes.ts';

export { VIEWERS_CHANNEL, notifyViewerChanged, type ViewerChange } from '../../db/viewer-changes.ts';

export interface ViewerCacheOptions {
  readonly databaseUrl: string;
  readonly logger: Logger;
  /** Safety net: an entry is reloaded after this long whatever was heard. */
  readonly ttlMs?: number;
  readonly maxEntries?: number;
  /** A barrier that takes longer than this falls back to loading the viewer. */
  readonly barrierTimeoutMs?: number;
  readonly applicationName?: string;
}

export interface ViewerCache {
  /** The viewer of this session, from the cache when it is still valid, else from `load` (and kept). */
  get(userId: string, sessionId: string, load: () => Promise<Viewer | undefined>): Promise<Viewer | undefined>;
  /** Entries held (for tests and metrics). */
  readonly size: number;
  /** The LISTEN connection's application_name (pg_stat_activity). */
  readonly applicationName: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface Entry {
  readonly viewer: Viewer;
  readonly expiresAt: number;
}

export const DEFAULT_VIEWER_TTL_MS = 30_000;

export function createViewerCache(options: ViewerCacheOptions): ViewerCache {
  const ttlMs = options.ttlMs ?? DEFAULT_VIEWER_TTL_MS;
  const maxEntries = options.maxEntries ?? 10_000;
  const barrierTimeoutMs = options.barrierTimeoutMs ?? 1_000;
  const applicationName = options.applicationName ?? `virel-viewers-${process.pid}`;
  const log = options.logger.child({ component: 'viewer-cache' });
  /** By session id. */
  const entries = new Map<string, Entry>();
  /** Bumped by every invalidation: a load that overlapped one is not kept. */
  let generation = 0;
  /** The connection that LISTENs, once it does (and the cache is valid for it). */
  let active: pg.Client | undefined;

  function clear() {
    generation++;
    entries.clear();
  }

  function drop(match: (viewer: Viewer) => boolean) {
    generation++;
    for (const [sessionId, entry] of entries) if (match(entry.viewer)) entries.delete(sessionId);
  }

  function onNotification(channel: string, payload: string) {
    let change: { sessionId?: unknown; userId?: unknown; roleCode?: unknown };
    try {
      change = JSON.parse(payload) as typeof change;
    } catch {
      // Unreadable: drop everything rather than guess.
      clear();
      return;
    }
    if (channel === SESSIONS_CHANNEL && typeof change.sessionId === 'string') {
      generation++;
      entries.delete(change.sessionId);
    } else if (typeof change.userId === 'string') {
      drop((viewer) => viewer.id === change.userId);
    } else if (typeof change.roleCode === 'string') {
      drop((viewer) => viewer.roles.includes(change.roleCode as string));
    } else {
      clear();
    }
  }

  const listener = createListener({
    connectionString: options.databaseUrl,
    channels: [SESSIONS_CHANNEL, VIEWERS_CHANNEL],
    logger: log,
    applicationName,
    backoff: { initialMs: 250, maxMs: 10_000 },
    onNotification,
    async onConnected(client) {
      // Whatever was missed while not listening is unknown: start empty.
      clear();
      active = client;
    },
  });

  /** Usable only while the connection that listens is the one the cache was (re)started on. */
  const listening = () => (active && listener.client === active ? active : undefined);

  let inFlight: Promise<boolean> | undefined;
  let queued: Promise<boolean> | undefined;

  function ping(client: pg.Client): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), barrierTimeoutMs);
    });
    const roundTrip = client.query('SELECT 1').then(() => true, () => false);
    return Promise.race([roundTrip, timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Resolves true once every notification committed before the call has been handled; false when
   * that cannot be known (no connection, an error, too slow). Requests that arrive while a round
   * trip is in flight share the next one (the one in flight may have been sent before their change).
   */
  function barrier(): Promise<boolean> {
    if (queued) return queued;
    if (!inFlight) {
      const client = listening();
      if (!client) return Promise.resolve(false);
      inFlight = ping(client).finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    }
    queued = inFlight.then(() => {
      queued = undefined;
      return barrier();
    });
    return queued;
  }

  return {
    get size() {
      return entries.size;
    },
    applicationName,
    async get(userId, sessionId, load) {
      if (!listening()) return load();
      const entry = entries.get(sessionId);
      if (entry && entry.viewer.id === userId && entry.expiresAt > Date.now()) {
        if ((await barrier()) && entries.get(sessionId) === entry) return entry.viewer;
      }
      const loadedIn = generation;
      const client = listening();
      const viewer = await load();
      if (viewer && client && generation === loadedIn && listening() === client) {
        entries.delete(sessionId);
        entries.set(sessionId, { viewer, expiresAt: Date.now() + ttlMs });
        // Oldest first: Map keeps insertion order.
        if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      }
      return viewer;
    },
    start: () => listener.start(),
    async stop() {
      active = undefined;
      clear();
      await listener.stop();
    },
  };
}
