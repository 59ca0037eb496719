/**
 * The order of the test files in a run: jest's own (slowest and failed first, from its cache),
 * except that the browser files come first. They look at the operator's screen as a new
 * installation shows it: the seeded Action Center's first page. Every file shares one database,
 * and after a few dozen files the demo operator's list holds hundreds of other files' open items,
 * which push the seeded ones off the first page a browser shows.
 */
import { createRequire } from 'node:module';
import type { Test } from '@jest/test-result';

/** jest's default sequencer, as much of it as this file uses (its declarations do not type-check as an ES import here). */
interface DefaultSequencer {
  sort(tests: Test[]): Test[] | Promise<Test[]>;
}
const { default: Sequencer } = createRequire(import.meta.url)('@jest/test-sequencer') as { default: new (options: unknown) => DefaultSequencer };

const FIRST = ['test/web-app.test.ts', 'test/web-views.test.ts'];

const rank = (test: Test) => {
  const index = FIRST.findIndex((file) => test.path.endsWith(`/${file}`));
  return index === -1 ? FIRST.length : index;
};

export default class BrowserFilesFirst extends Sequencer {
  override async sort(tests: Test[]): Promise<Test[]> {
    const sorted = await super.sort(tests);
    // Array.prototype.sort is stable: the rest keep jest's order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
