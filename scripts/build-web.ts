/**
 * Builds the web app (web/) to static files in web/dist with Vite, which the API serves under
 * `/`. Skipped when web/dist was built from the same sources: a hash of web/'s files and the
 * lockfile is kept in web/dist/.source-hash, so `npm start` and `npm test` run it every time
 * and pay for a build only after a change.
 *
 *   node scripts/build-web.ts           builds when stale
 *   node scripts/build-web.ts --force   always builds
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
export const WEB_DIR = path.join(ROOT, 'web');
export const WEB_DIST_DIR = path.join(WEB_DIR, 'dist');
const HASH_FILE = path.join(WEB_DIST_DIR, '.source-hash');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return full === WEB_DIST_DIR || entry.name === 'node_modules' ? [] : sourceFiles(full);
    return [full];
  });
}

/** What the bundle is made of: web/ (less dist), the domain modules it imports, the lockfile. */
function sourceHash(): string {
  const hash = createHash('sha256');
  const files = [...sourceFiles(WEB_DIR), ...sourceFiles(path.join(ROOT, 'domain')), path.join(ROOT, 'package-lock.json')].sort();
  for (const file of files) hash.update(path.relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

function builtHash(): string | undefined {
  try {
    return readFileSync(HASH_FILE, 'utf8').trim();
  } catch {
    return undefined;
  }
}

async function build(hash: string, quiet: boolean): Promise<void> {
  const { build: viteBuild } = await import('vite');
  // Always a production bundle, whoever runs it (jest sets NODE_ENV=test, which would bundle React's development build).
  process.env.NODE_ENV = 'production';
  await viteBuild({ configFile: path.join(WEB_DIR, 'vite.config.ts'), mode: 'production', logLevel: quiet ? 'warn' : 'info' });
  writeFileSync(HASH_FILE, `${hash}\n`);
}

/**
 * Builds web/dist unless it is current; returns whether it built. The build runs in a child
 * process (Vite bundles its config with native code that does not load inside jest's VM modules).
 */
export async function buildWebApp(options: { force?: boolean } = {}): Promise<boolean> {
  if (!options.force && builtHash() === sourceHash()) return false;
  await promisify(execFile)(process.execPath, [import.meta.filename, '--force', '--quiet'], { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' } });
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const started = performance.now();
  const hash = sourceHash();
  const stale = process.argv.includes('--force') || builtHash() !== hash;
  if (stale) await build(hash, process.argv.includes('--quiet'));
  console.log(stale ? `web app built in ${((performance.now() - started) / 1000).toFixed(1)} s (web/dist)` : 'web app is up to date (web/dist)');
}
