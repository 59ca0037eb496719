/**
 * Integrations as managed data (issue 12 item 5): the rows of `integrations` with their plain
 * settings and their secrets sealed at rest (platform/secret-box.ts), managed by Owners and
 * Integrations Admins (integrations.write), seen masked by whoever holds integrations.read; a
 * "test connection" per kind (Stripe through its SDK, Telegram's getMe, a WhatsApp Graph API
 * read, SMTP's verify); and the integration log every inbound channel and test writes to.
 *
 * Stored config: the plain settings as top-level keys, `secrets` (one sealed JSON object of
 * every secret), and for partners `apiKey` ({ id, hash, issuedAt }: the key itself is shown
 * once, when issued, and kept only as an argon2 hash).
 */
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import nodemailer from 'nodemailer';
import { Integration } from '../db/entities/index.ts';
import { assertPermission } from '../domain/access.ts';
import { conflict, invalidInput, notFound } from '../domain/errors.ts';
import {
  CODE_PATTERN, INTEGRATION_STATUSES, INTEGRATION_TYPES, configProblem, isIntegrationType, secretNamesOf,
  type IntegrationLogKind, type IntegrationStatus, type IntegrationType,
} from '../domain/integrations.ts';
import { hashPassword, verifyPassword } from '../platform/passwords.ts';
import { environmentKeyring, isSealed, open, seal, type Keyring } from '../platform/secret-box.ts';
import { createStripe } from '../platform/stripe.ts';
import type { Caller, ServiceDeps } from './context.ts';
import { isUuid } from './rows.ts';

/** Keys of `config` that are not plain settings. */
const RESERVED = ['secrets', 'secretNames', 'apiKey'];

