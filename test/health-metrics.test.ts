/**
 * GET /api/v1/health checks PostgreSQL and Temporal for real (503 naming what is down), and
 * GET /metrics serves Prometheus text with process, HTTP and GraphQL latency (in production
 * behind METRICS_TOKEN, or on API_METRICS_ADDRESS only). The "down"
 * cases use a private PostgreSQL and Temporal server of their own, stopped mid-test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Client, Connection } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import { buildApp, type App } from '../api/app.ts';
import { migrate, openOrm } from '../db/orm.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../launcher/embedded-postgres.ts';
import { startTemporalDevServer, type DevServer } from '../launcher/temporal-dev-server.ts';
import { createLogger } from '../platform/logger.ts';
import { freePort } from '../launcher/ports.ts';

let dataDir: string;
let pg: EmbeddedDatabase;
let temporalServer: DevServer;
let orm: MikroORM;
let connection: Connection;
let app: App;
let url: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'virel-health-'));
  [pg, temporalServer] = await Promise.all([
    startEmbeddedPostgres({ dataDir, port: await freePort(), onWarning: () => undefined }),
    startTemporalDevServer({ dataDir, port: await freePort(), uiPort: 0, namespace: 'default', headless: true }),
  ]);
  orm = await openOrm(pg.url);
  await migrate(orm);
  connection = await Connection.connect({ address: temporalServer.address });
  app = buildApp({
    orm,
    temporal: new Client({ connection }),
    temporalAddress: temporalServer.address,
    namespace: 'default',
    logger: createLogger({ level: 'silent', service: 'test' }),
    production: false,
    jwtSecret: 'health-test-secret-health-test-secret-01',
  });
  url = await app.start('127.0.0.1', 0);
});

afterAll(async () => {
  await app?.stop();
  await connection?.close().catch(() => undefined);
  await orm?.close().catch(() => undefined);
  await Promise.allSettled([temporalServer?.stop(), pg?.stop()]);
  await rm(dataDir, { recursive: true, force: true });
});

type Health = { status: string; checks: Record<string, { status: string; latencyMs: number; error?: string }> };
const health = async () => {
  const response = await fetch(`${url}/api/v1/health`);
  return { code: response.status, body: (await response.json()) as Health };
};

describe('health and metrics', () => {
  test('metrics: process, HTTP and GraphQL latency in Prometheus format', async () => {
    await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query Probe { __typename }', operationName: 'Probe' }),
    });
    const response = await fetch(`${url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="virel-api"\} \d/m);
    expect(text).toMatch(/^http_request_duration_seconds_count\{service="virel-api",method="POST",route="\/graphql",status="200"\} [1-9]/m);
    expect(text).toMatch(/^graphql_operation_duration_seconds_count\{service="virel-api",operation="Probe",type="query",outcome="ok"\} 1$/m);
  });

  test('in production, /metrics wants the bearer token, or lives only on the internal address', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const common = {
      orm, temporal: new Client({ connection }), temporalAddress: temporalServer.address, namespace: 'default',
      logger: createLogger({ level: 'silent', service: 'test' }), production: true, jwtSecret: 'health-test-secret-health-test-secret-01',
    };
    const guarded = buildApp({ ...common, metricsAccess: { token, address: undefined } });
    const internal = buildApp({ ...common, metricsAccess: { token: undefined, address: { host: '127.0.0.1', port: 0 } } });
    const unguarded = buildApp(common);
    try {
      // Production with neither (which the configuration refuses anyway): not served at all.
      expect((await fetch(`${await unguarded.start('127.0.0.1', 0)}/metrics`)).status).toBe(404);

      const guardedUrl = await guarded.start('127.0.0.1', 0);
      const anonymous = await fetch(`${guardedUrl}/metrics`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.text()).not.toContain('process_cpu');
      expect((await fetch(`${guardedUrl}/metrics`, { headers: { authorization: 'Bearer wrong-token-wrong-token-00' } })).status).toBe(401);
      const allowed = await fetch(`${guardedUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toContain('process_cpu_user_seconds_total');

      const publicUrl = await internal.start('127.0.0.1', 0);
      expect((await fetch(`${publicUrl}/metrics`)).status).toBe(404);
      expect(internal.metricsUrl).not.toBe(`${publicUrl}/metrics`);
      const scraped = await fetch(internal.metricsUrl);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('process_cpu_user_seconds_total');
      expect((await fetch(internal.metricsUrl.replace(/\/metrics$/, '/graphql'))).status).toBe(404);
    } finally {
      await Promise.all([guarded.stop(), internal.stop(), unguarded.stop()]);
    }
  });

  test('200 while PostgreSQL and Temporal answer; 503 naming each one that is down', async () => {
    const up = await health();
    expect(up.code).toBe(200);
    expect(up.body.status).toBe('ok');
    expect(up.body.checks.postgres?.status).toBe('up');
    expect(up.body.checks.temporal?.status).toBe('up');

    await temporalServer.stop();
    const temporalDown = await health();
    expect(temporalDown.code).toBe(503);
    expect(temporalDown.body.checks.temporal?.status).toBe('down');
    expect(temporalDown.body.checks.temporal?.error).toBeTruthy();
    expect(temporalDown.body.checks.postgres?.status).toBe('up');

    await pg.stop();
    const bothDown = await health();
    expect(bothDown.code).toBe(503);
    expect(bothDown.body.status).toBe('degraded');
    expect(bothDown.body.checks.postgres?.status).toBe('down');
    expect(bothDown.body.checks.temporal?.status).toBe('down');
  }, 30_000);
});
