import { defineConfig } from 'vitest/config';

// One runner, several projects: pure unit tests, the store conformance suite (one run per store),
// integration tests that start real OS processes against a shared store, the dashboard in a
// browser, and the chaos runs.
export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/decorators/**/*.test.ts'] } },
      { extends: true, test: { name: 'conformance', include: ['test/conformance/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
      },
      { extends: true, test: { name: 'browser', include: ['test/browser/**/*.test.ts'], testTimeout: 60_000 } },
      // Bounded fault runs, one store per file (docs/testing.md, "Chaos tests"): after every other
      // project (groupOrder), one file at a time, so their timings do not compete with each other.
      {
        extends: true,
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          testTimeout: 90_000,
          hookTimeout: 30_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
    testTimeout: 15_000,
    // Fails a test file that leaves a scheduler running (see test/setup/leak-guard.ts).
    setupFiles: ['test/setup/leak-guard.ts'],
  },
});
