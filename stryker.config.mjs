// Mutation testing (`npm run test:mutation`, see docs/testing.md): StrykerJS changes the pure core
// one small edit (a mutant) at a time and runs the unit tests that cover it; a mutant that no test
// notices points at a test that cannot fail. Not part of `npm test` or CI: a full run takes minutes.

// The test runners (child processes, vitest threads inside) start in a zone far from UTC, so a
// mutant that lets a time slip into the server's local zone shows (see test/unit/croner-cache.test.ts).
// A vitest thread cannot change its zone itself; `npm test`'s forked workers can.
process.env.TZ = 'Pacific/Chatham';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  // The unit tests only, as one plain project (see vitest.mutation.config.ts for why).
  vitest: { configFile: 'vitest.mutation.config.ts' },
  // No type checker: @stryker-mutator/typescript-checker (and Stryker's own tsconfig rewriting)
  // call the TypeScript compiler API, which the `typescript` 7 package no longer exposes (it ships
  // the native compiler; `ts.parseConfigFileTextToJson is not a function`). Pointing
  // `tsconfigFile` at a file that does not exist turns that rewriting off; it only matters for a
  // tsconfig that `extends` or `references` files outside the repository, which ours does not.
  // Without the checker, mutants that do not type-check are run (and almost always killed) too.
  tsconfigFile: 'no-tsconfig-rewrite.json',
  mutate: [
    'src/domain/**/*.ts',
    'src/triggers/**/*.ts',
    'src/time/**/*.ts',
    // The DI container path a `@Task` class resolves its `inject` tokens through.
    'src/tasks/services.ts',
    // The pure files of src/runtime: plain functions over their arguments, no store, no timer.
    'src/runtime/attempt-completion.ts', // how a failed attempt ends (retry, dead, cancelled, …)
    'src/runtime/job-error.ts', // a thrown value as stored data
    'src/runtime/events.ts', // the typed emitter (a throwing listener never breaks the scheduler)
    'src/runtime/live-schedulers.ts', // the leak guard's set of running nodes
    'src/runtime/scheduler-options.ts', // defaults and validation of the scheduler's options
    'src/runtime/start-gate.ts', // whether a held job starts at its instant (lease, cancel, misfire, maxRunning)
    // Not pure, but included on purpose: no timer, and its only I/O is two calls on the injected
    // Store port, which the runtime tests drive on MemoryStore under a VirtualClock. The fire jitter
    // (a job's runAtMs) and the fire events are decided here.
    'src/runtime/schedule-firer.ts',
    // Left out of src/runtime: logger.ts (writes to the console), completion-batcher.ts
    // (setImmediate), job-executor.ts, lease-keeper.ts, node-loop.ts and scheduler.ts (the loop,
    // timers and store I/O; covered by the runtime and integration tests instead).
  ],
  coverageAnalysis: 'perTest',
  // The machine has 2 cores shared with other test runs.
  concurrency: 2,
  timeoutMS: 20_000,
  // Incremental: a re-run only tests the mutants whose code or covering tests changed.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 85, low: 70, break: null },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['bench', 'dist', 'docs', 'examples', 'reports', '.tmp', '*.db', '*.db-wal', '*.db-shm'],
};
