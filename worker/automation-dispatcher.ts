/**
 * The outbox dispatcher's loop, run inside every worker process (services/automation-dispatch.ts
 * does one batch). Woken by the change log's NOTIFY (a dedicated LISTEN connection) for speed,
 * and by a periodic sweep for safety: a NOTIFY lost while disconnected, a crash between commit
 * and dispatch, or a batch that failed are all picked up by the next sweep.
 *
 * Why a worker-side loop and not a long-running Temporal workflow: dispatching is reading the
 * outbox and starting workflows. From inside a workflow every poll would be an activity and a
 * history event (continue-as-new every few thousand), and the wake-up would still have to come
 * from a NOTIFY listener outside Temporal; the latency budget (event → first action) would pay
 * for a workflow task and an activity task per batch. The loop holds no state of its own — the
 * outbox row (published_at) is the state, changed in the same transaction that records the
 * executions — so any number of workers run it side by side (SKIP LOCKED) and a killed one
 * loses nothing.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { CHANGES_CHANNEL } from '../db/change-log.ts';
import type { Logger } from '../platform/logger.ts';
import { createDispatcher, DISPATCH_BATCH, type DispatchedBatch } from '../services/automation-dispatch.ts';
import { reconcileSchedules } from '../services/automation-schedules.ts';
import { startNotifiedLoop } from './notified-loop.ts';

export interface DispatcherLoopOptions {
  readonly orm: MikroORM;
  readonly temporal: Client;
  readonly databaseUrl: string;
  readonly logger: Logger;
  readonly sweepMs: number;
  /** Told about every batch (metrics). */
  readonly onBatch?: ((batch: DispatchedBatch) => void) | undefined;
}

export interface DispatcherLoop {
  stop(): Promise<void>;
}

export async function startDispatcherLoop(options: DispatcherLoopOptions): Promise<DispatcherLoop> {
  const dispatcher = createDispatcher({ orm: options.orm, temporal: options.temporal });
  const log = options.logger.child({ component: 'automation-dispatcher' });
  // Schedules of rules saved just before a crash (their schedule call lost) are put right.
  await reconcileSchedules(options.orm.em.fork(), options.temporal).catch((err: unknown) => log.warn({ err }, 'could not reconcile rule schedules'));
  const loop = await startNotifiedLoop({
    databaseUrl: options.databaseUrl, channel: CHANGES_CHANNEL, name: 'virel-automation-dispatcher', sweepMs: options.sweepMs, logger: log,
    async batch() {
      const batch = await dispatcher.dispatchBatch();
      if (batch.events > 0) options.onBatch?.(batch);
      return batch.events === DISPATCH_BATCH;
    },
  });
  log.info({ sweepMs: options.sweepMs }, 'automation dispatcher running');
  return loop;
}
