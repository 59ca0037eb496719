/**
 * The scaled-out deployment form (docker-compose.yml, Dockerfile, .dockerignore), checked
 * without a Docker engine and without network:
 *
 * 1. docker-compose.yml is parsed as YAML (duplicate keys are errors), then interpolated the
 *    way Compose does it (`$$`, `${VAR}`, `${VAR:-default}`, `${VAR:?error}`, ...), then
 *    validated against the official Compose Specification JSON schema, the same schema
 *    `docker compose config` validates against (compose-go embeds it).
 *    Fixture: test/fixtures/compose-spec.json, verbatim copy of schema/compose-spec.json from
 *    github.com/compose-spec/compose-spec (Apache-2.0), last changed there in commit
 *    a08f8d51631b7127ddac3d2c65537db429d0f1d0 (2025-10-21).
 * 2. The wiring is asserted: services, images, commands (the package.json scripts), the
 *    environment (accepted by the app's own loadConfig), dependencies, published ports.
 * 3. The Dockerfile and .dockerignore are read line by line.
 */
import { describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parseDocument } from 'yaml';
import { loadConfig } from '../platform/config.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const composeText = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
const dockerfileText = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const dockerignoreText = readFileSync(path.join(root, '.dockerignore'), 'utf8');
const composeSchema = JSON.parse(
  readFileSync(path.join(root, 'test', 'fixtures', 'compose-spec.json'), 'utf8'),
) as Record<string, unknown>;
const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  engines: { node: string };
  dependencies: Record<string, string>;
};

/** A JWT_SECRET the app accepts (it wants at least 32 characters). */
const TEST_ENV = { JWT_SECRET: 'compose-test-secret-0123456789abcdef' };

const APP_SERVICES = ['migrate', 'api', 'worker'] as const;
const APP_ENVIRONMENT = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://virel:virel@postgres:5432/virel',
  TEMPORAL_ADDRESS: 'temporal:7233',
  TEMPORAL_NAMESPACE: 'default',
  API_HOST: '0.0.0.0',
  API_PORT: '4000',
  API_TRUST_PROXY: 'uniquelocal',
  JWT_SECRET: TEST_ENV.JWT_SECRET,
  // Unset by default: integrations whose secrets need sealing cannot be configured until it is set.
  INTEGRATIONS_KEYS: '',
  API_METRICS_ADDRESS: '0.0.0.0:9100',
  LOG_LEVEL: 'info',
  TEMPORAL_UI_URL: 'http://localhost:8080',
  WORKER_METRICS_ADDRESS: '0.0.0.0:9464',
  FILE_STORAGE_DIR: '/var/lib/virel/files',
};

// ---------------------------------------------------------------------------------------
// Compose interpolation (https://github.com/compose-spec/compose-spec/blob/main/spec.md#interpolation)

class InterpolationError extends Error {}

interface InterpolationResult {
  readonly value: string;
  /** Variables referenced without a default that were unset (Compose warns, uses ""). */
  readonly unsetWithoutDefault: string[];
}

