/**
 * "Every status change goes through the entity's workflow": a lifecycle entity's status column
 * may be written in exactly one module, activities/store/transitions.ts, which only the
 * lifecycle workflows call. This scans every source file for any other way to write it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { PROJECT_ROOT } from '../launcher/temporal-binaries.ts';

const ALLOWED = new Set(['activities/store/transitions.ts']);
/** Creation writes the initial status (draft/new/open) only; it is checked below as well. */
const CREATORS = new Set(['activities/store/inquiries.ts', 'activities/store/bookings.ts', 'activities/store/work-items.ts']);
// workflows/ keeps the lifecycle's own state and has no database access (eslint.config.js).
const SKIP_DIRS = new Set(['node_modules', '.data', '.tools', '.git', 'test', 'bench', 'db/migrations', 'workflows']);

function sources(dir = PROJECT_ROOT): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    const rel = path.relative(PROJECT_ROOT, full);
    if (SKIP_DIRS.has(rel) || name.startsWith('.')) return [];
    if (statSync(full).isDirectory()) return sources(full);
    return rel.endsWith('.ts') && !rel.endsWith('.test.ts') ? [rel] : [];
  });
}

const LIFECYCLE_TABLES = '(inquiries|bookings|tasks|exceptions)';
const patterns: Array<[string, RegExp]> = [
  ['SQL UPDATE of a lifecycle status', new RegExp(`update\\s+"?${LIFECYCLE_TABLES}"?\\s+set[^;]*\\bstatus\\b`, 'is')],
  ['SQL INSERT with a status', new RegExp(`insert\\s+into\\s+"?${LIFECYCLE_TABLES}"?[^;]*\\bstatus\\b`, 'is')],
  // An lvalue ending in .status (filters built as `where.status = …` only read).
  ['assignment to .status', /^\s*(?!where\b)[\w.]+\.status\s*=\s*[^=]/m],
  ['nativeUpdate / upsert touching status', /(nativeUpdate|upsert|assign)\([^)]*status/s],
];

describe('status writes', () => {
  const files = sources();

  test('the scan sees the whole code base', () => {
    expect(files).toEqual(expect.arrayContaining(['activities/store/transitions.ts', 'api/app.ts', 'db/setup.ts', 'launcher/main.ts']));
  });

  test.each(patterns)('no %s outside activities/store/transitions.ts', (_name, pattern) => {
    const offenders = files.filter((file) => !ALLOWED.has(file) && pattern.test(readFileSync(path.join(PROJECT_ROOT, file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  test('the one writer is the transition store, and creators only set the initial status', () => {
    expect(readFileSync(path.join(PROJECT_ROOT, 'activities/store/transitions.ts'), 'utf8')).toMatch(/UPDATE \$\{TABLE\[input\.entityType\]\} SET \$\{set\}/);
    for (const file of CREATORS) {
      const text = readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
      for (const [, status] of text.matchAll(/\bstatus: '([a-z_]+)'/g)) expect(['new', 'draft', 'open']).toContain(status);
    }
  });

  test('the pattern catches what it is meant to catch', () => {
    expect(patterns[0]![1].test(`UPDATE bookings SET status = 'confirmed' WHERE id = $1`)).toBe(true);
    expect(patterns[2]![1].test(`  booking.status = 'confirmed';`)).toBe(true);
    expect(patterns[2]![1].test(`  WHERE u.status = 'active'`)).toBe(false);
    expect(patterns[2]![1].test(`if (booking.status === 'confirmed')`)).toBe(false);
  });
});