export interface IntegrationView {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly type: string;
  readonly status: string;
  /** Plain settings (no secret is ever here). */
  readonly settings: Record<string, unknown>;
  /** Each secret of the kind and whether it is set: never its value. */
  readonly secrets: Array<{ name: string; set: boolean }>;
  readonly apiKeyIssuedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** An integration with its secrets opened: for the platform's own use, never for the API. */
export interface OpenIntegration {
  readonly id: string;
  readonly code: string;
  readonly type: string;
  readonly status: IntegrationStatus;
  readonly settings: Record<string, unknown>;
  readonly secrets: Record<string, string>;
}

export interface IntegrationChange {
  readonly name?: string | undefined;
  readonly status?: IntegrationStatus | undefined;
  /** Settings to set (null clears one); others stay. */
  readonly settings?: Record<string, unknown> | undefined;
  /** Secrets to set (null clears one); others stay. */
  readonly secrets?: Record<string, unknown> | undefined;
}

export interface NewIntegration extends IntegrationChange {
  readonly code: string;
  readonly name: string;
  readonly type: string;
}

export interface ConnectionTest {
  readonly ok: boolean;
  readonly detail: string;
}

export interface LogEntry {
  readonly kind: IntegrationLogKind;
  readonly outcome: 'ok' | 'refused' | 'failed' | 'testing' | 'disabled';
  readonly summary: string;
  readonly detail?: Record<string, unknown> | undefined;
  readonly webhookId?: string | undefined;
}

const settingsOf = (config: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(config ?? {}).filter(([k]) => !RESERVED.includes(k)));

function openSecrets(keyring: () => Keyring, config: Record<string, unknown>): Record<string, string> {
  return isSealed(config?.secrets) ? open<Record<string, string>>(keyring(), config.secrets) : {};
}

export function viewOf(row: Integration): IntegrationView {
  const config = (row.config ?? {}) as Record<string, unknown>;
  // Which secrets are set is kept beside the sealed value (names only), so a view never opens it.
  const setNames = Array.isArray(config.secretNames) ? (config.secretNames as string[]) : [];
  const known = isIntegrationType(row.type) ? secretNamesOf(row.type) : [];
  const apiKey = config.apiKey as { issuedAt?: string } | undefined;
  return {
    id: row.id, code: row.code, name: row.name, type: row.type, status: row.status,
    settings: settingsOf(config),
    secrets: known.map((name) => ({ name, set: setNames.includes(name) })),
    apiKeyIssuedAt: apiKey?.issuedAt ? new Date(apiKey.issuedAt) : null,
    createdAt: row.createdAt, updatedAt: row.updatedAt,
  };
}

/** Writes one entry of an integration's log (its own statement: a log survives the request's failure). */
export async function logIntegration(em: EntityManager, integrationId: string, entry: LogEntry): Promise<void> {
  await em.getConnection().execute(
    'INSERT INTO integration_logs (integration_id, kind, outcome, summary, detail, webhook_id) VALUES (?, ?, ?, ?, ?::jsonb, ?)',
    [integrationId, entry.kind, entry.outcome, entry.summary.slice(0, 1000), entry.detail ? JSON.stringify(entry.detail) : null, entry.webhookId ?? null],
  );
}

/** The integration with this code and its secrets opened (the inbound channels' and tests' view). */
export async function openIntegration(em: EntityManager, code: string, keyring: () => Keyring = environmentKeyring): Promise<OpenIntegration | null> {
  if (!CODE_PATTERN.test(code)) return null;
  const row = await em.fork().findOne(Integration, { code });
  if (!row) return null;
  const config = (row.config ?? {}) as Record<string, unknown>;
  return { id: row.id, code: row.code, type: row.type, status: row.status as IntegrationStatus, settings: settingsOf(config), secrets: openSecrets(keyring, config) };
}

/** A kind's own row as outbound delivery sees it (outboundRowOf). */
export interface OutboundRow {
  /** The row every send of the kind is logged on, whatever its status; undefined: there is none. */
  readonly integrationId: string | undefined;
  /** The row with its secrets opened when it is active (its configuration is used); null otherwise. */
  readonly active: OpenIntegration | null;
}

/**
 * The integration outbound delivery sends a kind's messages through: the row whose code is the
 * kind itself (`smtp`, `telegram`, `whatsapp`, `webhook`: the demo data's rows), when it is
 * active, with its secrets opened; otherwise delivery uses the environment's settings. Either way
 * the send is logged on that row, if it exists, so its Integrations Admin sees every send of the
 * kind. One named row per kind, so which bot or mailbox sends is never a guess among several rows
 * of a kind (inbound channels may have many).
 */
export async function outboundRowOf(em: EntityManager, type: IntegrationType, keyring: () => Keyring = environmentKeyring): Promise<OutboundRow> {
  const row = await em.fork().findOne(Integration, { code: type });
  if (!row || row.type !== type) return { integrationId: undefined, active: null };
  if (row.status !== 'active') return { integrationId: row.id, active: null };
  const config = (row.config ?? {}) as Record<string, unknown>;
  return { integrationId: row.id, active: { id: row.id, code: row.code, type: row.type, status: 'active', settings: settingsOf(config), secrets: openSecrets(keyring, config) } };
}

/** The kind's own row when it is active, with its secrets opened (outboundRowOf); null otherwise. */
export async function outboundIntegrationOf(em: EntityManager, type: IntegrationType, keyring: () => Keyring = environmentKeyring): Promise<OpenIntegration | null> {
  return (await outboundRowOf(em, type, keyring)).active;
}

/** Partner API keys: `vpk_<key id>_<secret>`; the id finds the row, argon2 checks the rest. */
const API_KEY = /^vpk_([a-f0-9]{16})_([A-Za-z0-9_-]{32,64})$/;

/** The partner integration an API key belongs to (any status), or null: unknown, malformed or wrong. */
export async function partnerOfApiKey(em: EntityManager, apiKey: string): Promise<OpenIntegration | null> {
  const match = API_KEY.exec(apiKey);
  if (!match) return null;
  const [row] = await em.getConnection().execute<Array<{ code: string; hash: string }>>(
    `SELECT code, config->'apiKey'->>'hash' AS hash FROM integrations WHERE type = 'partner' AND config->'apiKey'->>'id' = ?`, [match[1]]);
  if (!row?.hash || !(await verifyPassword(row.hash, apiKey))) return null;
  return openIntegration(em, row.code);
}

/**
 * Every integration's secrets re-sealed with the keyring's current key (rotation: the new key
 * first in INTEGRATIONS_KEYS, then this, then the old key can go). Returns how many rows changed.
 */
export async function resealAll(em: EntityManager, keyring: Keyring): Promise<number> {
  let changed = 0;
  await em.transactional(async (tx) => {
    const rows = await tx.getConnection().execute<Array<{ id: string; config: Record<string, unknown> }>>(
      `SELECT id, config FROM integrations WHERE config ? 'secrets' FOR UPDATE`, [], 'all', tx.getTransactionContext());
    for (const row of rows) {
      if (!isSealed(row.config.secrets) || row.config.secrets.kid === keyring.currentId) continue;
      const secrets = open(keyring, row.config.secrets);
      await tx.getConnection().execute(`UPDATE integrations SET config = jsonb_set(config, '{secrets}', ?::jsonb), updated_at = now() WHERE id = ?`,
        [JSON.stringify(seal(keyring, secrets)), row.id], 'run', tx.getTransactionContext());
      changed++;
    }
  });
  return changed;
}

async function fetchJson(url: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> | null }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const body = await response.json().catch(() => null) as Record<string, unknown> | null;
  return { status: response.status, body };
}

