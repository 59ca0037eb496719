// jest runs the TypeScript sources as they are: ESM with Node's own type stripping, no
// transformer (needs node --experimental-vm-modules; see README "Tests").
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {},
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/domain/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // The browser files first (test/support/sequencer.ts says why).
  testSequencer: '<rootDir>/test/support/sequencer.ts',
  // Every integration test talks to the same real PostgreSQL and Temporal server; on a
  // 2-core machine one test file at a time is also the fastest.
  // In band, one process holds every file's modules for the whole run (63 files, each with its
  // own workers and clients): `npm test` gives it a 12 GiB heap (--max-old-space-size), since the
  // default 4 GiB ran out near the end of a full run on 2026-11-30.
  maxWorkers: 1,
  testTimeout: 60_000,
  slowTestThreshold: 30,
};
