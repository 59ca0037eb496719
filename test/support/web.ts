/**
 * The web app against the real platform, in Debian's Chromium: build web/dist (skipped when
 * current), sign a demo user in through the sign-in form, create work through GraphQL as another
 * user, and keep an eye on the graphql-ws socket (held or dropped on demand, to test the catch-up
 * and a stale list). Shared by test/web-*.test.ts and bench/web.ts.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import type { DemoCredential } from '../../db/seed/demo-data.ts';
import { buildWebApp } from '../../scripts/build-web.ts';
import { freshModel } from './models.ts';
import { testEnv, type TestPlatform } from './platform.ts';

export { buildWebApp };

/**
 * Where the browser tests save screenshots of the main views: .data/screenshots/ (gitignored), so
 * a test run never rewrites tracked files. VIREL_UPDATE_SCREENSHOTS=1 writes the committed ones the
 * README links to (docs/screenshots/) instead, for when the screens changed.
 */
export function screenshotsDir(env: Readonly<Record<string, string | undefined>>): string {
  return path.resolve(import.meta.dirname, '../..', env.VIREL_UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : '.data/screenshots');
}

export const SCREENSHOTS_DIR = screenshotsDir(process.env);

/** A screenshot of the page as it is, named for the view. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS_DIR, `${name}.png`), fullPage: false });
}

export function demoCredential(role: string): DemoCredential {
  const credentials = JSON.parse(readFileSync(path.join(testEnv().dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredential[];
  const [code, name] = role.split(':');
  const who = credentials.find((c) => c.role === code && (!name || c.email.startsWith(`${name}@`)));
  if (!who) throw new Error(`no demo user for ${role}`);
  return who;
}

/** A GraphQL call as a demo user, with an Idempotency-Key; throws the first error. */
export async function gqlAs<T>(platform: TestPlatform, role: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await platform.gql<T>(query, variables, { authorization: `Bearer ${await platform.tokenOf(role)}`, 'idempotency-key': randomUUID() });
  if (response.errors?.length) throw new Error(`${role}: ${response.errors[0]?.message}`);
  return response.data as T;
}

/** The socket between a page and /graphql, which a test can drop or hold. */
export interface SocketControl {
  /** While offline, the socket is closed and every reconnect is refused. */
  offline(value: boolean): void;
  /** While held, the server's messages are kept back (the page's list goes stale), then delivered. */
  hold(value: boolean): void;
}

export async function controlSocket(page: Page): Promise<SocketControl> {
  let offline = false;
  let held = false;
  const queued: Array<() => void> = [];
  const open = new Set<WebSocketRoute>();
  await page.routeWebSocket(/\/graphql$/, (ws) => {
    if (offline) {
      void ws.close({ code: 1012, reason: 'test: offline' });
      return;
    }
    open.add(ws);
    const server = ws.connectToServer();
    ws.onMessage((message) => server.send(message));
    server.onMessage((message) => {
      if (held) queued.push(() => ws.send(message));
      else ws.send(message);
    });
    ws.onClose(() => open.delete(ws));
    server.onClose((code, reason) => void ws.close({ code, reason }));
  });
  return {
    offline(value) {
      offline = value;
      if (value) for (const ws of open) void ws.close({ code: 1012, reason: 'test: offline' });
    },
    hold(value) {
      held = value;
      if (!value) for (const send of queued.splice(0)) send();
    },
  };
}

/** A laptop unless told otherwise; a tablet passes its viewport and touch. */
export interface DeviceOptions {
  readonly viewport?: { width: number; height: number };
  readonly hasTouch?: boolean;
}

export const TABLET: DeviceOptions = { viewport: { width: 820, height: 1180 }, hasTouch: true };

export interface SignedInPage {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly socket: SocketControl;
  /** Everything the page wrote to its console, from before the sign-in on. */
  readonly console: string[];
}

export async function signIn(browser: Browser, baseUrl: string, role: string, at = '/', device: DeviceOptions = {}): Promise<SignedInPage> {
  const context = await browser.newContext({ viewport: device.viewport ?? { width: 1366, height: 900 }, hasTouch: device.hasTouch ?? false });
  const page = await context.newPage();
  const logged: string[] = [];
  page.on('console', (message) => logged.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => logged.push(`pageerror: ${error.message}`));
  const socket = await controlSocket(page);
  await page.goto(`${baseUrl}${at}`);
  const who = demoCredential(role);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-connection="live"]').waitFor({ timeout: 15_000 });
  return { context, page, socket, console: logged };
}

const REFERENCES = `
  SELECT (SELECT id FROM clients ORDER BY created_at LIMIT 1) AS client_id,
         (SELECT id FROM models ORDER BY created_at LIMIT 1) AS model_id,
         (SELECT id FROM locations ORDER BY slug LIMIT 1) AS location_id`;

/**
 * A booking (pending, so it may be confirmed) created through GraphQL by `role`, of a model of its
 * own: two held bookings of one model may not overlap.
 */
export async function createBooking(platform: TestPlatform, role: string, assigneeId: string | null = null): Promise<{ id: string; ref: string }> {
  const [refs] = await platform.sql<{ client_id: string; model_id: string; location_id: string }>(REFERENCES);
  const model = await freshModel(platform);
  const start = Date.now() + 3 * 24 * 3600_000;
  const created = await gqlAs<{ createBooking: { booking: { id: string; ref: string } } }>(platform, role, `
    mutation ($input: CreateBookingInput!) { createBooking(input: $input) { booking { id ref } } }`, {
    input: {
      clientId: refs!.client_id, modelId: model.id, locationId: refs!.location_id, priceTotal: '550.00', assigneeId,
      startAt: new Date(start).toISOString(), endAt: new Date(start + 2 * 3600_000).toISOString(),
    },
  });
  const booking = created.createBooking.booking;
  await gqlAs(platform, role, `mutation ($input: ChangeStatusInput!) { changeStatus(input: $input) { to } }`, { input: { entity: { type: 'booking', id: booking.id }, to: 'pending' } });
  return booking;
}

export async function createTask(platform: TestPlatform, role: string, input: { subject: string; entityId: string; assigneeId?: string | null; priority?: string; type?: string }): Promise<{ id: string; ref: string }> {
  const data = await gqlAs<{ createTask: { task: { id: string; ref: string } } }>(platform, role, `
    mutation ($input: CreateTaskInput!) { createTask(input: $input) { task { id ref } } }`, {
    input: { type: input.type ?? 'follow_up', subject: input.subject, priority: input.priority ?? 'normal', entityType: 'booking', entityId: input.entityId, assigneeId: input.assigneeId ?? null },
  });
  return data.createTask.task;
}

export async function createException(platform: TestPlatform, role: string, input: { summary: string; entityId: string; severity: string; assigneeId?: string | null }): Promise<{ id: string; ref: string }> {
  const data = await gqlAs<{ createException: { exception: { id: string; ref: string } } }>(platform, role, `
    mutation ($input: CreateExceptionInput!) { createException(input: $input) { exception { id ref } } }`, {
    input: { type: 'payment_failed', severity: input.severity, summary: input.summary, entityType: 'booking', entityId: input.entityId, assigneeId: input.assigneeId ?? null },
  });
  return data.createException.exception;
}

/** axe-core in the page (evaluated through the DevTools protocol, so the app's CSP stays on). */
export async function seriousAccessibilityViolations(page: Page): Promise<Array<{ id: string; impact: string; help: string; nodes: number }>> {
  const source = readFileSync(path.resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: unknown[] }> }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
