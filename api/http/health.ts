/**
 * GET /api/v1/health: real checks of PostgreSQL (a query) and Temporal (the gRPC health
 * service). 200 when both answer, 503 naming what is down otherwise.
 */
import type { Connection } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Request, Response } from 'express';

interface CheckResult {
  readonly status: 'up' | 'down';
  readonly latencyMs: number;
  readonly error?: string;
}

const CHECK_TIMEOUT_MS = 2000;

async function timed(check: () => Promise<unknown>): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { status: 'up', latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      status: 'down',
      latencyMs: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

export function healthHandler(deps: { orm: MikroORM; temporal: Connection; namespace: string }) {
  return async (_req: Request, res: Response) => {
    const [postgres, temporal] = await Promise.all([
      timed(() => deps.orm.em.getConnection().execute('SELECT 1')),
      // The deadline ends the gRPC call itself, so no retry outlives the check.
      timed(() => deps.temporal.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => deps.temporal.workflowService.getSystemInfo({}))),
    ]);
    const ok = postgres.status === 'up' && temporal.status === 'up';
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : 'degraded',
      checks: { postgres, temporal: { ...temporal, namespace: deps.namespace } },
      time: new Date().toISOString(),
    });
  };
}
