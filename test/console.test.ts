/**
 * The GraphQL console in a real Chromium with the network closed: every request that is not to
 * loopback is refused and recorded, and none may be attempted. The console loads from the API
 * alone, opens with the operators' ready tabs, signs in with the Sign in tab, takes the bearer
 * token in the Headers pane, runs the Action Center query and an Action Center subscription over
 * graphql-ws that delivers a task created meanwhile.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { parse, validate } from 'graphql';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildSchema } from '../api/graphql/schema.ts';
import { CONSOLE_TABS } from '../api/http/console.ts';
import type { DemoCredential } from '../db/seed/demo-data.ts';
import { launchBrowser } from './support/browser.ts';
import { startTestPlatform, testEnv, type TestPlatform } from './support/platform.ts';
import { until } from './support/wait.ts';
import { untilSubscribed } from './support/ws.ts';

let platform: TestPlatform;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Requests the page tried to make outside loopback (refused). */
const offsite: string[] = [];
/** Every request and socket the page made. */
const seen: string[] = [];
/** Text frames the console's graphql-ws socket received. */
const frames: string[] = [];

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const isLoopback = (url: string) => !/^(https?|wss?):/.test(url) || LOOPBACK.has(new URL(url).hostname);

beforeAll(async () => {
  platform = await startTestPlatform();
  browser = await launchBrowser();
  context = await browser.newContext();
  // The network is closed: only loopback (the API) answers; anything else is refused and recorded.
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (isLoopback(url)) return route.continue();
    offsite.push(url);
    return route.abort('internetdisconnected');
  });
  await context.routeWebSocket(() => true, (socket) => {
    if (isLoopback(socket.url())) return socket.connectToServer();
    offsite.push(socket.url());
    return socket.close();
  });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('request', (request) => seen.push(request.url()));
  page.on('websocket', (socket) => {
    seen.push(socket.url());
    socket.on('framereceived', ({ payload }) => frames.push(String(payload)));
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

/** Replaces the text of a (Monaco) editor as a user would: focus, select all, type over it. */
async function typeInto(editor: ReturnType<Page['locator']>, text: string) {
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

const activeTool = () => page.locator('.graphiql-editor-tool .graphiql-editor').filter({ visible: true });
const responsePane = () => page.locator('.graphiql-response');
/** An element's text as read (Monaco renders spaces as no-break spaces). */
const textOf = async (element: ReturnType<Page['locator']>) => (await element.innerText()).replace(/\s+/g, ' ');
const operationEditor = () => page.locator('.graphiql-query-editor .graphiql-editor').filter({ visible: true });

/** Runs the active tab and returns the GraphQL response the console received. */
async function run(operationName: string): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  const response = page.waitForResponse((r) => r.url().endsWith('/graphql') && r.request().method() === 'POST'
    && (r.request().postData() ?? '').includes(`"operationName":"${operationName}"`));
  await page.locator('.graphiql-execute-button').click();
  return (await response).json();
}

test('loads offline with the ready tabs, signs in, runs a query and a subscription', async () => {
  await page.goto(`${platform.url}/graphql`);
  const tabs = page.locator('.graphiql-tab');
  const opened = await until(async () => (await tabs.count()) === 7, 'the ready tabs', 20_000).then(() => true, () => false);
  expect(offsite).toEqual([]); // e.g. a CDN's GraphiQL code and styles
  expect(opened).toBe(true);
  const names = ['SignIn', 'ActionCenter', 'Search', 'ChangeStatus', 'Assign', 'AddNote', 'ActionCenterUpdates'];
  expect(await tabs.allInnerTexts()).toEqual(names);
  const openTab = async (name: string) => {
    // The tab strip is draggable (reordering), so a pointer click may start a drag: send the click itself.
    await page.locator(`#graphiql-session-tab-${names.indexOf(name)}`).dispatchEvent('click');
    await until(async () => (await page.locator('.graphiql-tab-active').innerText()) === name, `the ${name} tab`);
  };
  // The first tab says where the bearer token goes.
  expect(await textOf(operationEditor())).toContain('into the Headers pane of the other tabs: # {"authorization": "Bearer <accessToken>"}');

  // Sign in: the ready mutation with a demo operator's email and password in Variables.
  const credentials = JSON.parse(readFileSync(path.join(testEnv().dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredential[];
  const operator = credentials.find((c) => c.role === 'OPERATOR')!;
  await page.getByRole('button', { name: 'Variables' }).click();
  await typeInto(activeTool(), JSON.stringify({ email: operator.email, password: operator.password }));
  const signedIn = await run('SignIn');
  expect(signedIn.errors).toBeUndefined();
  const token = (signedIn.data!.login as { accessToken: string }).accessToken;
  await until(async () => (await textOf(responsePane())).includes('accessToken'), 'the sign-in result in the response pane');

  // The Action Center tab with the token in its Headers pane.
  await openTab('ActionCenter');
  await page.getByRole('button', { name: 'Headers' }).click();
  await typeInto(activeTool(), JSON.stringify({ authorization: `Bearer ${token}` }));
  const actionCenter = await run('ActionCenter');
  expect(actionCenter.errors).toBeUndefined();
  expect((actionCenter.data!.actionCenter as { groups: Array<{ name: string }> }).groups.map((g) => g.name)).toEqual(['URGENT', 'HIGH', 'NORMAL']);

  // The subscription tab: graphql-ws with the Headers pane as connectionParams.
  await openTab('ActionCenterUpdates');
  await page.getByRole('button', { name: 'Headers' }).click();
  await typeInto(activeTool(), JSON.stringify({ authorization: `Bearer ${token}` }));
  await page.locator('.graphiql-execute-button').click();
  await untilSubscribed(platform.url, 1);
  const subject = `Console check ${randomUUID().slice(0, 8)}`;
  const created = await platform.gql<{ createTask: { task: { id: string; ref: string } } }>(
    'mutation ($i: CreateTaskInput!) { createTask(input: $i) { task { id ref } } }',
    { i: { type: 'follow_up', subject, entityType: 'integration', entityId: randomUUID() } });
  expect(created.errors).toBeUndefined();
  const task = created.data!.createTask.task;
  await until(() => frames.some((f) => f.includes(task.id) && f.includes('task_created')), 'the task in the console\'s subscription');
  await until(async () => (await textOf(responsePane())).includes(task.ref), 'the task in the response pane');

  expect(offsite).toEqual([]);
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.filter((url) => !isLoopback(url))).toEqual([]);
  expect(seen.some((url) => url.startsWith('ws://127.0.0.1'))).toBe(true);
}, 60_000);

test('every ready tab is a valid operation of the schema', () => {
  const schema = buildSchema();
  for (const tab of CONSOLE_TABS) {
    expect(validate(schema, parse(tab.query ?? '')).map((e) => e.message)).toEqual([]);
  }
});
