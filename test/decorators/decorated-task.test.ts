import { expect, test } from 'vitest';

test('a @Task class gets its dependencies from the container on every run, as a fresh instance', async () => {
  // Built by `npm run build:test-fixtures` (part of pretest).
  const { runScenario } = await import('../../.tmp/decorators/scenario.js' as string);
  const outcome = await runScenario();
  expect(outcome.seen.sort()).toEqual(['eu-west-1/w-1', 'eu-west-1/w-2']);
  expect(outcome.instances).toBe(2);
  expect(outcome.results).toEqual(['collected', 'collected']);
});
