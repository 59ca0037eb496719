/**
 * Integrations as data (seed §3 "Integration", §6.8): the provider kinds the platform talks to,
 * their statuses, and for each kind which settings are plain and which are secrets (sealed at
 * rest, never returned by the API). Pure rules: validation of a configuration change and what a
 * status means for an inbound message.
 */
import { z } from 'zod';

export const INTEGRATION_TYPES = ['stripe', 'telegram', 'whatsapp', 'smtp', 'web_form', 'partner', 'webhook'] as const;
export type IntegrationType = (typeof INTEGRATION_TYPES)[number];

/**
 * active: works; disabled: refuses inbound requests (nothing stored) and is not used outbound;
 * testing: inbound requests are verified, received and logged, and have no effect.
 */
export const INTEGRATION_STATUSES = ['active', 'disabled', 'testing'] as const;
export type IntegrationStatus = (typeof INTEGRATION_STATUSES)[number];

export const INTEGRATION_LOG_KINDS = ['request', 'webhook_in', 'webhook_out', 'test_connection', 'error', 'config'] as const;
export type IntegrationLogKind = (typeof INTEGRATION_LOG_KINDS)[number];

export const CODE_PATTERN = /^[a-z][a-z0-9_]{1,63}$/;

const url = z.url().max(500);
const text = z.string().trim().min(1).max(500);

/** Plain settings and secrets of each kind (every field optional: a change names only what changes). */
export const INTEGRATION_FIELDS = {
  stripe: {
    settings: { apiHost: text, apiPort: z.number().int().min(1).max(65535), apiProtocol: z.enum(['http', 'https']), currency: z.string().regex(/^[A-Z]{3}$/), mode: z.enum(['test', 'live']) },
    secrets: { secretKey: z.string().regex(/^(sk|rk)_\w+$/, 'a Stripe secret or restricted key (sk_… / rk_…)'), webhookSecret: z.string().regex(/^whsec_\w+$/, 'a webhook endpoint secret (whsec_…)') },
  },
  telegram: {
    settings: { apiUrl: url, bot: text },
    secrets: {
      botToken: z.string().regex(/^\d+:[\w-]{10,}$/, 'a bot token as BotFather gives it (123456:ABC…)'),
      // Telegram allows 1-256 characters A-Z, a-z, 0-9, _ and - for secret_token.
      webhookSecret: z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, '16-256 characters of A-Z, a-z, 0-9, _ and -'),
    },
  },
  whatsapp: {
    settings: { apiUrl: url, phoneNumberId: z.string().regex(/^\d+$/, 'the numeric phone number id') },
    secrets: { accessToken: z.string().min(10).max(1000), appSecret: z.string().min(16).max(200), verifyToken: z.string().min(16).max(200) },
  },
  smtp: {
    settings: { host: text, port: z.number().int().min(1).max(65535), secure: z.boolean(), user: text, from: text },
    secrets: { password: z.string().min(1).max(500) },
  },
  web_form: {
    settings: {
      /** A form filled faster than this is a bot's. */
      minFillSeconds: z.number().int().min(0).max(600),
      /** Submissions per client address per hour. */
      perAddressPerHour: z.number().int().min(1).max(10_000),
    },
    secrets: {},
  },
  partner: {
    settings: { contactEmail: z.email() },
    // The API key is issued by the platform (issuePartnerApiKey) and stored as an argon2 hash.
    secrets: {},
  },
  /** Outgoing webhooks (callWebhook, automation's call_webhook): the row their deliveries are logged on. */
  webhook: {
    settings: {},
    // Signs every outgoing webhook (X-Virel-Signature) instead of WEBHOOK_SIGNING_SECRET while the row is active.
    secrets: { signingSecret: z.string().min(16, 'at least 16 characters').max(500) },
  },
} as const satisfies Record<IntegrationType, { settings: Record<string, z.ZodType>; secrets: Record<string, z.ZodType> }>;

/** A web form's defaults when its integration names none. */
export const WEB_FORM_DEFAULTS = { minFillSeconds: 3, perAddressPerHour: 5 } as const;

export interface ConfigProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * Checks a configuration change for an integration of `type`: unknown fields and bad values are
 * problems (`field` is `settings.<name>` or `secrets.<name>`). Null clears a field.
 */
export function configProblem(type: IntegrationType, change: { settings?: Record<string, unknown>; secrets?: Record<string, unknown> }): ConfigProblem | null {
  const spec = INTEGRATION_FIELDS[type];
  for (const part of ['settings', 'secrets'] as const) {
    const fields = spec[part] as Record<string, z.ZodType>;
    for (const [name, value] of Object.entries(change[part] ?? {})) {
      const schema = fields[name];
      if (!schema) return { field: `${part}.${name}`, message: `${type} has no ${part === 'secrets' ? 'secret' : 'setting'} ${name} (known: ${Object.keys(fields).join(', ') || 'none'})` };
      if (value === null) continue;
      const checked = schema.safeParse(value);
      if (!checked.success) return { field: `${part}.${name}`, message: checked.error.issues[0]?.message ?? 'invalid' };
    }
  }
  return null;
}

/** The secret names of a kind (what the API may say is set, never what it is). */
export const secretNamesOf = (type: IntegrationType): string[] => Object.keys(INTEGRATION_FIELDS[type].secrets);

export const isIntegrationType = (value: string): value is IntegrationType => (INTEGRATION_TYPES as readonly string[]).includes(value);

/** The code of the Stripe integration row the payments endpoint and activities use. */
export const STRIPE_INTEGRATION_CODE = 'stripe';

/** The code of the row outgoing webhooks are logged on (and signed with, when it is active and has a signingSecret). */
export const WEBHOOK_INTEGRATION_CODE = 'webhook';

/** Why a request received by an integration in testing was not acted on (stored on its webhooks_in row). */
export const TESTING_NO_EFFECT = 'integration in testing: received and logged, no effect';

/** What an inbound request to an integration in this status amounts to. */
export function inboundEffect(status: string): 'apply' | 'log_only' | 'refuse' {
  if (status === 'active') return 'apply';
  if (status === 'testing') return 'log_only';
  return 'refuse';
}
