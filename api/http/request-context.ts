/**
 * Per-request plumbing: a request id (taken from X-Request-Id or generated, echoed back),
 * a child logger carrying it, and the HTTP latency metric.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../platform/logger.ts';
import type { ApiMetrics } from './metrics.ts';

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
    log: Logger;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestContext(logger: Logger, metrics: ApiMetrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header('x-request-id');
    req.requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.log = logger.child({ requestId: req.requestId });
    res.setHeader('X-Request-Id', req.requestId);
    const started = performance.now();
    // Read now: mounted handlers (Yoga at /graphql) rewrite req.url while they run.
    const path = req.path;
    res.on('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      const route = req.route?.path ?? (path.startsWith('/graphql') ? '/graphql' : 'unmatched');
      metrics.httpDuration.observe({ method: req.method, route: String(route), status: String(res.statusCode) }, seconds);
      req.log.info(
        { method: req.method, path, status: res.statusCode, durationMs: Math.round(seconds * 1000) },
        'request',
      );
    });
    next();
  };
}
