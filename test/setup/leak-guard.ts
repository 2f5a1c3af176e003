import { afterAll } from 'vitest';
import { liveSchedulers } from '../../src/testing/index.ts';

// Registered before any test file's hooks, so it runs after them: by then every scheduler a file
// started must be stopped, or the file fails here rather than slowing or confusing the next one.
afterAll(() => {
  const leaked = liveSchedulers();
  if (leaked.length > 0) {
    throw new Error(`Leak guard: ${leaked.length} scheduler(s) still running after this file's tests: ${leaked.join(', ')}. Call scheduler.stop() in afterEach/afterAll.`);
  }
});
