/**
 * `npm start` as a new user runs it: the launcher brings up embedded PostgreSQL, the Temporal
 * dev server with its UI, the worker and the API; the URLs it prints answer; the skeleton
 * works through them; SIGTERM stops every process; a restart keeps rows and running
 * workflows; and a launcher killed with SIGKILL is recovered from by the next start.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { PROJECT_ROOT, resolveTemporalCli } from '../launcher/temporal-binaries.ts';
import { freePort } from '../launcher/ports.ts';

const run = promisify(execFile);
let dataDir: string;
let env: NodeJS.ProcessEnv;
let ports: { pg: number; temporal: number; ui: number; api: number; workerMetrics: number };
const launched: ChildProcess[] = [];

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly urls: Record<string, string>;
}

async function startLauncher(): Promise<Started> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'launcher/main.ts')], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
  for (const match of output.matchAll(/^ {2}(GraphQL console|Health|Metrics \(API\)|Metrics \(worker\)|Temporal UI)\s+(http\S+)/gm)) {
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

/** The pids of everything the launcher started, from the pid files it keeps. */
async function platformPids(): Promise<number[]> {
  const files = ['run/api.pid', 'run/worker.pid', 'temporal/server.pid', 'postgres/postmaster.pid'];
  const pids = await Promise.all(
    files.map((file) => readFile(path.join(dataDir, file), 'utf8').then((text) => Number.parseInt(text.split('\n')[0] ?? '', 10)).catch(() => NaN)),
  );
  return pids.filter((pid) => Number.isInteger(pid) && pid > 0);
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
  ports = { pg: await freePort(), temporal: await freePort(), ui: await freePort(), api: await freePort(), workerMetrics: await freePort() };
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
    expect(Object.keys(started.urls).sort()).toEqual(['GraphQL console', 'Health', 'Metrics (API)', 'Metrics (worker)', 'Temporal UI']);
    apiUrl = started.urls['GraphQL console']!.replace(/\/graphql$/, '');

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
    expect(await ui.text()).toMatch(/<html/i);
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

    const data = await gql<{ createInquiry: { inquiry: { id: string; ref: string } } }>(apiUrl,
      `mutation { createInquiry(input: { source: web, externalRef: "${externalRef}", clientName: "Launcher Test" }) { inquiry { id ref } } }`);
    inquiryId = data.createInquiry.inquiry.id;

    const pids = await platformPids();
    expect(pids).toHaveLength(4);
    started.child.kill('SIGTERM');
    expect(await exitOf(started.child)).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
  }, 120_000);

  test('a second start keeps the rows and the running workflows of the first', async () => {
    const started = await startLauncher();
    const data = await gql<{ inquiry: { ref: string; status: string } | null }>(apiUrl, `{ inquiry(id: "${inquiryId}") { ref status } }`);
    expect(data.inquiry).toMatchObject({ status: 'new' });
    const cli = await resolveTemporalCli();
    const { stdout } = await run(cli, ['workflow', 'describe', '--address', `127.0.0.1:${ports.temporal}`, '--workflow-id', `inquiry:web:${externalRef}`, '--output', 'json']);
    expect(JSON.parse(stdout).workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_RUNNING');
    // Demo data is seeded once: the second start prints the same credentials it stored.
    expect(started.output()).toMatch(/OWNER\s+owner@virel\.local/);
    started.child.kill('SIGINT');
    expect(await exitOf(started.child)).toBe(0);
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
    const pids = await platformPids();
    started.child.kill('SIGTERM');
    expect(await exitOf(started.child)).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
  }, 180_000);
});
