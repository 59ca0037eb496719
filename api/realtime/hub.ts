/**
 * In-process fan-out of committed changes to this process's subscribers, and of session
 * revocations to its sockets. Fed by one LISTEN connection (listener.ts): every API process hears
 * every commit, so a subscriber gets a change whichever process made it.
 *
 * Changes are processed in arrival order, in batches: one query loads every event of a batch with
 * its entity's current row, once per process, not per subscriber. After a lost connection the hub
 * catches up from domain_events (everything committed since shortly before the last event it
 * saw, minus what it already delivered), so a dropped connection loses nothing.
 *
 * Rule executions' status changes (db/execution-notices.ts) arrive on their own channel and go,
 * loaded the same way, to execution subscribers who may read executions (executions.ts).
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../platform/logger.ts';
import type { Viewer } from '../auth/sessions.ts';
import { SESSIONS_CHANNEL } from '../auth/sessions.ts';
import { CHANGES_CHANNEL, parseChangeNotice } from '../../db/change-log.ts';
import { EXECUTIONS_CHANNEL, parseExecutionNotice, type ExecutionNotice } from '../../db/execution-notices.ts';
import {
  loadExecutionUpdates, mayReadExecutions, noticeKey, recentExecutionNotices, type ExecutionUpdate,
} from './executions.ts';
import { audienceOf, loadChanges, type EntityUpdate, type LoadedChange, type UpdateKind } from './changes.ts';
import { createListener } from './listener.ts';
import { createStream } from './stream.ts';

/** Why a socket is closed: 4403 makes graphql-ws clients reconnect (and so re-authenticate). */
export const SESSION_ENDED = { code: 4403, reason: 'session ended' } as const;

export interface RealtimeOptions {
  /** First reconnect delay; doubles per failed attempt up to maxBackoffMs. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** How far before the last seen event a catch-up looks (transactions commit out of start order). */
  readonly catchUpWindowMs: number;
  /** Updates buffered per subscriber that is not reading. */
  readonly subscriberBuffer: number;
}

export const DEFAULT_REALTIME_OPTIONS: RealtimeOptions = { initialBackoffMs: 250, maxBackoffMs: 10_000, catchUpWindowMs: 60_000, subscriberBuffer: 1000 };

/** Decides, per change, what a subscription delivers (undefined: nothing). */
export type SubscriptionFilter = (change: LoadedChange, audience: 'visible' | 'leaving') => UpdateKind | undefined;

export interface TrackedSocket {
  readonly sessionId: string;
  readonly userId: string;
  close(code: number, reason: string): void;
}

