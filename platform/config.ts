/**
 * Configuration from environment variables, validated once at start.
 * Every process (launcher, API, worker, migrate) reads its settings through here,
 * so a typo in a variable fails fast with a message naming the variable.
 */
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { parseAllowHosts, type OutboundPolicy } from './guarded-fetch.ts';
import { parseKeyring } from './secret-box.ts';

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
  AUTOMATION_DISPATCHER: z.enum(['true', 'false']).default('true'),
  AUTOMATION_SWEEP_MS: z.coerce.number().int().min(50).default(1000),
  WORKER_METRICS_ADDRESS: z
    .string()
    .regex(/^$|^[^:/\s]+:\d+$/, 'must be host:port, or empty to disable')
    .default('127.0.0.1:9464'),

  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_\w+$/, 'must be a Stripe secret or restricted key (sk_… / rk_…)').optional(),
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_\w+$/, 'must be a webhook endpoint secret (whsec_…)').optional(),
  STRIPE_API_HOST: z.string().min(1).optional(),
  STRIPE_API_PORT: port.optional(),
  STRIPE_API_PROTOCOL: z.enum(['http', 'https']).optional(),
  STRIPE_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  STRIPE_STANDIN_PORT: port.default(8420),
  PAYMENTS_RECONCILE_EVERY_MINUTES: z.coerce.number().int().min(1).default(60),
  WEBHOOKS_SWEEP_EVERY_SECONDS: z.coerce.number().int().min(5).default(60),
  CALENDAR_IMPORT_EVERY_MINUTES: z.coerce.number().int().min(1).default(15),
  CALENDAR_IMPORT_ALLOW_HOSTS: z
    .string()
    .regex(/^\s*$|^\s*([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?\s*(,\s*([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?\s*)*$/i, 'must be empty or a comma-separated list of host or host:port, e.g. calendar.internal,127.0.0.1:8088 ([::1]:8088 for IPv6)')
    .default(''),
  AVAILABILITY_SWEEP_EVERY_SECONDS: z.coerce.number().int().min(5).default(60),

  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(4000),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  API_METRICS_ADDRESS: z
    .string()
    .regex(/^$|^[^:/\s]+:\d+$/, 'must be host:port, or empty to serve /metrics on the API port')
    .default(''),
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
  GRAPHQL_MAX_COST: z.coerce.number().int().min(1).default(10_000),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).default(15),
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(1).default(2000),
  GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(50),

  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: port.default(1025),
  SMTP_SECURE: z.enum(['true', 'false']).default('false'),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  MAIL_FROM: z.string().min(3).default('Virel Ops <ops@virel.local>'),
  MAIL_CATCHER_SMTP_PORT: port.default(1025),
  MAIL_CATCHER_WEB_PORT: port.default(1080),
  TELEGRAM_API_URL: z.url().default('https://api.telegram.org'),
  TELEGRAM_BOT_TOKEN: z.string().min(1).optional(),
  WHATSAPP_API_URL: z.url().default('https://graph.facebook.com/v21.0'),
  WHATSAPP_ACCESS_TOKEN: z.string().min(1).optional(),
  WHATSAPP_PHONE_NUMBER_ID: z.string().regex(/^\d+$/, 'must be the numeric phone number id of the WhatsApp Business account').optional(),
  TELEGRAM_OPS_CHAT_ID: z.string().regex(/^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$/, 'must be a Telegram chat id (e.g. -1001234567890) or @channel name').optional(),
  OPS_EMAIL: z.email('must be an email address').optional(),
  OPS_WHATSAPP_NUMBER: z.string().regex(/^\+?[1-9]\d{6,14}$/, 'must be a phone number in international form, e.g. +447700900123').optional(),
  WEBHOOK_SIGNING_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),

  FILE_STORAGE: z.enum(['local', 's3']).default('local'),
  FILE_STORAGE_DIR: z.string().min(1).optional(),
  S3_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, e.g. http://127.0.0.1:9000 (unset for AWS S3 itself)' }).optional(),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a bucket name: 3-63 lowercase letters, digits, dots and hyphens').optional(),
  S3_REGION: z.string().regex(/^[a-z0-9-]{2,32}$/, 'must be a region name such as eu-west-2 (S3-compatible servers usually accept us-east-1)').optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('false'),
  MEDIA_MAX_UPLOAD_BYTES: z.coerce.number().int().min(1024).default(104_857_600),
  IMPORT_MAX_UPLOAD_BYTES: z.coerce.number().int().min(1024).default(10_485_760),
  MEDIA_URL_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  MEDIA_URL_TTL_SECONDS: z.coerce.number().int().min(60).max(604_800).default(3600),
  INTEGRATIONS_KEYS: z.string().optional().superRefine((value, ctx) => {
    if (!value) return;
    try {
      parseKeyring(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  }),
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
  /** The automation outbox dispatcher in each worker process, and its safety sweep's period. */
  readonly automation: { readonly dispatcher: boolean; readonly sweepMs: number };
  /** How often external calendars are imported, and the availability mismatch sweep runs (Temporal Schedules). */
  readonly availability: { readonly calendarImportEveryMinutes: number; readonly mismatchSweepEverySeconds: number };
  /**
   * Which non-public hosts an operator-supplied URL may reach (calendar imports;
   * platform/guarded-fetch.ts): CALENDAR_IMPORT_ALLOW_HOSTS, empty by default (public addresses only).
   */
  readonly outbound: OutboundPolicy;
  readonly api: { readonly host: string; readonly port: number; readonly limits: ApiLimits; readonly metrics: MetricsAccess };
  readonly jwtSecret: string;
  readonly seedDemoData: boolean;
  readonly messaging: MessagingConfig;
  /** Ports of the development mail catcher `npm start` runs when SMTP_HOST is unset. */
  readonly mailCatcher: { readonly smtpPort: number; readonly webPort: number };
  readonly stripe: StripeConfig;
  readonly files: FilesConfig;
}

/** Where media, import files and report CSVs are kept, and how large an upload may be. */
export interface FilesConfig {
  /**
   * The local folder of the file store (FILE_STORAGE_DIR; default DATA_DIR/media); with a bucket,
   * only its `.staging` folder is used, for uploads being received.
   */
  readonly storageDir: string;
  /** The bucket when FILE_STORAGE=s3 (platform/s3-file-storage.ts); absent: the local folder. */
  readonly s3?: S3StorageConfig | undefined;
  /** A media upload over this many bytes is refused with 413 (MEDIA_MAX_UPLOAD_BYTES, default 100 MiB). */
  readonly mediaMaxBytes: number;
  /** A CSV import over this many bytes is refused with 413 (IMPORT_MAX_UPLOAD_BYTES, default 10 MiB). */
  readonly importMaxBytes: number;
  /**
   * Signed links to public media files: the HMAC key (MEDIA_URL_SECRET; unset: derived from
   * JWT_SECRET in production, a fixed key in development) and how long a link lasts
   * (MEDIA_URL_TTL_SECONDS, default 3600).
   */
  readonly mediaLinks: { readonly key: string; readonly ttlSeconds: number };
}

/** An S3-compatible bucket as the file store (S3_* settings). */
export interface S3StorageConfig {
  readonly bucket: string;
  readonly region: string;
  /** A compatible server's URL (S3_ENDPOINT); absent: AWS S3 itself. */
  readonly endpoint: string | undefined;
  /** `host/bucket/key` URLs instead of `bucket.host/key`: what most compatible servers need. */
  readonly forcePathStyle: boolean;
  /** Absent: the SDK finds credentials itself (AWS_* variables, profile, instance or task role). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
}

/**
 * Stripe: the real API unless host / port / protocol point the SDK elsewhere (the localstripe
 * stand-in in tests and in `npm start` without a key). Without a secret key, payment commands
 * answer that payments are not configured; webhooks are still verified with the endpoint secret.
 */
export interface StripeConfig {
  readonly secretKey: string | undefined;
  /** Absent in production without STRIPE_WEBHOOK_SECRET: the webhook endpoint then answers 503. */
  readonly webhookSecret: string | undefined;
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly protocol: 'http' | 'https' | undefined;
  /** How old a webhook's signed timestamp may be (Stripe's default: 5 minutes). */
  readonly webhookToleranceSeconds: number;
  /** Where `npm start` runs localstripe when no key is configured. */
  readonly standInPort: number;
  readonly reconcileEveryMinutes: number;
  readonly sweepEverySeconds: number;
}

/**
 * Where outbound messages and webhooks go (the worker's delivery activities). A channel without
 * its settings is "not configured": its messages fail at once with a message naming the setting.
 */
export interface MessagingConfig {
  readonly smtp: {
    readonly host: string | undefined;
    readonly port: number;
    readonly secure: boolean;
    readonly user: string | undefined;
    readonly password: string | undefined;
    readonly from: string;
  };
  /** Telegram Bot API: `${apiUrl}/bot${botToken}/sendMessage`. */
  readonly telegram: { readonly apiUrl: string; readonly botToken: string | undefined };
  /** WhatsApp Cloud API: `${apiUrl}/${phoneNumberId}/messages`, bearer accessToken. */
  readonly whatsapp: { readonly apiUrl: string; readonly accessToken: string | undefined; readonly phoneNumberId: string | undefined };
  /** Outgoing webhooks: HMAC-SHA256 key (absent in production unless set) and per-request timeout. */
  readonly webhooks: { readonly signingSecret: string | undefined; readonly timeoutMs: number };
  /** Where rules reach the operations team (send_message with `to: ops`), per channel; absent: such a message fails naming the setting. */
  readonly ops?: { readonly telegram?: string | undefined; readonly email?: string | undefined; readonly whatsapp?: string | undefined } | undefined;
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

/**
 * Who may read the API's /metrics. Production needs at least one of the two: Prometheus
 * text tells an outsider a lot (operation names, error rates, memory).
 */
export interface MetricsAccess {
  /** When set, /metrics asks for `Authorization: Bearer <token>` (METRICS_TOKEN). */
  readonly token: string | undefined;
  /** When set, /metrics is served only on this internal host:port, not on the API port (API_METRICS_ADDRESS). */
  readonly address: { readonly host: string; readonly port: number } | undefined;
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
/** Development-only key of signed media links (production: MEDIA_URL_SECRET, else one derived from JWT_SECRET). */
const DEV_MEDIA_URL_SECRET = 'virel-development-media-links-not-for-production';
/** Development-only webhook key: in production webhooks are not signed (and not sent) without WEBHOOK_SIGNING_SECRET. */
const DEV_WEBHOOK_SECRET = 'virel-development-webhook-secret-not-for-production';
/** Development-only webhook endpoint secret (never used in production). */
export const DEV_STRIPE_WEBHOOK_SECRET = 'whsec_virel_development_only';

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
  if (e.NODE_ENV === 'production' && !e.METRICS_TOKEN && !e.API_METRICS_ADDRESS) {
    throw new ConfigError('Invalid configuration:\n  METRICS_TOKEN or API_METRICS_ADDRESS: one is required when NODE_ENV=production (metrics behind a token, or on an internal address)');
  }
  const metricsAddress = e.API_METRICS_ADDRESS.match(/^(.+):(\d+)$/);
  const s3 = s3ConfigOf(e);
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
    automation: { dispatcher: e.AUTOMATION_DISPATCHER === 'true', sweepMs: e.AUTOMATION_SWEEP_MS },
    availability: { calendarImportEveryMinutes: e.CALENDAR_IMPORT_EVERY_MINUTES, mismatchSweepEverySeconds: e.AVAILABILITY_SWEEP_EVERY_SECONDS },
    outbound: { allowHosts: parseAllowHosts(e.CALENDAR_IMPORT_ALLOW_HOSTS) },
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
      metrics: {
        token: e.METRICS_TOKEN,
        address: metricsAddress ? { host: metricsAddress[1] as string, port: Number(metricsAddress[2]) } : undefined,
      },
    },
    jwtSecret: e.JWT_SECRET ?? DEV_JWT_SECRET,
    seedDemoData: e.SEED_DEMO_DATA === 'true',
    messaging: {
      smtp: { host: e.SMTP_HOST, port: e.SMTP_PORT, secure: e.SMTP_SECURE === 'true', user: e.SMTP_USER, password: e.SMTP_PASSWORD, from: e.MAIL_FROM },
      telegram: { apiUrl: e.TELEGRAM_API_URL.replace(/\/+$/, ''), botToken: e.TELEGRAM_BOT_TOKEN },
      whatsapp: { apiUrl: e.WHATSAPP_API_URL.replace(/\/+$/, ''), accessToken: e.WHATSAPP_ACCESS_TOKEN, phoneNumberId: e.WHATSAPP_PHONE_NUMBER_ID },
      webhooks: {
        signingSecret: e.WEBHOOK_SIGNING_SECRET ?? (e.NODE_ENV === 'production' ? undefined : DEV_WEBHOOK_SECRET),
        timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      },
      ops: { telegram: e.TELEGRAM_OPS_CHAT_ID, email: e.OPS_EMAIL, whatsapp: e.OPS_WHATSAPP_NUMBER },
    },
    mailCatcher: { smtpPort: e.MAIL_CATCHER_SMTP_PORT, webPort: e.MAIL_CATCHER_WEB_PORT },
    stripe: {
      secretKey: e.STRIPE_SECRET_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET ?? (e.NODE_ENV === 'production' ? undefined : DEV_STRIPE_WEBHOOK_SECRET),
      host: e.STRIPE_API_HOST,
      port: e.STRIPE_API_PORT,
      protocol: e.STRIPE_API_PROTOCOL,
      webhookToleranceSeconds: e.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
      standInPort: e.STRIPE_STANDIN_PORT,
      reconcileEveryMinutes: e.PAYMENTS_RECONCILE_EVERY_MINUTES,
      sweepEverySeconds: e.WEBHOOKS_SWEEP_EVERY_SECONDS,
    },
    files: {
      storageDir: path.resolve(e.FILE_STORAGE_DIR ?? path.join(e.DATA_DIR, 'media')),
      s3,
      mediaMaxBytes: e.MEDIA_MAX_UPLOAD_BYTES,
      importMaxBytes: e.IMPORT_MAX_UPLOAD_BYTES,
      mediaLinks: { key: mediaLinkKey(e), ttlSeconds: e.MEDIA_URL_TTL_SECONDS },
    },
  };
}

/**
 * The key of signed media links: MEDIA_URL_SECRET; in production without it, a key of its own
 * derived from JWT_SECRET (HMAC with a fixed label: a link's signature says nothing about the
 * token key, and production needs no further setting); in development a fixed key.
 */
function mediaLinkKey(e: Env): string {
  if (e.MEDIA_URL_SECRET) return e.MEDIA_URL_SECRET;
  if (e.NODE_ENV === 'production' && e.JWT_SECRET) return createHmac('sha256', e.JWT_SECRET).update('virel media links v1').digest('base64url');
  return DEV_MEDIA_URL_SECRET;
}

/**
 * The bucket settings, checked together: with FILE_STORAGE=s3 a bucket and region are needed and
 * the two keys come as a pair; without it, an S3_* setting is a mistake (the files would silently
 * go to the local folder), so it is refused too.
 */
function s3ConfigOf(e: Env): S3StorageConfig | undefined {
  const set = (['S3_ENDPOINT', 'S3_BUCKET', 'S3_REGION', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const).filter((name) => e[name] !== undefined);
  if (e.FILE_STORAGE === 'local') {
    if (set.length > 0) throw new ConfigError(`Invalid configuration:\n  FILE_STORAGE: is local, but ${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set: set FILE_STORAGE=s3 to keep files in the bucket, or unset ${set.length > 1 ? 'them' : 'it'}`);
    return undefined;
  }
  const problems: string[] = [];
  if (!e.S3_BUCKET) problems.push('  S3_BUCKET: required when FILE_STORAGE=s3');
  if (!e.S3_REGION) problems.push('  S3_REGION: required when FILE_STORAGE=s3 (e.g. eu-west-2; us-east-1 for most S3-compatible servers)');
  if ((e.S3_ACCESS_KEY_ID === undefined) !== (e.S3_SECRET_ACCESS_KEY === undefined)) {
    problems.push(`  ${e.S3_ACCESS_KEY_ID === undefined ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY'}: required with ${e.S3_ACCESS_KEY_ID === undefined ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID'} (set both, or neither to use the SDK's own credentials)`);
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  return {
    bucket: e.S3_BUCKET as string,
    region: e.S3_REGION as string,
    endpoint: e.S3_ENDPOINT?.replace(/\/+$/, ''),
    forcePathStyle: e.S3_FORCE_PATH_STYLE === 'true',
    credentials: e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY } : undefined,
  };
}

/** The limits an empty environment gives: the defaults above, declared once in the schema. */
export const DEFAULT_API_LIMITS: ApiLimits = loadConfig({}).api.limits;
