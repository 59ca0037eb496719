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
  ])('%j is refused with a message naming it', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
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
