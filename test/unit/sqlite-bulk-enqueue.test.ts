import { describe, expect, test } from 'vitest';
import type { NewJob } from '../../src/domain/job.ts';
import { MemoryStore } from '../../src/memory/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import type { Store } from '../../src/store/store.ts';

// SqliteStore.enqueueJobs inserts jobs without a fire instant or dedupe key in multi-row chunks,
// and the others one by one in between: it must answer exactly as the reference store does, in
// order, whatever the mix (ids taken before, ids repeated within a call across chunk boundaries).

const t0 = Date.UTC(2026, 0, 1);

function job(id: string, overrides: Partial<NewJob> = {}): NewJob {
  return { id, task: 'task-a', data: { id }, origin: 'enqueue', scheduleId: null, fireAtMs: null, priority: 0, runAtMs: t0, maxAttempts: 1, dedupeKey: null, createdAtMs: t0, ...overrides };
}

/** A deterministic mix of plain jobs, repeated ids, fires and dedupe keys. */
function mix(seed: number, count: number): NewJob[] {
  let state = seed;
  const next = (n: number) => ((state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) % n);
  return Array.from({ length: count }, (_, i) => {
    const kind = next(10);
    const id = kind === 0 ? `job-${next(i + 1)}` : `job-${i}`; // 1 in 10 repeats an id seen before (or itself)
    if (kind === 1) return job(id, { origin: 'schedule', scheduleId: `sched-${next(3)}`, fireAtMs: t0 + next(20) });
    if (kind === 2) return job(id, { dedupeKey: `key-${next(15)}` });
    return job(id, { data: { i, text: 'ü\u0000"x' } });
  });
}

async function run(store: Store, calls: NewJob[][]): Promise<unknown[]> {
  await store.open();
  const answers: unknown[] = [];
  for (const jobs of calls) answers.push(await store.enqueueJobs(jobs));
  answers.push((await store.listJobs({ limit: 10_000 })).map((j) => [j.id, j.data, j.status, j.scheduleId, j.fireAtMs, j.dedupeKey]).sort());
  await store.close();
  return answers;
}

describe('SqliteStore bulk enqueue', () => {
  test.each([1, 2, 3, 4])('answers like the reference store for a mixed call (seed %i)', async (seed) => {
    const calls = [mix(seed, 700), mix(seed + 10, 1500), [job('job-3'), job('job-3'), job('fresh-1'), job('fresh-1')]];
    expect(await run(new SqliteStore(':memory:'), calls)).toEqual(await run(new MemoryStore(), calls));
  });

  test('3,000 plain jobs in one call are all created, in order of creation', async () => {
    const store = new SqliteStore(':memory:');
    await store.open();
    const jobs = Array.from({ length: 3000 }, (_, i) => job(`plain-${String(i).padStart(4, '0')}`));
    expect(await store.enqueueJobs(jobs)).toEqual(jobs.map(() => ({ created: true })));
    const claimed = await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs: 1000, limit: 3000, tasks: ['task-a'] });
    expect(claimed.map((j) => j.id)).toEqual(jobs.map((j) => j.id));
    await store.close();
  });
});