/** One call to the provider that proves the configuration works (never sends anything to a client). */
async function probe(integration: OpenIntegration): Promise<ConnectionTest> {
  const s = integration.settings;
  const secret = (name: string) => {
    const value = integration.secrets[name];
    if (!value) throw invalidInput(`secrets.${name}`, `set the ${name} secret before testing the connection`);
    return value;
  };
  switch (integration.type as IntegrationType) {
    case 'stripe': {
      const stripe = createStripe({
        secretKey: secret('secretKey'), host: s.apiHost as string | undefined, port: s.apiPort as number | undefined, protocol: s.apiProtocol as 'http' | 'https' | undefined,
      } as Parameters<typeof createStripe>[0]);
      const page = await stripe!.paymentIntents.list({ limit: 1 });
      return { ok: true, detail: `Stripe answered (payment intents listed: ${page.data.length} on the first page)` };
    }
    case 'telegram': {
      const base = String(s.apiUrl ?? 'https://api.telegram.org').replace(/\/+$/, '');
      const { status, body } = await fetchJson(`${base}/bot${secret('botToken')}/getMe`);
      const bot = (body?.result ?? {}) as { username?: string };
      return body?.ok === true ? { ok: true, detail: `Telegram getMe: @${bot.username ?? 'bot'}` } : { ok: false, detail: `Telegram getMe answered ${status}: ${String(body?.description ?? 'no description')}` };
    }
    case 'whatsapp': {
      const base = String(s.apiUrl ?? 'https://graph.facebook.com/v21.0').replace(/\/+$/, '');
      if (!s.phoneNumberId) throw invalidInput('settings.phoneNumberId', 'set phoneNumberId before testing the connection');
      const { status, body } = await fetchJson(`${base}/${String(s.phoneNumberId)}?fields=display_phone_number,verified_name`, { headers: { authorization: `Bearer ${secret('accessToken')}` } });
      if (status === 200) return { ok: true, detail: `WhatsApp phone number ${String(body?.display_phone_number ?? s.phoneNumberId)}` };
      const error = (body?.error ?? {}) as { message?: string };
      return { ok: false, detail: `WhatsApp Graph API answered ${status}: ${error.message ?? 'no message'}` };
    }
    case 'smtp': {
      if (!s.host) throw invalidInput('settings.host', 'set host before testing the connection');
      const transport = nodemailer.createTransport({
        host: String(s.host), port: Number(s.port ?? 587), secure: s.secure === true,
        ...(s.user ? { auth: { user: String(s.user), pass: integration.secrets.password ?? '' } } : {}),
        connectionTimeout: 10_000, greetingTimeout: 10_000,
      });
      try {
        await transport.verify();
        return { ok: true, detail: `SMTP server ${String(s.host)}:${String(s.port ?? 587)} accepted the connection` };
      } finally {
        transport.close();
      }
    }
    case 'web_form':
    case 'partner':
      return { ok: true, detail: `${integration.type} has no provider to call: its endpoint is ours` };
    case 'webhook':
      return { ok: true, detail: 'outgoing webhooks have no provider to call: each goes to the URL its caller names' };
  }
  return { ok: false, detail: `no connection test for type ${integration.type}` };
}

