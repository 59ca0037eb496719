/**
 * `npm start` as a new user runs it: the launcher brings up embedded PostgreSQL, the Temporal
 * dev server with its UI, the worker and the API; the URLs it prints answer; the skeleton
 * works through them; SIGTERM stops every process; a restart keeps rows and running
 * workflows; and a launcher killed with SIGKILL is recovered from by the next start. Every stop
 * (SIGTERM, Ctrl-C through npm, a second signal while stopping) is ordered and leaves no process
 * and no pid file; a leftover pid is signalled only if it still names the process started.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import nodemailer from 'nodemailer';
import { PROJECT_ROOT, resolveTemporalCli } from '../launcher/temporal-binaries.ts';
import { freePort } from '../launcher/ports.ts';
import { stopStaleProcess } from '../launcher/child-process.ts';
import { until } from './support/wait.ts';

const run = promisify(execFile);
let dataDir: string;
let env: NodeJS.ProcessEnv;
let ports: { pg: number; temporal: number; ui: number; api: number; workerMetrics: number; smtp: number; inbox: number; stripe: number };
const launched: ChildProcess[] = [];

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly urls: Record<string, string>;
}

/**
 * Starts the launcher directly, or as a user does with `npm start` in a terminal: npm in a
 * process group of its own (the terminal's foreground group, which Ctrl-C signals as a whole).
 */