/** Interpolates one string the way Compose does; throws on `${VAR:?err}` with VAR unset. */
function interpolate(input: string, env: Readonly<Record<string, string>>): InterpolationResult {
  const unsetWithoutDefault: string[] = [];
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (ch !== '$') {
      out += ch;
      i += 1;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      // Find the matching brace (defaults may nest ${...}).
      let depth = 1;
      let j = i + 2;
      while (j < input.length && depth > 0) {
        if (input[j] === '{') depth += 1;
        else if (input[j] === '}') depth -= 1;
        j += 1;
      }
      if (depth !== 0) throw new InterpolationError(`unterminated \${ in ${JSON.stringify(input)}`);
      const body = input.slice(i + 2, j - 1);
      const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(body);
      if (!match) throw new InterpolationError(`invalid interpolation \${${body}}`);
      const [, name = '', op, arg = ''] = match;
      const raw = env[name];
      const set = raw !== undefined;
      const nonEmpty = set && raw !== '';
      const nested = () => {
        const r = interpolate(arg, env);
        unsetWithoutDefault.push(...r.unsetWithoutDefault);
        return r.value;
      };
      switch (op) {
        case undefined:
          if (!set) unsetWithoutDefault.push(name);
          out += raw ?? '';
          break;
        case ':-':
          out += nonEmpty ? raw : nested();
          break;
        case '-':
          out += set ? raw : nested();
          break;
        case ':?':
          if (!nonEmpty) throw new InterpolationError(`required variable ${name} is missing a value: ${nested()}`);
          out += raw;
          break;
        case '?':
          if (!set) throw new InterpolationError(`required variable ${name} is missing a value: ${nested()}`);
          out += raw;
          break;
        case ':+':
          out += nonEmpty ? nested() : '';
          break;
        case '+':
          out += set ? nested() : '';
          break;
        default:
          throw new InterpolationError(`unsupported operator ${op}`);
      }
      i = j;
      continue;
    }
    const bare = /^[A-Za-z_][A-Za-z0-9_]*/.exec(input.slice(i + 1));
    if (bare) {
      const name = bare[0];
      if (env[name] === undefined) unsetWithoutDefault.push(name);
      out += env[name] ?? '';
      i += 1 + name.length;
      continue;
    }
    throw new InterpolationError(`lone $ at offset ${i} in ${JSON.stringify(input)} (write $$ for a literal $)`);
  }
  return { value: out, unsetWithoutDefault };
}

function interpolateTree(node: unknown, env: Readonly<Record<string, string>>, unset: Set<string>): unknown {
  if (typeof node === 'string') {
    const r = interpolate(node, env);
    for (const name of r.unsetWithoutDefault) unset.add(name);
    return r.value;
  }
  if (Array.isArray(node)) return node.map((item) => interpolateTree(item, env, unset));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateTree(v, env, unset)]));
  }
  return node;
}

// ---------------------------------------------------------------------------------------
// Loading

type Json = Record<string, unknown>;

interface PortMapping {
  readonly hostIp: string | undefined;
  readonly published: string | undefined;
  readonly target: number;
}

interface Healthcheck {
  readonly test: string | string[];
}

interface DependsOn {
  readonly condition: string;
}

interface ServiceConfigRef {
  readonly source: string;
  readonly target: string;
}

interface Service {
  readonly image?: string;
  readonly build?: { context: string; dockerfile: string };
  readonly command?: string | string[];
  readonly entrypoint?: string | string[];
  readonly environment?: Record<string, string | number | boolean | null>;
  readonly depends_on?: Record<string, DependsOn>;
  readonly ports?: Array<string | number | Json>;
  readonly expose?: Array<string | number>;
  readonly healthcheck?: Healthcheck;
  readonly deploy?: { replicas?: number | string };
  readonly volumes?: Array<string | Json>;
  readonly configs?: ServiceConfigRef[];
  readonly restart?: string;
  readonly init?: boolean;
}

interface ComposeModel {
  readonly name?: string;
  readonly services: Record<string, Service>;
  readonly volumes?: Record<string, unknown>;
  readonly configs?: Record<string, { content?: string; file?: string }>;
}

function parseYaml(text: string): Json {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('\n'));
  assert.deepEqual(doc.warnings.map((w) => w.message), [], 'YAML warnings');
  const js: unknown = doc.toJS();
  assert.ok(js !== null && typeof js === 'object' && !Array.isArray(js), 'compose file must be a mapping');
  return js as Json;
}

