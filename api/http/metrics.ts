/**
 * Prometheus metrics of an API process: process defaults, HTTP request latency and
 * GraphQL operation latency. Served at GET /metrics, to whom MetricsAccess allows
 * (platform/config.ts): behind a bearer token, and/or only on an internal address.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { MetricsAccess } from '../../platform/config.ts';

export interface ApiMetrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly graphqlDuration: Histogram<'operation' | 'type' | 'outcome'>;
}

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'virel-api' });
  collectDefaultMetrics({ register: registry });
  const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by method, route and status',
      labelNames: ['method', 'route', 'status'],
      buckets,
      registers: [registry],
    }),
    graphqlDuration: new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'GraphQL execution latency by operation name, type and outcome',
      labelNames: ['operation', 'type', 'outcome'],
      buckets,
      registers: [registry],
    }),
  };
}

/** Compared as digests, in constant time: the answer must not leak how much of a guess was right. */
function sameToken(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** GET /metrics: the Prometheus text, or 401 without the configured bearer token. */
export function metricsHandler(registry: Registry, token: string | undefined) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (token !== undefined && (given === undefined || !sameToken(given, token))) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="metrics"' }).end('metrics need Authorization: Bearer <METRICS_TOKEN>\n');
      return;
    }
    res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
  };
}

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/** The internal listener (API_METRICS_ADDRESS): /metrics and nothing else. */
export async function startMetricsServer(registry: Registry, access: MetricsAccess & { address: NonNullable<MetricsAccess['address']> }): Promise<MetricsServer> {
  const handle = metricsHandler(registry, access.token);
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') void handle(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(access.address.port, access.address.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : access.address.port;
  return {
    url: `http://${access.address.host.includes(':') ? `[${access.address.host}]` : access.address.host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