export function createIntegrationService(deps: ServiceDeps, keyring: () => Keyring = environmentKeyring) {
  const { em } = deps;

  async function rowOf(id: string): Promise<Integration> {
    const row = isUuid(id) ? await em.findOne(Integration, { id }, { refresh: true }) : null;
    if (!row) throw notFound('integration', id);
    return row;
  }

  /** The config after a change: settings merged, secrets opened, merged and sealed again. */
  function changedConfig(type: IntegrationType, config: Record<string, unknown>, change: IntegrationChange): Record<string, unknown> {
    const problem = configProblem(type, { settings: change.settings, secrets: change.secrets });
    if (problem) throw invalidInput(problem.field, problem.message);
    const next: Record<string, unknown> = { ...config };
    for (const [k, v] of Object.entries(change.settings ?? {})) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    if (change.secrets && Object.keys(change.secrets).length > 0) {
      const secrets: Record<string, unknown> = { ...openSecrets(keyring, config) };
      for (const [k, v] of Object.entries(change.secrets)) {
        if (v === null) delete secrets[k];
        else secrets[k] = v;
      }
      next.secrets = seal(keyring(), secrets);
      next.secretNames = Object.keys(secrets).sort();
    }
    return next;
  }

  /** What a config change says in the log: the names changed, never a value of a secret. */
  const changeSummary = (change: IntegrationChange) => ({
    settings: Object.keys(change.settings ?? {}), secrets: Object.keys(change.secrets ?? {}), status: change.status ?? null, name: change.name ?? null,
  });

  return {
    async create(caller: Caller, input: NewIntegration): Promise<IntegrationView> {
      assertPermission(caller.principal, 'integrations.write');
      if (!CODE_PATTERN.test(input.code)) throw invalidInput('code', 'lower-case letters, digits and _ (2-64), starting with a letter');
      if (!isIntegrationType(input.type)) throw invalidInput('type', `one of ${INTEGRATION_TYPES.join(', ')}`);
      const name = input.name.trim();
      if (!name || name.length > 200) throw invalidInput('name', '1 to 200 characters');
      if (input.status && !(INTEGRATION_STATUSES as readonly string[]).includes(input.status)) throw invalidInput('status', INTEGRATION_STATUSES.join(', '));
      const config = changedConfig(input.type, {}, input);
      const [row] = await em.getConnection().execute<Array<{ id: string }>>(
        `INSERT INTO integrations (code, name, type, status, config) VALUES (?, ?, ?, ?, ?::jsonb) ON CONFLICT (code) DO NOTHING RETURNING id`,
        [input.code, name, input.type, input.status ?? 'testing', JSON.stringify(config)]);
      if (!row) throw conflict(`An integration with code ${input.code} exists.`, 'code');
      await logIntegration(em, row.id, { kind: 'config', outcome: 'ok', summary: `created by ${caller.principal.id ?? 'the platform'}`, detail: changeSummary(input) });
      return viewOf(await rowOf(row.id));
    },

    async update(caller: Caller, id: string, change: IntegrationChange): Promise<IntegrationView> {
      assertPermission(caller.principal, 'integrations.write');
      if (change.status && !(INTEGRATION_STATUSES as readonly string[]).includes(change.status)) throw invalidInput('status', INTEGRATION_STATUSES.join(', '));
      if (change.name !== undefined && (!change.name.trim() || change.name.length > 200)) throw invalidInput('name', '1 to 200 characters');
      await em.transactional(async (tx) => {
        const row = await tx.findOne(Integration, { id: (await rowOf(id)).id }, { lockMode: 4 /* PESSIMISTIC_WRITE */ });
        if (!row) throw notFound('integration', id);
        if (!isIntegrationType(row.type)) throw conflict(`Integration ${row.code} has an unknown type ${row.type}; it cannot be configured here.`, 'type');
        row.config = changedConfig(row.type, (row.config ?? {}) as Record<string, unknown>, change);
        if (change.name !== undefined) row.name = change.name.trim();
        if (change.status) row.status = change.status;
        row.updatedAt = new Date();
        await tx.flush();
      });
      await logIntegration(em, id, { kind: 'config', outcome: 'ok', summary: `changed by ${caller.principal.id ?? 'the platform'}`, detail: changeSummary(change) });
      return viewOf(await rowOf(id));
    },

    /** Issues a partner's API key (replacing any earlier one): shown once, stored as an argon2 hash. */
    async issuePartnerApiKey(caller: Caller, id: string): Promise<{ integration: IntegrationView; apiKey: string }> {
      assertPermission(caller.principal, 'integrations.write');
      const row = await rowOf(id);
      if (row.type !== 'partner') throw conflict(`Integration ${row.code} is not a partner (${row.type}): only partners have API keys.`, 'id');
      const keyId = randomBytes(8).toString('hex');
      const apiKey = `vpk_${keyId}_${randomBytes(32).toString('base64url')}`;
      const entry = { id: keyId, hash: await hashPassword(apiKey), issuedAt: new Date().toISOString() };
      await em.getConnection().execute(`UPDATE integrations SET config = jsonb_set(config, '{apiKey}', ?::jsonb), updated_at = now() WHERE id = ?`, [JSON.stringify(entry), row.id]);
      await logIntegration(em, row.id, { kind: 'config', outcome: 'ok', summary: `API key ${keyId} issued by ${caller.principal.id ?? 'the platform'}` });
      return { integration: viewOf(await rowOf(row.id)), apiKey };
    },

    /** Calls the provider once with the stored configuration; the outcome is logged either way. */
    async testConnection(caller: Caller, id: string): Promise<ConnectionTest & { integration: IntegrationView }> {
      assertPermission(caller.principal, 'integrations.write');
      const row = await rowOf(id);
      const integration = await openIntegration(em, row.code, keyring);
      let result: ConnectionTest;
      try {
        result = await probe(integration as OpenIntegration);
      } catch (error) {
        if ((error as { name?: string }).name === 'DomainError') throw error;
        result = { ok: false, detail: `${(error as Error).message}`.slice(0, 500) };
      }
      await logIntegration(em, row.id, { kind: 'test_connection', outcome: result.ok ? 'ok' : 'failed', summary: result.detail });
      return { ...result, integration: viewOf(row) };
    },
  };
}

export type IntegrationService = ReturnType<typeof createIntegrationService>;