/** Parsed, interpolated, with deploy.replicas cast to an integer like compose-go does. */
function loadCompose(env: Readonly<Record<string, string>>): { model: ComposeModel; unset: Set<string> } {
  const unset = new Set<string>();
  const model = interpolateTree(parseYaml(composeText), env, unset) as ComposeModel;
  for (const s of Object.values(model.services)) {
    const deploy = s.deploy;
    if (deploy !== undefined && typeof deploy.replicas === 'string') {
      assert.match(deploy.replicas, /^\d+$/, `deploy.replicas must interpolate to an integer, got ${deploy.replicas}`);
      deploy.replicas = Number(deploy.replicas);
    }
  }
  return { model, unset };
}

function service(model: ComposeModel, name: string): Service {
  const s = model.services[name];
  assert.ok(s, `service ${name} is defined`);
  return s;
}

function parsePort(spec: string | number | Json): PortMapping {
  if (typeof spec === 'number') return { hostIp: undefined, published: undefined, target: spec };
  if (typeof spec === 'object') {
    return {
      hostIp: spec.host_ip as string | undefined,
      published: spec.published === undefined ? undefined : String(spec.published),
      target: Number(spec.target),
    };
  }
  const withoutProto = spec.replace(/\/(tcp|udp|sctp)$/, '');
  const parts = withoutProto.split(':');
  const target = Number(parts.pop());
  const published = parts.pop();
  const hostIp = parts.length > 0 ? parts.join(':') : undefined;
  return { hostIp, published, target };
}

function publishedPorts(model: ComposeModel): Array<PortMapping & { service: string }> {
  return Object.entries(model.services).flatMap(([name, s]) =>
    (s.ports ?? []).map((p) => ({ service: name, ...parsePort(p) })),
  );
}

function commandArray(command: string | string[] | undefined): string[] {
  if (command === undefined) return [];
  return typeof command === 'string' ? command.trim().split(/\s+/) : command;
}

function healthcheckText(h: Healthcheck | undefined): string {
  assert.ok(h, 'healthcheck is defined');
  return typeof h.test === 'string' ? h.test : h.test.join(' ');
}

function configContent(model: ComposeModel, s: Service, target: string): string {
  const ref = (s.configs ?? []).find((c) => c.target === target);
  assert.ok(ref, `a config is mounted at ${target}`);
  const content = model.configs?.[ref.source]?.content;
  assert.equal(typeof content, 'string', `config ${ref.source} has inline content`);
  return content as string;
}

// ---------------------------------------------------------------------------------------
// Schema validation

function createValidator() {
  // The fixture declares "$schema": "https://json-schema.org/draft-07/schema"; Ajv registers
  // draft-07 under its canonical http URI, so point the copy we compile at that.
  const schema = { ...composeSchema, $schema: 'http://json-schema.org/draft-07/schema#' };
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true });
  return ajv.compile(schema);
}

const validate = createValidator();

