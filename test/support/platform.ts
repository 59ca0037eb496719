/**
 * Runs the real API (on a free port) and the real worker in the test process, against the
 * shared PostgreSQL and Temporal servers started by global-setup.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { MikroORM } from '@mikro-orm/postgresql';
import { buildApp } from '../../api/app.ts';
import { openOrm } from '../../db/orm.ts';
import type { DemoCredential } from '../../db/seed/demo-data.ts';
import { loadConfig, type FilesConfig, type MessagingConfig } from '../../platform/config.ts';
import { createLogger, type Logger } from '../../platform/logger.ts';
import { createStripe, type Stripe } from '../../platform/stripe.ts';
import { startWorkers, type RunningWorkers } from '../../worker/run.ts';
import { deleteSchedules } from './schedules.ts';

/** Signs the access tokens of the API the tests run. */
export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123';
/** The Stripe webhook endpoint secret of the API the tests run. */
export const TEST_WEBHOOK_SECRET = 'whsec_test_virel_payments';

/**
 * The environment that points the platform's Stripe SDK at the tests' localstripe (also what
 * the tests' child processes get).
 */
export function testStripeEnv(): Record<string, string> {
  const url = new URL(process.env.TEST_STRIPE_URL ?? 'http://127.0.0.1:1');
  return {
    STRIPE_SECRET_KEY: 'sk_test_localstripe', STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    STRIPE_API_HOST: url.hostname, STRIPE_API_PORT: url.port, STRIPE_API_PROTOCOL: 'http',
  };
}

/** The tests' Stripe client (the SDK, against localstripe), built as the platform builds its own. */
export function testStripe(): Stripe {
  return createStripe(loadConfig(testStripeEnv()).stripe) as Stripe;
}

