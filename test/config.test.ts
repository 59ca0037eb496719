/** Configuration is validated at start with messages that name the variable. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { ConfigError, loadConfig } from '../platform/config.ts';
import { PROJECT_ROOT } from '../launcher/temporal-binaries.ts';

describe('configuration', () => {
  test('embedded defaults need no variable at all', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      database: { url: undefined, embeddedPort: 54329 },
      temporal: { address: undefined, namespace: 'default', port: 7233, uiPort: 8233 },
      api: { host: '127.0.0.1', port: 4000 },
      seedDemoData: true,
    });
    expect(path.isAbsolute(config.dataDir)).toBe(true);
  });

  test.each([
    [{ API_PORT: 'eighty' }, 'API_PORT'],
    [{ API_PORT: '70000' }, 'API_PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL: must be a postgres:// or postgresql:// URL'],
    [{ TEMPORAL_ADDRESS: 'http://temporal:7233' }, 'TEMPORAL_ADDRESS: must be host:port'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET: must be at least 32 characters'],
    [{ NODE_ENV: 'production' }, 'JWT_SECRET: required when NODE_ENV=production'],
    [{ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }, 'METRICS_TOKEN or API_METRICS_ADDRESS: one is required when NODE_ENV=production'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN: must be at least 24 characters'],
    [{ INTEGRATIONS_KEYS: 'k1:c2hvcnQ=' }, 'INTEGRATIONS_KEYS: key k1 must be 32 bytes, base64-encoded (got 5 bytes)'],
    [{ INTEGRATIONS_KEYS: 'no key here' }, 'INTEGRATIONS_KEYS: each key must be <id>:<base64 key>'],
    [{ API_METRICS_ADDRESS: 'http://10.0.0.1:9100' }, 'API_METRICS_ADDRESS: must be host:port'],
  ])('%j is refused with a message naming it', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  test('production serves metrics behind a token or on an internal address', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) };
    expect(loadConfig({ ...production, METRICS_TOKEN: 't'.repeat(24) }).api.metrics).toEqual({ token: 't'.repeat(24), address: undefined });
    expect(loadConfig({ ...production, API_METRICS_ADDRESS: '10.0.0.5:9100' }).api.metrics).toEqual({ token: undefined, address: { host: '10.0.0.5', port: 9100 } });
  });

  test('files go to the local folder unless FILE_STORAGE=s3 names a bucket', () => {
    expect(loadConfig({}).files.s3).toBeUndefined();
    const s3 = { FILE_STORAGE: 's3', S3_BUCKET: 'virel-media', S3_REGION: 'eu-west-2' };
    expect(loadConfig(s3).files.s3).toEqual({ bucket: 'virel-media', region: 'eu-west-2', endpoint: undefined, forcePathStyle: false, credentials: undefined });
    expect(loadConfig({ ...s3, S3_ENDPOINT: 'http://127.0.0.1:9000/', S3_FORCE_PATH_STYLE: 'true', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret' }).files.s3).toEqual({
      bucket: 'virel-media', region: 'eu-west-2', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, credentials: { accessKeyId: 'id', secretAccessKey: 'secret' },
    });
  });

  test.each([
    [{ FILE_STORAGE: 'bucket' }, 'FILE_STORAGE'],
    [{ FILE_STORAGE: 's3', S3_REGION: 'eu-west-2' }, 'S3_BUCKET: required when FILE_STORAGE=s3'],
    [{ FILE_STORAGE: 's3', S3_BUCKET: 'virel-media' }, 'S3_REGION: required when FILE_STORAGE=s3'],
    [{ FILE_STORAGE: 's3', S3_BUCKET: 'virel-media', S3_REGION: 'eu-west-2', S3_ACCESS_KEY_ID: 'id' }, 'S3_SECRET_ACCESS_KEY: required with S3_ACCESS_KEY_ID'],
    [{ FILE_STORAGE: 's3', S3_BUCKET: 'virel-media', S3_REGION: 'eu-west-2', S3_SECRET_ACCESS_KEY: 'secret' }, 'S3_ACCESS_KEY_ID: required with S3_SECRET_ACCESS_KEY'],
    [{ FILE_STORAGE: 's3', S3_BUCKET: 'Virel_Media', S3_REGION: 'eu-west-2' }, 'S3_BUCKET: must be a bucket name'],
    [{ FILE_STORAGE: 's3', S3_BUCKET: 'virel-media', S3_REGION: 'eu-west-2', S3_ENDPOINT: 'ftp://files' }, 'S3_ENDPOINT: must be an http:// or https:// URL'],
    [{ S3_BUCKET: 'virel-media' }, 'FILE_STORAGE: is local, but S3_BUCKET is set: set FILE_STORAGE=s3'],
  ])('the file store %j is refused with a message naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  test('calendar import URLs reach public addresses only, unless CALENDAR_IMPORT_ALLOW_HOSTS names a host', () => {
    expect(loadConfig({}).outbound).toEqual({ allowHosts: [] });
    expect(loadConfig({ CALENDAR_IMPORT_ALLOW_HOSTS: ' Calendar.Internal, 10.0.0.5:8088,[fd00::5]:8443 ' }).outbound)
      .toEqual({ allowHosts: ['calendar.internal', '10.0.0.5:8088', '[fd00::5]:8443'] });
    for (const bad of ['http://calendar.internal', 'host:port', 'a b']) {
      expect(() => loadConfig({ CALENDAR_IMPORT_ALLOW_HOSTS: bad })).toThrow('CALENDAR_IMPORT_ALLOW_HOSTS: must be empty or a comma-separated list of host or host:port');
    }
  });

  test('signed media links: MEDIA_URL_SECRET, else a key derived from JWT_SECRET in production, else the development key', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), METRICS_TOKEN: 't'.repeat(24) };
    const dev = loadConfig({}).files.mediaLinks;
    expect(dev.ttlSeconds).toBe(3600);
    const derived = loadConfig(production).files.mediaLinks.key;
    expect(derived).not.toBe(dev.key);
    expect(derived).not.toContain(production.JWT_SECRET);
    expect(loadConfig({ ...production, JWT_SECRET: 'y'.repeat(32) }).files.mediaLinks.key).not.toBe(derived);
    expect(loadConfig({ ...production, MEDIA_URL_SECRET: 'm'.repeat(32), MEDIA_URL_TTL_SECONDS: '600' }).files.mediaLinks).toEqual({ key: 'm'.repeat(32), ttlSeconds: 600 });
    expect(() => loadConfig({ MEDIA_URL_SECRET: 'short' })).toThrow('MEDIA_URL_SECRET: must be at least 32 characters');
    expect(() => loadConfig({ MEDIA_URL_TTL_SECONDS: '10' })).toThrow('MEDIA_URL_TTL_SECONDS');
  });

  test('every problem is reported at once', () => {
    expect(() => loadConfig({ API_PORT: 'x', LOG_LEVEL: 'y' })).toThrow(/API_PORT[\s\S]*LOG_LEVEL|LOG_LEVEL[\s\S]*API_PORT/);
  });

  test('.env.example documents every variable the platform reads', () => {
    const example = readFileSync(path.join(PROJECT_ROOT, '.env.example'), 'utf8');
    const source = readFileSync(path.join(PROJECT_ROOT, 'platform/config.ts'), 'utf8');
    const read = [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]);
    expect(read.length).toBeGreaterThan(10);
    for (const name of read) expect(example).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });
});