function schemaErrors(model: unknown): string[] {
  if (validate(model)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

// ---------------------------------------------------------------------------------------

describe('docker-compose.yml against the Compose Specification schema', () => {
  it('is valid YAML whose only variables without a default are JWT_SECRET (required)', () => {
    const { unset } = loadCompose(TEST_ENV);
    assert.deepEqual([...unset], []);
    assert.throws(() => loadCompose({}), /required variable JWT_SECRET is missing a value: set JWT_SECRET/);
    assert.throws(() => loadCompose({ JWT_SECRET: '' }), /JWT_SECRET/);
  });

  it('validates with default settings and when scaled out', () => {
    assert.deepEqual(schemaErrors(loadCompose(TEST_ENV).model), []);
    const scaled = loadCompose({ ...TEST_ENV, API_REPLICAS: '3', WORKER_REPLICAS: '5' }).model;
    assert.deepEqual(schemaErrors(scaled), []);
  });

  it('the schema really rejects malformed files (the validation is not vacuous)', () => {
    const base = () => structuredClone(loadCompose(TEST_ENV).model) as unknown as Json & ComposeModel;

    const unknownKey = base();
    (unknownKey.services.api as Json).dependz_on = ['migrate'];
    assert.ok(schemaErrors(unknownKey).some((e) => e.includes('additionalProperty') && e.includes('dependz_on')));

    const badCondition = base();
    (badCondition.services.api as Json).depends_on = { migrate: { condition: 'service_finished' } };
    assert.ok(schemaErrors(badCondition).some((e) => e.includes('/services/api/depends_on')));

    const badHealthcheck = base();
    (badHealthcheck.services.postgres as Json).healthcheck = { test: ['CMD'], interval: 5 };
    assert.ok(schemaErrors(badHealthcheck).some((e) => e.includes('/services/postgres/healthcheck/interval')));

    const noServicesMapping = base();
    (noServicesMapping as Json).services = ['api'];
    assert.notDeepEqual(schemaErrors(noServicesMapping), []);
  });
});

describe('docker-compose.yml services', () => {
  const { model } = loadCompose(TEST_ENV);

  it('defines the services of the deployment', () => {
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'migrate', 'api', 'worker']) service(model, name);
    for (const [name, s] of Object.entries(model.services)) {
      assert.ok(s.image !== undefined || s.build !== undefined, `${name} has an image or a build`);
    }
  });

  it('pins every third-party image to an explicit version', () => {
    for (const [name, s] of Object.entries(model.services)) {
      if (s.image === undefined) continue;
      const match = /^([a-z0-9./_-]+):([A-Za-z0-9._-]+)$/.exec(s.image);
      assert.ok(match, `${name}: image ${s.image} has a tag`);
      assert.ok(!/^(latest|stable|mainline)$/.test(match[2] ?? ''), `${name}: ${s.image} is not a floating tag`);
      // Prometheus's official tags carry a leading v (v3.5.0).
      assert.match(match[2] ?? '', /^v?\d+/, `${name}: ${s.image} is pinned to a version`);
    }
    assert.match(service(model, 'postgres').image ?? '', /^postgres:\d+(\.\d+)?(-[a-z]+)?$/);
    assert.match(service(model, 'temporal-ui').image ?? '', /^temporalio\/ui:\d+\.\d+\.\d+$/);
  });

  it('runs PostgreSQL with a named volume and a healthcheck, not published on the host', () => {
    const pg = service(model, 'postgres');
    assert.equal(pg.environment?.POSTGRES_USER, 'virel');
    assert.equal(pg.environment?.POSTGRES_PASSWORD, 'virel');
    assert.equal(pg.environment?.POSTGRES_DB, 'virel');
    const dataVolume = (pg.volumes ?? []).find(
      (v) => typeof v === 'string' && v.endsWith(':/var/lib/postgresql/data'),
    ) as string | undefined;
    assert.ok(dataVolume, 'data directory is on a volume');
    const volumeName = dataVolume.split(':')[0] ?? '';
    assert.ok(volumeName in (model.volumes ?? {}), `${volumeName} is a declared named volume`);
    assert.match(healthcheckText(pg.healthcheck), /pg_isready/);
    assert.equal(pg.ports, undefined);
  });

  it('runs Temporal on the same PostgreSQL, with its schema set up first', () => {
    const temporal = service(model, 'temporal');
    const env = temporal.environment ?? {};
    assert.match(temporal.image ?? '', /^temporalio\/(server|auto-setup):1\.\d+\.\d+$/);
    assert.equal(env.DB, 'postgres12');
    assert.equal(env.POSTGRES_SEEDS, 'postgres', 'Temporal points at the postgres service');
    assert.equal(String(env.DB_PORT), '5432');
    assert.equal(env.BIND_ON_IP, '0.0.0.0');
    assert.ok(temporal.healthcheck, 'temporal has a healthcheck');

    // The dynamic config file the server insists on is provided.
    assert.ok(typeof env.DYNAMIC_CONFIG_FILE_PATH === 'string');
    const dynamicConfig = parseYaml(configContent(model, temporal, env.DYNAMIC_CONFIG_FILE_PATH));
    assert.ok(Object.keys(dynamicConfig).length > 0);

    // Schema job: admin-tools against the same server, same credentials, before Temporal.
    const schemaName = Object.entries(temporal.depends_on ?? {}).find(
      ([dep, d]) =>
        d.condition === 'service_completed_successfully' &&
        /^temporalio\/admin-tools:/.test(model.services[dep]?.image ?? ''),
    )?.[0];
    assert.ok(schemaName, 'temporal depends on an admin-tools schema job completing');
    const schemaJob = service(model, schemaName);
    assert.equal(schemaJob.image?.split(':')[1], temporal.image?.split(':')[1], 'admin-tools matches the server version');
    assert.deepEqual(schemaJob.depends_on?.postgres, { condition: 'service_healthy' }, `${schemaName} waits for postgres`);
    const schemaEnv = schemaJob.environment ?? {};
    assert.equal(schemaEnv.SQL_HOST, 'postgres');
    assert.equal(schemaEnv.SQL_PLUGIN, 'postgres12');
    assert.equal(schemaEnv.SQL_USER, env.POSTGRES_USER);
    assert.equal(schemaEnv.SQL_PASSWORD, env.POSTGRES_PWD);
    const script = commandArray(schemaJob.command).join(' ');
    for (const db of [env.DBNAME, env.VISIBILITY_DBNAME]) {
      assert.ok(typeof db === 'string' && db.length > 0);
      assert.match(script, new RegExp(`--db ${db} setup-schema -v 0\\.0`));
      assert.match(script, new RegExp(`--db ${db} update-schema -d /etc/temporal/schema/postgresql/v12/`));
    }

    // The databases and role Temporal uses are created in the postgres service on first start.
    const initSql = configContent(model, service(model, 'postgres'), '/docker-entrypoint-initdb.d/10-temporal.sql');
    assert.match(initSql, new RegExp(`CREATE ROLE ${env.POSTGRES_USER} LOGIN PASSWORD '${env.POSTGRES_PWD}'`));
    assert.match(initSql, new RegExp(`CREATE DATABASE ${env.DBNAME} OWNER ${env.POSTGRES_USER};`));
    assert.match(initSql, new RegExp(`CREATE DATABASE ${env.VISIBILITY_DBNAME} OWNER ${env.POSTGRES_USER};`));
  });

  it('registers the namespace the app uses before the app starts', () => {
    const ns = service(model, 'temporal-namespace');
    assert.deepEqual(ns.depends_on?.temporal, { condition: 'service_healthy' });
    assert.equal(ns.environment?.TEMPORAL_ADDRESS, APP_ENVIRONMENT.TEMPORAL_ADDRESS);
    assert.equal(ns.environment?.TEMPORAL_NAMESPACE, APP_ENVIRONMENT.TEMPORAL_NAMESPACE);
    const script = commandArray(ns.command).join('\n');
    assert.match(script, /temporal operator namespace create --namespace "\$ns"/);
    assert.match(script, /ns="\$\{TEMPORAL_NAMESPACE\}"/, '$$ escapes reach the shell as $');
  });

  it('runs the Temporal UI against the temporal service', () => {
    const ui = service(model, 'temporal-ui');
    assert.equal(ui.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.deepEqual(ui.depends_on?.temporal, { condition: 'service_healthy' });
  });

  it('builds migrate, api and worker from the Dockerfile and runs the package.json scripts', () => {
    // npm scripts `exec` so npm's forwarded signals reach node; the container runs node directly.
    const script = (name: string) => packageJson.scripts[name]?.replace(/^exec /, '');
    const scripts: Record<(typeof APP_SERVICES)[number], string | undefined> = {
      migrate: script('migrate'),
      api: script('api'),
      worker: script('worker'),
    };
    assert.deepEqual(commandArray(service(model, 'migrate').command), ['node', 'db/cli.ts', 'migrate']);
    assert.deepEqual(commandArray(service(model, 'api').command), ['node', 'api/main.ts']);
    assert.deepEqual(commandArray(service(model, 'worker').command), ['node', 'worker/main.ts']);
    for (const name of APP_SERVICES) {
      const s = service(model, name);
      assert.deepEqual(s.build, { context: '.', dockerfile: 'Dockerfile' }, `${name} build`);
      assert.ok(existsSync(path.join(root, s.build.context, s.build.dockerfile)));
      assert.equal(s.image, undefined, `${name} uses the image it builds`);
      assert.equal(commandArray(s.command).join(' '), scripts[name], `${name} runs \`npm run ${name}\`'s command`);
      assert.equal(s.init, true, `${name} runs under an init process (signals reach node)`);
    }
  });

  it('gives the app services exactly the environment the app reads, which its config accepts', () => {
    for (const name of APP_SERVICES) {
      const env = service(model, name).environment ?? {};
      assert.deepEqual(
        Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
        APP_ENVIRONMENT,
        `${name} environment`,
      );
      const config = loadConfig(env as NodeJS.ProcessEnv);
      assert.equal(config.env, 'production');
      assert.equal(config.database.url, APP_ENVIRONMENT.DATABASE_URL);
      assert.equal(config.temporal.address, 'temporal:7233');
      assert.equal(config.temporal.namespace, 'default');
      assert.equal(config.temporal.uiUrl, 'http://localhost:8080');
      assert.equal(config.api.host, '0.0.0.0');
      assert.equal(config.api.port, 4000);
      assert.equal(config.jwtSecret, TEST_ENV.JWT_SECRET);
      assert.equal(config.logLevel, 'info');
      assert.equal(config.files.storageDir, '/var/lib/virel/files');
    }
    // The api stores uploads and the workers process them: one volume, mounted by both.
    for (const name of ['api', 'worker']) assert.deepEqual(service(model, name).volumes, ['files:/var/lib/virel/files'], `${name} volumes`);
    // The hostnames in the URLs are services of this file.
    assert.equal(new URL(APP_ENVIRONMENT.DATABASE_URL).hostname, 'postgres');
    assert.equal(APP_ENVIRONMENT.TEMPORAL_ADDRESS.split(':')[0], 'temporal');
  });

  it('starts api and worker only after migrate completed, migrate after postgres is healthy', () => {
    const migrate = service(model, 'migrate');
    assert.deepEqual(migrate.depends_on?.postgres, { condition: 'service_healthy' });
    assert.ok(migrate.restart === undefined || migrate.restart === 'no', 'migrate is one-shot');
    for (const name of ['api', 'worker']) {
      const s = service(model, name);
      assert.deepEqual(s.depends_on?.migrate, { condition: 'service_completed_successfully' }, name);
      const temporalReady = Object.entries(s.depends_on ?? {}).some(
        ([dep, d]) => /^temporal/.test(dep) && dep !== 'temporal-ui' && d.condition !== 'service_started',
      );
      assert.ok(temporalReady, `${name} waits for Temporal to be ready`);
    }
  });

  it('scales api and worker through API_REPLICAS and WORKER_REPLICAS', () => {
    assert.equal(service(model, 'api').deploy?.replicas, 1);
    assert.equal(service(model, 'worker').deploy?.replicas, 2);
    const scaled = loadCompose({ ...TEST_ENV, API_REPLICAS: '4', WORKER_REPLICAS: '6' }).model;
    assert.equal(service(scaled, 'api').deploy?.replicas, 4);
    assert.equal(service(scaled, 'worker').deploy?.replicas, 6);
  });

  it('publishes ports on 127.0.0.1 only: 7233 Temporal, 8080 UI, 4000 API', () => {
    const ports = publishedPorts(model);
    for (const p of ports) {
      assert.equal(p.hostIp, '127.0.0.1', `${p.service} publishes ${p.published}:${p.target} on loopback only`);
    }
    const byHostPort = new Map(ports.map((p) => [p.published, p]));
    assert.equal(byHostPort.size, ports.length, 'no two services publish the same host port');
    assert.deepEqual(byHostPort.get('7233'), { service: 'temporal', hostIp: '127.0.0.1', published: '7233', target: 7233 });
    assert.deepEqual(byHostPort.get('8080'), { service: 'temporal-ui', hostIp: '127.0.0.1', published: '8080', target: 8080 });
    assert.equal(byHostPort.get('4000')?.target, 4000);
  });

  it('keeps host port 4000 clash-free for any number of api replicas, behind a gateway', () => {
    const api = service(model, 'api');
    assert.equal(api.ports, undefined, 'api replicas publish no host port');
    assert.deepEqual(api.expose?.map(String), ['4000']);
    assert.match(healthcheckText(api.healthcheck), /http:\/\/localhost:4000\/api\/v1\/health/);

    const gatewayName = publishedPorts(model).find((p) => p.published === '4000')?.service ?? '';
    const gateway = service(model, gatewayName);
    assert.deepEqual(gateway.depends_on?.api, { condition: 'service_healthy' });
    assert.deepEqual(gateway.deploy?.replicas ?? 1, 1, 'the gateway itself is a single container');
    const nginx = configContent(model, gateway, '/etc/nginx/nginx.conf');
    assert.match(nginx, /resolver 127\.0\.0\.11 /, 're-resolves api through Docker DNS (new replicas are found)');
    assert.match(nginx, /set \$api_upstream http:\/\/api:4000;/);
    assert.match(nginx, /proxy_pass \$api_upstream;/);
    assert.match(nginx, /listen 4000;/);
    assert.match(nginx, /proxy_set_header Upgrade \$http_upgrade;/, 'WebSocket subscriptions pass through');
    assert.doesNotMatch(nginx, /(^|[^$])\$\$/, 'no unescaped $$ left after interpolation');
    let braces = 0;
    for (const ch of nginx) {
      braces += ch === '{' ? 1 : ch === '}' ? -1 : 0;
      assert.ok(braces >= 0);
    }
    assert.equal(braces, 0, 'nginx.conf braces balance');
  });

  it('scrapes every api and worker replica into Prometheus, with the committed Grafana dashboard provisioned', () => {
    const prometheus = configContent(model, service(model, 'prometheus'), '/etc/prometheus/prometheus.yml');
    assert.match(prometheus, /names: \[api\][\s\S]*port: 4000/);
    assert.match(prometheus, /names: \[worker\][\s\S]*port: 9464/);
    assert.equal(APP_ENVIRONMENT.WORKER_METRICS_ADDRESS, '0.0.0.0:9464');
    const grafana = service(model, 'grafana');
    assert.match(configContent(model, grafana, '/etc/grafana/provisioning/datasources/prometheus.yml'), /url: http:\/\/prometheus:9090/);
    assert.match(configContent(model, grafana, '/etc/grafana/provisioning/dashboards/virel.yml'), /path: \/var\/lib\/grafana\/dashboards/);
    const dashboard = JSON.parse(readFileSync(path.join(root, 'grafana/virel-dashboard.json'), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    for (const metric of ['virel_automation_outbox_pending', 'virel_automation_outbox_lag_seconds', 'virel_automation_executions_24h', 'virel_automation_actions_24h', 'virel_transitions_24h', 'virel_sla_events_24h', 'temporal_activity']) {
      assert.ok(exprs.includes(metric), `the dashboard charts ${metric}`);
    }
  });

  it('restarts the long-running services', () => {
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'api', 'worker']) {
      assert.equal(service(model, name).restart, 'unless-stopped', name);
    }
  });
});

describe('Dockerfile', () => {
  const lines = dockerfileText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const allInstructions = lines.map((l) => {
    const [keyword = '', ...rest] = l.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
  const stages = allInstructions.filter((i) => i.keyword === 'FROM');
  // The runtime image is the last stage; earlier ones (the web app's build) leave only files behind.
  const lastFrom = allInstructions.findLastIndex((i) => i.keyword === 'FROM');
  const instructions = allInstructions.slice(lastFrom);
  const indexOf = (predicate: (i: { keyword: string; args: string }) => boolean) => instructions.findIndex(predicate);

  it('is based on a pinned node:22.x-bookworm-slim that strips types by default', () => {
    const bases = new Set(stages.map((i) => i.args.replace(/\s+AS\s+\S+$/i, '')));
    assert.equal(bases.size, 1, 'every stage on one base image');
    const runtime = stages.at(-1)?.args ?? '';
    const match = /^node:(\d+)\.(\d+)-bookworm-slim$/.exec(runtime);
    assert.ok(match, `FROM ${runtime} is node:<major>.<minor>-bookworm-slim`);
    const [major, minor] = [Number(match[1]), Number(match[2])];
    assert.ok(major >= 22, 'Node >= 22');
    const engines = /(\d+)\.(\d+)/.exec(packageJson.engines.node);
    assert.ok(engines);
    const [minMajor, minMinor] = [Number(engines[1]), Number(engines[2])];
    assert.ok(major > minMajor || (major === minMajor && minor >= minMinor), `satisfies engines ${packageJson.engines.node}`);
    assert.equal(String(major), packageJson.dependencies.node?.split('.')[0], 'same major as the pinned `node` package');
  });

  it('installs production dependencies from the lockfile before copying sources', () => {
    const copyManifests = indexOf((i) => i.keyword === 'COPY' && /package\.json/.test(i.args) && /package-lock\.json/.test(i.args));
    const npmCi = indexOf((i) => i.keyword === 'RUN' && /\bnpm ci --omit=dev\b/.test(i.args));
    const copySources = indexOf((i) => i.keyword === 'COPY' && /^\.\s+\.$/.test(i.args));
    assert.ok(copyManifests >= 0 && npmCi > copyManifests && copySources > npmCi);
    assert.ok(instructions.some((i) => i.keyword === 'ENV' && /NODE_ENV=production/.test(i.args)));
  });

  it('builds the web app in an earlier stage and ships only its static files', () => {
    assert.ok(stages.length === 2 && /\sAS\s+web$/i.test(stages[0]?.args ?? ''), 'a `web` build stage before the runtime');
    assert.ok(instructions.some((i) => i.keyword === 'COPY' && /--from=web\s+\/app\/web\/dist\s/.test(i.args)), 'runtime copies web/dist from it');
  });

  it('runs as a non-root user with `node api/main.ts` by default', () => {
    const users = instructions.filter((i) => i.keyword === 'USER');
    const lastUser = users.at(-1)?.args ?? '';
    assert.ok(lastUser !== '' && !/^(root|0)(:|$)/.test(lastUser), `USER ${lastUser} is not root`);
    const cmd = instructions.filter((i) => i.keyword === 'CMD').at(-1);
    assert.deepEqual(JSON.parse(cmd?.args ?? 'null'), ['node', 'api/main.ts'], 'exec-form CMD');
    assert.equal(instructions.some((i) => i.keyword === 'ENTRYPOINT'), false, 'compose commands replace CMD only');
  });
});

describe('.dockerignore', () => {
  const entries = dockerignoreText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

  it('keeps host dependencies, local data, tools and VCS out of the build context', () => {
    for (const required of ['node_modules', '.data', '.tools', '.git']) {
      assert.ok(entries.includes(required), `${required} is ignored`);
    }
    assert.ok(entries.includes('.env'), 'local secrets stay out of the image');
  });

  it('does not ignore what the image needs', () => {
    for (const needed of ['package.json', 'package-lock.json', 'api', 'worker', 'db', 'platform']) {
      assert.ok(!entries.includes(needed) && !entries.includes(`${needed}/`), `${needed} is in the context`);
    }
    assert.ok(!entries.some((e) => e.startsWith('!')), 'no re-include rules to reason about');
  });
});
