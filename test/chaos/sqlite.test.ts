// Chaos on one SQLite file shared by three node processes: random SIGKILLs and restarts, and
// every node killed at once (no server, no connections to cut). See docs/testing.md, "Chaos tests".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { expectNoChaosDamage } from './chaos-assertions.ts';
import { runChaos } from './chaos-run.ts';
import { chooseSeed } from './fault-plan.ts';

const directory = mkdtempSync(join(tmpdir(), 'sundial-chaos-sqlite-db-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

test('SQLite: three nodes under SIGKILLs lose no fire and no acknowledged job', { timeout: 90_000 }, async () => {
  const file = join(directory, 'chaos.db');
  const result = await runChaos({
    seed: chooseSeed(),
    backend: { name: 'sqlite', workerFlags: ['--sqlite', file], openStore: () => new SqliteStore(file, { busyTimeoutMs: 10_000 }) },
  });
  expectNoChaosDamage(result, { server: false });
  expect(result.durationMs).toBeLessThan(90_000);
});
