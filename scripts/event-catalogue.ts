/**
 * Writes the event catalogue (domain/automation-events.ts) into README.md between its markers.
 *
 *   node scripts/event-catalogue.ts          rewrites the section
 *   node scripts/event-catalogue.ts --check  fails if it is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withCatalogue } from '../domain/automation-catalogue-text.ts';

const README = path.resolve(import.meta.dirname, '..', 'README.md');
const current = readFileSync(README, 'utf8');
const next = withCatalogue(current);
if (process.argv.includes('--check')) {
  if (next !== current) {
    console.error('README.md event catalogue is stale: run node scripts/event-catalogue.ts');
    process.exit(1);
  }
} else if (next !== current) {
  writeFileSync(README, next);
  console.log('wrote the event catalogue into README.md');
}
