import { defineConfig } from 'vitest/config';

// The test run behind `npm run test:mutation` (stryker.config.mjs): the unit tests only, as one
// plain project. The main config's projects would also start the store conformance, integration
// and browser suites, which need servers and real OS processes and cover none of the mutated code
// better than the unit tests do. Left out here as well: the decorator test (it runs the compiled
// dist/, not the mutated sources) and the SQLite multi-process test (it spawns OS processes).
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    exclude: ['test/unit/sqlite-multiprocess.test.ts'],
    testTimeout: 15_000,
    setupFiles: ['test/setup/leak-guard.ts'],
  },
});