async function startLauncher(how: 'direct' | 'npm' = 'direct'): Promise<Started> {
  const child = how === 'npm'
    ? spawn('npm', ['start'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    : spawn(process.execPath, [path.join(PROJECT_ROOT, 'launcher/main.ts')], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  launched.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`launcher did not come up in 90 s:\n${output.slice(-4000)}`)), 90_000);
    const check = () => {
      if (output.includes('Ctrl-C stops everything')) {
        clearTimeout(timer);
        // The banner is written in one piece; give the stream a tick to deliver all of it.
        setTimeout(resolve, 100);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`launcher exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
  const urls: Record<string, string> = {};
  for (const match of output.matchAll(/^ {2}(Action Center|GraphQL console|Health|Metrics \(API\)|Metrics \(worker\)|Temporal UI|Mail inbox)\s+(http\S+)/gm)) {
    urls[match[1] as string] = match[2] as string;
  }
  return { child, output: () => output, urls };
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const PID_FILES = ['run/api.pid', 'run/worker.pid', 'run/localstripe.pid', 'temporal/server.pid', 'postgres.pid', 'postgres/postmaster.pid'];

/** The pids of everything the launcher started, from the pid files it keeps. */
async function platformPids(): Promise<number[]> {
  const files = PID_FILES.filter((file) => file !== 'postgres/postmaster.pid');
  const pids = await Promise.all(
    files.map((file) => readFile(path.join(dataDir, file), 'utf8').then((text) => Number.parseInt(text.split('\n')[0] ?? '', 10)).catch(() => NaN)),
  );
  return pids.filter((pid) => Number.isInteger(pid) && pid > 0);
}

/**
 * The launcher stopped as it should: exit 0, every part stopped in reverse start order, and
 * 'all stopped' its last line; no pid file and no process left.
 */
async function expectCleanStop(started: Started, pids: number[], exit: Promise<number | null> = exitOf(started.child)): Promise<void> {
  expect(await exit).toBe(0);
  const lines = started.output().split('\n').filter((line) => line.trim());
  const order = ['"api stopped"', '"worker stopped"', '"temporal stopped"', '"postgres stopped"', '"all stopped"']
    .map((marker) => lines.findIndex((line) => line.includes(marker)));
  const inOrder = order.every((index, i) => index >= 0 && (i === 0 || index > (order[i - 1] as number)));
  if (!inOrder || !lines.at(-1)?.includes('"all stopped"')) throw new Error(`not a clean, ordered stop (${order.join(', ')}):\n${lines.slice(-25).join('\n')}`);
  const left = await Promise.all(PID_FILES.map((file) => readFile(path.join(dataDir, file)).then(() => file, () => undefined)));
  expect(left.filter(Boolean)).toEqual([]);
  expect(pids.filter(alive)).toEqual([]);
}

async function post<T>(apiUrl: string, query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const response = await fetch(`${apiUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** As the demo owner, whose password the launcher stored in the data folder. */
async function gql<T>(apiUrl: string, query: string): Promise<T> {
  const credentials = JSON.parse(await readFile(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as Array<{ role: string; email: string; password: string }>;
  const owner = credentials.find((c) => c.role === 'OWNER')!;
  const { login } = await post<{ login: { accessToken: string } }>(apiUrl, 'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }', { e: owner.email, p: owner.password });
  return post<T>(apiUrl, query, {}, login.accessToken);
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'virel-launcher-'));
  ports = { pg: await freePort(), temporal: await freePort(), ui: await freePort(), api: await freePort(), workerMetrics: await freePort(), smtp: await freePort(), inbox: await freePort(), stripe: await freePort() };
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    EMBEDDED_POSTGRES_PORT: String(ports.pg),
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    API_PORT: String(ports.api),
    WORKER_METRICS_ADDRESS: `127.0.0.1:${ports.workerMetrics}`,
    MAIL_CATCHER_SMTP_PORT: String(ports.smtp),
    MAIL_CATCHER_WEB_PORT: String(ports.inbox),
    STRIPE_STANDIN_PORT: String(ports.stripe),
  };
});

afterAll(async () => {
  for (const child of launched) if (child.exitCode === null) child.kill('SIGKILL');
  for (const pid of await platformPids()) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  const externalRef = `launcher-${Date.now()}`;
  let apiUrl: string;
  let inquiryId: string;

  test('brings the platform up and every printed URL answers', async () => {
    const started = await startLauncher();
    expect(Object.keys(started.urls).sort()).toEqual(['Action Center', 'GraphQL console', 'Health', 'Mail inbox', 'Metrics (API)', 'Metrics (worker)', 'Temporal UI']);
    // The app's URL comes first: it is where people go.
    expect(Object.keys(started.urls)[0]).toBe('Action Center');
    apiUrl = started.urls['GraphQL console']!.replace(/\/graphql$/, '');

    const web = await fetch(started.urls['Action Center']!, { headers: { accept: 'text/html' } });
    expect(web.status).toBe(200);
    expect(web.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await web.text()).toMatch(/<div id="root">/);

    const console = await fetch(started.urls['GraphQL console']!, { headers: { accept: 'text/html' } });
    expect(console.status).toBe(200);
    expect(await console.text()).toMatch(/graphiql/i);
    const health = await fetch(started.urls.Health!);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', checks: { postgres: { status: 'up' }, temporal: { status: 'up' } } });
    expect(await (await fetch(started.urls['Metrics (API)']!)).text()).toContain('process_cpu_seconds_total');
    expect(await (await fetch(started.urls['Metrics (worker)']!)).text()).toMatch(/temporal_/);
    const ui = await fetch(started.urls['Temporal UI']!);
    expect(ui.status).toBe(200);
    // The mail catcher: its inbox page, and mail sent to its SMTP port shows up in it.
    expect(started.urls['Mail inbox']).toBe(`http://127.0.0.1:${ports.inbox}/index.html`);
    const inbox = await fetch(started.urls['Mail inbox']!);
    expect(inbox.status).toBe(200);
    expect(await inbox.text()).toMatch(/maildev/i);
    const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: ports.smtp, secure: false });
    await smtp.sendMail({ from: 'ops@virel.local', to: 'someone@example.com', subject: 'launcher check', text: 'hello' });
    const mails = (await (await fetch(`http://127.0.0.1:${ports.inbox}/api/email`)).json()) as Array<{ subject: string }>;
    expect(mails.map((m) => m.subject)).toContain('launcher check');
    expect(await ui.text()).toMatch(/<html/i);
    // Without a Stripe key, payments run against the stand-in the launcher started and printed.
    const standIn = /^ {2}Stripe stand-in\s+(http\S+)/m.exec(started.output())?.[1];
    expect((await fetch(`${standIn}/v1/payment_intents?limit=1`, { headers: { authorization: 'Bearer sk_test_localstripe' } })).status).toBe(200);
    // Demo users and their passwords are printed in development mode.
    expect(started.output()).toMatch(/OWNER\s+owner@virel\.local\s+\S{8,}/);

    // Demo inquiries exist in several states, each moved there by its workflow.
    const demo = await gql<{ inquiries: { edges: Array<{ node: { status: string; workflowId: string } }> } }>(apiUrl, '{ inquiries(first: 100) { edges { node { status workflowId } } } }');
    expect(new Set(demo.inquiries.edges.map((e) => e.node.status))).toEqual(new Set(['new', 'qualified', 'awaiting_client', 'awaiting_deposit', 'lost', 'spam', 'converted']));
    const cli = await resolveTemporalCli();
    let converted: unknown[] = [];
    for (let attempt = 0; attempt < 50 && converted.length === 0; attempt++) {
      // Visibility is eventually consistent.
      const { stdout } = await run(cli, ['workflow', 'list', '--address', `127.0.0.1:${ports.temporal}`, '--query', `VirelEntityType='inquiry' AND VirelStatus='converted'`, '--output', 'json']);
      converted = JSON.parse(stdout || '[]') as unknown[];
      if (converted.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(converted).toHaveLength(1);

    // By phone: a web inquiry is qualified at once by the shipped automation rule 1, and this one must stay new.
    const data = await gql<{ createInquiry: { inquiry: { id: string; ref: string } } }>(apiUrl,
      `mutation { createInquiry(input: { source: phone, externalRef: "${externalRef}", clientName: "Launcher Test" }) { inquiry { id ref } } }`);
    inquiryId = data.createInquiry.inquiry.id;

    const pids = await platformPids();
    expect(pids).toHaveLength(5);
    started.child.kill('SIGTERM');
    await expectCleanStop(started, pids);
  }, 120_000);

  test('a second start (npm start) keeps the rows and the running workflows of the first; Ctrl-C stops it in order', async () => {
    const started = await startLauncher('npm');
    const data = await gql<{ inquiry: { ref: string; status: string } | null }>(apiUrl, `{ inquiry(id: "${inquiryId}") { ref status } }`);
    expect(data.inquiry).toMatchObject({ status: 'new' });
    const cli = await resolveTemporalCli();
    const { stdout } = await run(cli, ['workflow', 'describe', '--address', `127.0.0.1:${ports.temporal}`, '--workflow-id', `inquiry:phone:${externalRef}`, '--output', 'json']);
    expect(JSON.parse(stdout).workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_RUNNING');
    // Demo data is seeded once: the second start prints the same credentials it stored.
    expect(started.output()).toMatch(/OWNER\s+owner@virel\.local/);
    // Ctrl-C in a terminal: SIGINT to npm's whole process group; npm also forwards it to the
    // launcher, which so gets it twice (or once, when the kernel merges the two pending
    // signals; the next test sends the second one while the stop runs).
    const pids = await platformPids();
    const exit = exitOf(started.child);
    process.kill(-started.child.pid!, 'SIGINT');
    await expectCleanStop(started, pids, exit);
  }, 120_000);

  test('a port held by another process stops the start with a clear message and leaves nothing running', async () => {
    const { createServer } = await import('node:net');
    const squatter = createServer().listen(ports.api, '127.0.0.1');
    await new Promise((r) => squatter.once('listening', r));
    try {
      const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'launcher/main.ts')], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      expect(await exitOf(child)).toBe(1);
      expect(output).toContain(`127.0.0.1:${ports.api} (API) is already in use by another process. Stop it, or choose another port with API_PORT.`);
      expect((await platformPids()).filter(alive)).toEqual([]);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  }, 120_000);

  test('after the launcher is killed with SIGKILL, the next start cleans up and carries on', async () => {
    const crashed = await startLauncher();
    const orphans = await platformPids();
    crashed.child.kill('SIGKILL');
    await exitOf(crashed.child);
    // Its children outlive it...
    expect(orphans.filter(alive).length).toBeGreaterThan(0);

    // ...until the next start stops them and starts afresh on the same data.
    const started = await startLauncher();
    expect(orphans.filter(alive)).toEqual([]);
    const data = await gql<{ inquiries: { edges: unknown[] } }>(apiUrl, '{ inquiries(first: 100) { edges { cursor } } }');
    expect(data.inquiries.edges.length).toBeGreaterThanOrEqual(1);
    // A second signal during the stop does not cut it short.
    const pids = await platformPids();
    const exit = exitOf(started.child);
    started.child.kill('SIGTERM');
    await until(() => started.output().includes('"stopping the platform"'), 'the stop to begin');
    started.child.kill('SIGINT');
    await expectCleanStop(started, pids, exit);
    expect(started.output()).toContain('already stopping');
  }, 180_000);

  test('a leftover pid file is trusted only while it names the same process (start time and folder)', async () => {
    const stranger = spawn('sleep', ['60'], { cwd: tmpdir() });
    const pidFile = path.join(dataDir, 'stranger.pid');
    try {
      // Its pid, with an identity that is not its own (another start time): left alone.
      await writeFile(pidFile, `${stranger.pid}\n1\n${await realpath(tmpdir())}\n`);
      await stopStaleProcess(pidFile, 'sleep');
      expect(alive(stranger.pid!)).toBe(true);
      // Its start time but another folder (another checkout): left alone.
      const startTicks = (await readFile(`/proc/${stranger.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')[19];
      await writeFile(pidFile, `${stranger.pid}\n${startTicks}\n${PROJECT_ROOT}\n`);
      await stopStaleProcess(pidFile, 'sleep');
      expect(alive(stranger.pid!)).toBe(true);
      // Its own identity: stopped, and the pid file removed.
      await writeFile(pidFile, `${stranger.pid}\n${startTicks}\n${await realpath(tmpdir())}\n`);
      const gone = exitOf(stranger);
      await stopStaleProcess(pidFile, 'sleep');
      await gone;
      expect(stranger.signalCode).toBe('SIGTERM');
      await expect(readFile(pidFile)).rejects.toThrow();
    } finally {
      stranger.kill('SIGKILL');
    }
  });
});