export function testEnv() {
  const databaseUrl = process.env.TEST_DATABASE_URL;
  const temporalAddress = process.env.TEST_TEMPORAL_ADDRESS;
  if (!databaseUrl || !temporalAddress) throw new Error('global-setup did not run: TEST_DATABASE_URL / TEST_TEMPORAL_ADDRESS missing');
  return { databaseUrl, temporalAddress, dataDir: process.env.TEST_DATA_DIR as string };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export interface TestPlatform {
  readonly url: string;
  readonly orm: MikroORM;
  readonly temporal: Client;
  /**
   * A GraphQL request, signed in as the demo owner unless `headers.authorization` is given
   * ('' sends none: anonymous).
   */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** An access token of the demo user with this role (the second operator: 'OPERATOR:sasha'). */
  tokenOf(role: string): Promise<string>;
  /** Headers signing a request in as that demo user. */
  as(role: string): Promise<Record<string, string>>;
  /** Rows of a query against the test database (checks only; changes go through the API). */
  sql<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  /** The id of the user with this email. */
  userId(email: string): Promise<string>;
  stop(): Promise<void>;
}

/** Headers that send this access token. */
export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** Rows of a query against a database, through its ORM's connection (what `TestPlatform.sql` is). */
export function sqlOf(orm: MikroORM): TestPlatform['sql'] {
  return <T = Record<string, unknown>>(query: string, params: unknown[] = []) => orm.em.getConnection().execute<T[]>(query, params) as Promise<T[]>;
}

const silent = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', service: 'test' });

/**
 * Messaging with no channel configured (no SMTP host, Telegram or WhatsApp token, webhook
 * signing key): a delivery fails at once, without retries, naming the missing setting. Tests of
 * the channels themselves pass real servers and stand-ins instead (test/messaging.test.ts).
 */
export const UNCONFIGURED_MESSAGING: MessagingConfig = { ...loadConfig({}).messaging, webhooks: { signingSecret: undefined, timeoutMs: 1000 } };

/**
 * `temporalUiUrl`: where the web app links workflows (the Temporal UI), as TEMPORAL_UI_URL does.
 * `automation`: the worker also runs the automation outbox dispatcher (a fast sweep). Off by
 * default, so suites that do not exercise automation see no rule acting on their entities.
 * `schedules`: the worker creates the Schedules (webhook sweep, reconciliation, calendar imports, mismatch sweep);
 * stop() deletes them again, so that they do not fire in the files that run after (test/support/schedules.ts).
 */
/** The file store of the tests' API and worker: a folder of the test data directory. */
export function testFiles(overrides: Partial<FilesConfig> = {}): FilesConfig {
  return { ...loadConfig({}).files, storageDir: path.join(testEnv().dataDir, 'files'), ...overrides };
}

/**
 * `files`: upload limits (and folder) other than testFiles()' defaults.
 * `calendarImportAllowHosts`: CALENDAR_IMPORT_ALLOW_HOSTS as the API and worker read it (e.g. the
 * tests' loopback calendar server, `127.0.0.1:<port>`); absent: none, as in production by default.
 * `workerLogger`: where the worker logs (silent unless given).
 */
export async function startTestPlatform(options: {
  worker?: boolean; messaging?: MessagingConfig; temporalUiUrl?: string; automation?: boolean; schedules?: boolean; files?: Partial<FilesConfig>;
  calendarImportAllowHosts?: string; workerLogger?: Logger;
} = {}): Promise<TestPlatform> {
  const env = testEnv();
  const files = testFiles(options.files);
  // Read through the platform's own configuration, as the processes read the variable.
  const { outbound } = loadConfig({ CALENDAR_IMPORT_ALLOW_HOSTS: options.calendarImportAllowHosts ?? '' });
  const orm = await openOrm(env.databaseUrl);
  const connection = await Connection.connect({ address: env.temporalAddress });
  const temporal = new Client({ connection, namespace: 'default' });
  let workers: RunningWorkers | undefined;
  if (options.worker !== false) {
    workers = await startWorkers({
      databaseUrl: env.databaseUrl,
      temporalAddress: env.temporalAddress,
      namespace: 'default',
      metricsAddress: undefined,
      logger: options.workerLogger ?? silent,
      messaging: options.messaging ?? UNCONFIGURED_MESSAGING,
      automation: { dispatcher: options.automation === true, sweepMs: 250 },
      // Stored Stripe webhooks are delivered by workers (the API only acknowledges them).
      webhookDelivery: true,
      stripe: loadConfig(testStripeEnv()).stripe,
      // The Schedules fire on their own every minute; tests that need them trigger them.
      schedules: options.schedules ? { sweepEverySeconds: 3600, reconcileEveryMinutes: 600, calendarImportEveryMinutes: 600, mismatchSweepEverySeconds: 3600 } : false,
      files,
      outbound,
    });
  }
  const app = buildApp({
    orm, temporal, temporalAddress: env.temporalAddress, namespace: 'default', logger: silent, production: false, jwtSecret: TEST_JWT_SECRET,
    temporalUiUrl: options.temporalUiUrl, stripeWebhook: { secret: TEST_WEBHOOK_SECRET, toleranceSeconds: 300 }, files, outbound,
  });
  const url = await app.start('127.0.0.1', 0);
  const post = async (query: string, variables: Record<string, unknown> | undefined, headers: Record<string, string>) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<never>;
  };
  const tokens = new Map<string, Promise<string>>();
  const tokenOf = (role: string) => {
    if (!tokens.has(role)) {
      const credentials = JSON.parse(readFileSync(path.join(env.dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredential[];
      const [code, name] = role.split(':');
      const who = credentials.find((c) => c.role === code && (!name || c.email.startsWith(`${name}@`)));
      if (!who) throw new Error(`no demo user for ${role}`);
      tokens.set(role, post('mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }', { e: who.email, p: who.password }, {})
        .then((r) => (r.data as unknown as { login: { accessToken: string } }).login.accessToken));
    }
    return tokens.get(role) as Promise<string>;
  };
  return {
    url,
    orm,
    temporal,
    tokenOf,
    as: async (role) => ({ authorization: `Bearer ${await tokenOf(role)}` }),
    sql: sqlOf(orm),
    async userId(email) {
      const [row] = await orm.em.getConnection().execute<Array<{ id: string }>>('SELECT id FROM users WHERE email = ?', [email]);
      if (!row) throw new Error(`no user ${email}`);
      return row.id;
    },
    async gql(query, variables, headers = {}) {
      const { authorization, ...rest } = headers;
      const auth = authorization === undefined ? `Bearer ${await tokenOf('OWNER')}` : authorization;
      return post(query, variables, auth ? { ...rest, authorization: auth } : rest);
    },
    async stop() {
      try {
        await app.stop();
        if (workers && options.schedules) await deleteSchedules(temporal);
      } finally {
        await workers?.shutdown();
        await connection.close();
        await orm.close();
      }
    },
  };
}