export interface RealtimeHub {
  /** A live stream of the changes this viewer may see that `filter` selects; ends on return(). */
  subscribe(viewer: Viewer, filter: SubscriptionFilter): AsyncIterableIterator<EntityUpdate>;
  /** A live stream of the rule executions' status changes `filter` selects, for a viewer who may read executions; ends on return(). */
  subscribeExecutions(viewer: Viewer, filter: (update: ExecutionUpdate) => boolean): AsyncIterableIterator<ExecutionUpdate>;
  /** Closes the socket when its session or user is revoked (by any API process). */
  trackSocket(socket: TrackedSocket): () => void;
  /** The listener connection's application_name (pg_stat_activity). */
  readonly applicationName: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface Subscriber {
  readonly viewer: Viewer;
  readonly filter: SubscriptionFilter;
  push(update: EntityUpdate): void;
}

/** Ids delivered recently, so a catch-up never delivers a change twice. */
const SEEN_LIMIT = 100_000;

export function createRealtimeHub(deps: {
  databaseUrl: string;
  logger: Logger;
  registry: Registry;
  options?: Partial<RealtimeOptions>;
}): RealtimeHub {
  const options = { ...DEFAULT_REALTIME_OPTIONS, ...deps.options };
  const log = deps.logger.child({ component: 'realtime' });
  const applicationName = `virel-realtime:${process.pid}:${randomUUID().slice(0, 8)}`;
  const subscribers = new Set<Subscriber>();
  const executionSubscribers = new Set<{ readonly viewer: Viewer; readonly filter: (update: ExecutionUpdate) => boolean; push(update: ExecutionUpdate): void }>();
  const subscriberCount = () => subscribers.size + executionSubscribers.size;
  const socketsBySession = new Map<string, Set<TrackedSocket>>();
  const socketsByUser = new Map<string, Set<TrackedSocket>>();

  const metrics = {
    subscribers: new Gauge({ name: 'virel_realtime_subscribers', help: 'Open subscriptions in this API process', registers: [deps.registry] }),
    sockets: new Gauge({ name: 'virel_realtime_sockets', help: 'Authenticated graphql-ws sockets in this API process', registers: [deps.registry] }),
    changes: new Counter({ name: 'virel_realtime_changes_total', help: 'Committed changes loaded for delivery, by how they arrived', labelNames: ['source'] as const, registers: [deps.registry] }),
    deliveries: new Counter({ name: 'virel_realtime_deliveries_total', help: 'Updates pushed to subscriptions', registers: [deps.registry] }),
    dropped: new Counter({ name: 'virel_realtime_dropped_total', help: 'Updates dropped because a subscriber stopped reading', registers: [deps.registry] }),
    reconnects: new Counter({ name: 'virel_realtime_reconnects_total', help: 'Reconnections of the LISTEN connection', registers: [deps.registry] }),
  };

  // Arrival order is delivery order: one batch at a time.
  let pending: string[] = [];
  let pendingExecutions: ExecutionNotice[] = [];
  let draining: Promise<void> | undefined;
  const seen = new Set<string>();
  /** created_at (ms, database clock) of the newest event seen; the catch-up starts before it. */
  let watermark: number | undefined;

  function remember(change: { eventId: string; occurredAt: Date }) {
    seen.add(change.eventId);
    watermark = Math.max(watermark ?? 0, change.occurredAt.getTime());
    if (seen.size > SEEN_LIMIT) {
      // Oldest first (insertion order); a tenth at a time, so pruning is rare.
      for (const id of seen) {
        seen.delete(id);
        if (seen.size <= SEEN_LIMIT * 0.9) break;
      }
    }
  }

  function deliver(change: LoadedChange) {
    for (const subscriber of subscribers) {
      const audience = audienceOf(subscriber.viewer, change);
      if (!audience) continue;
      const kind = subscriber.filter(change, audience);
      if (!kind) continue;
      subscriber.push({
        eventId: change.eventId, eventType: change.eventType, kind, entityType: change.entityType, entityId: change.entityId,
        ref: change.ref, status: change.status, assigneeId: change.assigneeId, previousAssigneeId: change.previousAssigneeId,
        visible: audience === 'visible', occurredAt: change.occurredAt,
      });
      metrics.deliveries.inc();
    }
  }

  function deliverExecution(update: ExecutionUpdate) {
    for (const subscriber of executionSubscribers) {
      // Permissions are the socket's, as at subscribe time; checked again per update like changes.
      if (!mayReadExecutions(subscriber.viewer) || !subscriber.filter(update)) continue;
      subscriber.push(update);
      metrics.deliveries.inc();
    }
  }

  async function processExecutions(client: pg.Client, notices: ExecutionNotice[], source: 'notify' | 'catch_up') {
    const fresh = notices.filter((n) => !seen.has(noticeKey(n)));
    for (const update of await loadExecutionUpdates(client, fresh)) {
      if (seen.has(update.key)) continue;
      remember({ eventId: update.key, occurredAt: update.occurredAt });
      metrics.changes.inc({ source });
      deliverExecution(update);
    }
  }

  async function processBatch(client: pg.Client, ids: string[], source: 'notify' | 'catch_up') {
    const fresh = ids.filter((id) => !seen.has(id));
    const changes = await loadChanges(client, fresh);
    for (const change of changes) {
      if (seen.has(change.eventId)) continue;
      remember(change);
      metrics.changes.inc({ source });
      deliver(change);
    }
  }

  function drain() {
    draining ??= (async () => {
      while (pending.length > 0 || pendingExecutions.length > 0) {
        const client = listener.client;
        // Disconnected: what is pending is recovered by the catch-up after reconnecting.
        if (!client) {
          pending = [];
          pendingExecutions = [];
          break;
        }
        const batch = pending;
        const executions = pendingExecutions;
        pending = [];
        pendingExecutions = [];
        for (let attempt = 1; ; attempt++) {
          try {
            await processBatch(client, batch, 'notify');
            await processExecutions(client, executions, 'notify');
            break;
          } catch (err) {
            // A dropped connection is recovered by the catch-up after reconnecting; anything
            // else gets a few more tries.
            if (listener.client !== client || attempt === 3) {
              log.warn({ err, events: batch.length, attempt }, 'loading changes failed');
              break;
            }
            await new Promise((r) => setTimeout(r, 100 * attempt));
          }
        }
      }
      draining = undefined;
    })();
    return draining;
  }

  function closeSockets(sockets: Set<TrackedSocket> | undefined) {
    for (const socket of [...(sockets ?? [])]) socket.close(SESSION_ENDED.code, SESSION_ENDED.reason);
  }

  function onNotification(channel: string, payload: string) {
    if (channel === SESSIONS_CHANNEL) {
      let revoked: { sessionId?: string; userId?: string };
      try {
        revoked = JSON.parse(payload) as typeof revoked;
      } catch {
        return;
      }
      if (revoked.sessionId) closeSockets(socketsBySession.get(revoked.sessionId));
      if (revoked.userId) closeSockets(socketsByUser.get(revoked.userId));
      return;
    }
    if (channel === EXECUTIONS_CHANNEL) {
      const execution = parseExecutionNotice(payload);
      // Nobody here listens for executions: nothing to load.
      if (!execution || executionSubscribers.size === 0 || seen.has(noticeKey(execution))) return;
      pendingExecutions.push(execution);
      void drain();
      return;
    }
    const notice = parseChangeNotice(payload);
    if (!notice || seen.has(notice.eventId)) return;
    pending.push(notice.eventId);
    void drain();
  }

  async function catchUp(client: pg.Client) {
    await draining;
    const since = new Date((watermark ?? Date.now()) - options.catchUpWindowMs);
    const { rows } = await client.query<{ id: string }>(
      'SELECT id FROM domain_events WHERE created_at > $1 ORDER BY created_at, id LIMIT 10000', [since]);
    const missed = rows.map((r) => r.id).filter((id) => !seen.has(id));
    if (missed.length > 0) log.info({ missed: missed.length }, 'realtime catch-up after reconnecting');
    for (let i = 0; i < missed.length; i += 500) await processBatch(client, missed.slice(i, i + 500), 'catch_up');
    if (executionSubscribers.size === 0) return;
    // Rows keep only their latest status: a catch-up delivers each execution's status as it is now.
    const executions = (await recentExecutionNotices(client, since)).filter((n) => !seen.has(noticeKey(n)));
    for (let i = 0; i < executions.length; i += 500) await processExecutions(client, executions.slice(i, i + 500), 'catch_up');
  }

  const listener = createListener({
    connectionString: deps.databaseUrl,
    channels: [CHANGES_CHANNEL, SESSIONS_CHANNEL, EXECUTIONS_CHANNEL],
    logger: log,
    applicationName,
    backoff: { initialMs: options.initialBackoffMs, maxMs: options.maxBackoffMs },
    onNotification,
    async onConnected(client, reconnected) {
      if (!reconnected) {
        // The database clock, not ours: the catch-up compares it with created_at.
        const { rows } = await client.query<{ now: Date }>('SELECT clock_timestamp() AS now');
        watermark ??= rows[0]?.now.getTime();
        return;
      }
      metrics.reconnects.inc();
      await catchUp(client);
    },
  });

  function track(map: Map<string, Set<TrackedSocket>>, key: string, socket: TrackedSocket) {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(socket);
    return () => {
      set.delete(socket);
      if (set.size === 0 && map.get(key) === set) map.delete(key);
    };
  }

  return {
    applicationName,
    subscribe(viewer, filter) {
      const subscriber: Subscriber = {
        viewer,
        filter,
        push: (update) => stream.push(update),
      };
      const stream = createStream<EntityUpdate>({
        capacity: options.subscriberBuffer,
        onOverflow: () => metrics.dropped.inc(),
        onClose: () => {
          subscribers.delete(subscriber);
          metrics.subscribers.set(subscriberCount());
        },
      });
      subscribers.add(subscriber);
      metrics.subscribers.set(subscriberCount());
      return stream;
    },
    subscribeExecutions(viewer, filter) {
      const subscriber = { viewer, filter, push: (update: ExecutionUpdate) => stream.push(update) };
      const stream = createStream<ExecutionUpdate>({
        capacity: options.subscriberBuffer,
        onOverflow: () => metrics.dropped.inc(),
        onClose: () => {
          executionSubscribers.delete(subscriber);
          metrics.subscribers.set(subscriberCount());
        },
      });
      executionSubscribers.add(subscriber);
      metrics.subscribers.set(subscriberCount());
      return stream;
    },
    trackSocket(socket) {
      const untrackSession = track(socketsBySession, socket.sessionId, socket);
      const untrackUser = track(socketsByUser, socket.userId, socket);
      metrics.sockets.inc();
      let tracked = true;
      return () => {
        if (!tracked) return;
        tracked = false;
        untrackSession();
        untrackUser();
        metrics.sockets.dec();
      };
    },
    start: () => listener.start(),
    async stop() {
      await listener.stop();
      await draining;
    },
  };
}
