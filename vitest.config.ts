import { defineConfig } from 'vitest/config';

// One runner, three projects: pure unit tests, the store conformance suite (one run per store),
// and integration tests that start real OS processes against a shared store.
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
    ],
    testTimeout: 15_000,
    // Fails a test file that leaves a scheduler running (see test/setup/leak-guard.ts).
    setupFiles: ['test/setup/leak-guard.ts'],
  },
});
