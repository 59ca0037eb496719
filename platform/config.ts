/**
 * Configuration from environment variables, validated once at start.
 * Every process (launcher, API, worker, migrate) reads its settings through here,
 * so a typo in a variable fails fast with a message naming the variable.
 */
import path from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().min(1).default('.data'),

  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  EMBEDDED_POSTGRES_PORT: port.default(54329),

  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:/\s]+:\d+$/, 'must be host:port, e.g. 127.0.0.1:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_UI_URL: z.url().optional(),

  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(5000),
  WORKER_METRICS_ADDRESS: z
    .string()
    .regex(/^$|^[^:/\s]+:\d+$/, 'must be host:port, or empty to disable')
    .default('127.0.0.1:9464'),

  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(4000),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SEED_DEMO_DATA: z.enum(['true', 'false']).default('true'),

  API_CORS_ORIGINS: z
    .string()
    .regex(/^$|^(\*|https?:\/\/[^\s,/]+)(,(https?:\/\/[^\s,/]+))*$/, 'must be empty, * or a comma-separated list of origins such as https://ops.example.com')
    .default(''),
  API_TRUST_PROXY: z
    .string()
    .regex(/^(false|true|loopback|linklocal|uniquelocal|\d+|[\d.:/a-f, ]+)$/i, 'must be false, a hop count, loopback, uniquelocal or a list of proxy addresses/CIDRs')
    .default('loopback'),
  API_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).default(10),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(1).default(5000),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).default(15),
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(1).default(2000),
  GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(50),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  readonly env: Env['NODE_ENV'];
  readonly logLevel: Env['LOG_LEVEL'];
  readonly dataDir: string;
  readonly database: { readonly url: string | undefined; readonly embeddedPort: number };
  readonly temporal: {
    readonly address: string | undefined;
    readonly namespace: string;
    readonly cliPath: string | undefined;
    readonly port: number;
    readonly uiPort: number;
    readonly uiUrl: string | undefined;
  };
  readonly worker: { readonly metricsAddress: string | undefined; readonly maxCachedWorkflows: number };
  readonly api: { readonly host: string; readonly port: number; readonly limits: ApiLimits };
  readonly jwtSecret: string;
  readonly seedDemoData: boolean;
}

/** What the API accepts from a client: CORS origins, body size and GraphQL operation limits. */
export interface ApiLimits {
  /** Origins allowed to call the API from a browser; empty = same origin only; ['*'] = any. */
  readonly corsOrigins: readonly string[];
  /**
   * Which proxies' X-Forwarded-For to believe (Express "trust proxy"): the client address
   * decides the per-address login limit, so behind a gateway it must be the gateway's client.
   */
  readonly trustProxy: boolean | number | string;
  readonly bodyLimitBytes: number;
  readonly maxDepth: number;
  readonly maxCost: number;
  readonly maxAliases: number;
  readonly maxTokens: number;
  readonly maxDirectives: number;
}


function trustProxyOf(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Development-only secret: production refuses to start without JWT_SECRET. */
const DEV_JWT_SECRET = 'virel-development-secret-do-not-use-in-production';

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}\nSee .env.example for every setting.`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && !e.JWT_SECRET) {
    throw new ConfigError('Invalid configuration:\n  JWT_SECRET: required when NODE_ENV=production');
  }
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    dataDir: path.resolve(e.DATA_DIR),
    database: { url: e.DATABASE_URL, embeddedPort: e.EMBEDDED_POSTGRES_PORT },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      cliPath: e.TEMPORAL_CLI_PATH,
      port: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      uiUrl: e.TEMPORAL_UI_URL,
    },
    worker: { metricsAddress: e.WORKER_METRICS_ADDRESS || undefined, maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS },
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      limits: {
        corsOrigins: e.API_CORS_ORIGINS.split(',').filter(Boolean),
        trustProxy: trustProxyOf(e.API_TRUST_PROXY),
        bodyLimitBytes: e.API_BODY_LIMIT_BYTES,
        maxDepth: e.GRAPHQL_MAX_DEPTH,
        maxCost: e.GRAPHQL_MAX_COST,
        maxAliases: e.GRAPHQL_MAX_ALIASES,
        maxTokens: e.GRAPHQL_MAX_TOKENS,
        maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      },
    },
    jwtSecret: e.JWT_SECRET ?? DEV_JWT_SECRET,
    seedDemoData: e.SEED_DEMO_DATA === 'true',
  };
}

/** The limits an empty environment gives: the defaults above, declared once in the schema. */
export const DEFAULT_API_LIMITS: ApiLimits = loadConfig({}).api.limits;
