// jest runs the TypeScript sources as they are: ESM with Node's own type stripping, no
// transformer (needs node --experimental-vm-modules; see README "Tests").
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {},
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/domain/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Every integration test talks to the same real PostgreSQL and Temporal server; on a
  // 2-core machine one test file at a time is also the fastest.
  maxWorkers: 1,
  testTimeout: 60_000,
  slowTestThreshold: 30,
};
