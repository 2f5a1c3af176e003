// Several real OS processes share one SQLite file and fire 20 interval schedules for ~6 s:
// every fire must run exactly once across all of them (no duplicate, no gap), and each process
// must have done part of the work. The real clock is used: these are real processes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { Scheduler, every } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { killAll, percentile, pollUntil, startWorker, type WorkerLine, type WorkerProcess } from '../fixtures/node-processes.ts';

const scheduleCount = 20;
const intervalMs = 1000;
/** Fires covered: from the first one to the last one that is at least this long before SIGTERM. */
const settleMs = 1000;

let directory: string;
let workers: WorkerProcess[] = [];
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'sundial-multi-process-'));
});
afterEach(async () => {
  await killAll(workers);
  workers = [];
  rmSync(directory, { recursive: true, force: true });
});

async function runWorkers(processCount: number): Promise<void> {
  const db = join(directory, 'shared.db');
  const client = new Scheduler({ store: new SqliteStore(db), roles: { schedules: false, jobs: false } });
  await client.listSchedules(); // creates the file and its schema before any worker opens it

  // Each second brings 20 jobs of 100 ms; with fewer slots a node than jobs a second, no node
  // can take them all before the others wake (50 ms change watch), so every node shares the work.
  // (No-op jobs would let the firing node drain the whole second alone: fairness between nodes
  // is not a promise, exactly-once is.)
  const concurrency = String(Math.ceil(scheduleCount / processCount) - 2);
  workers = Array.from({ length: processCount }, (_, i) =>
    startWorker({
      store: { db },
      outFile: join(directory, `node-${i}.jsonl`),
      nodeId: `node-${i}`,
      args: ['--concurrency', concurrency, '--tick-ms', '100'],
    }),
  );
  await Promise.all(workers.map((worker) => worker.ready));

  // A whole second ~2 s ahead, so every worker is up before the first fire.
  const startAtMs = Math.ceil((Date.now() + 2000) / 1000) * 1000;
  // One store call: schedules created one by one could land after startAtMs on a loaded machine
  // (their first fire is then in the past, and by design not run).
  await client.scheduleMany(
    Array.from({ length: scheduleCount }, (_, i) => ({ id: `every-${String(i).padStart(2, '0')}`, task: 'tick', trigger: every('1s', { startAt: startAtMs }) })),
  );

  // Let them run until ~6 fires of each schedule are due, then stop them all gracefully.
  const stopAtMs = startAtMs + 5 * intervalMs + 500;
  await pollUntil('the run window to pass', stopAtMs - Date.now() + 5000, () => (Date.now() >= stopAtMs ? true : undefined), 50);
  const sigtermAtMs = Date.now();
  for (const worker of workers) worker.child.kill('SIGTERM');
  const exits = await Promise.all(workers.map((worker) => worker.exited));
  for (const [i, exit] of exits.entries()) {
    expect(exit.code, `node-${i} exit code; stderr:\n${workers[i]!.stderr()}`).toBe(0);
    expect(workers[i]!.stderr(), `node-${i} wrote to stderr`).toBe('');
    expect(workers[i]!.stdout(), `node-${i} reported an error`).not.toContain('error during');
  }

  const perWorker = workers.map((worker) => worker.lines().filter((line) => line.event === 'run'));
  const all: WorkerLine[] = perWorker.flat();

  // No duplicate anywhere: one line per (scheduleId, fireAtMs), whoever ran it.
  const byFire = new Map<string, WorkerLine[]>();
  for (const line of all) {
    const key = `${line.scheduleId}@${line.fireAtMs}`;
    byFire.set(key, [...(byFire.get(key) ?? []), line]);
  }
  const duplicates = [...byFire.entries()].filter(([, lines]) => lines.length > 1);
  expect(duplicates.map(([key, lines]) => `${key} ran by ${lines.map((l) => l.nodeId).join(', ')}`)).toEqual([]);

  // No gap: every schedule ran every fire from the first to the last fully-covered second.
  const lastCoveredMs = Math.floor((sigtermAtMs - settleMs) / intervalMs) * intervalMs;
  const fireTimes: number[] = [];
  for (let fireAtMs = startAtMs; fireAtMs <= lastCoveredMs; fireAtMs += intervalMs) fireTimes.push(fireAtMs);
  expect(fireTimes.length).toBeGreaterThanOrEqual(4);
  const missing: string[] = [];
  for (let i = 0; i < scheduleCount; i++) {
    const id = `every-${String(i).padStart(2, '0')}`;
    for (const fireAtMs of fireTimes) if (!byFire.has(`${id}@${fireAtMs}`)) missing.push(`${id}@${fireAtMs - startAtMs}ms`);
  }
  expect(missing).toEqual([]);

  // Every process took part.
  const split = perWorker.map((lines) => lines.length);
  for (const [i, count] of split.entries()) expect(count, `runs by node-${i}`).toBeGreaterThan(0);

  // The store agrees: each covered fire is one job that succeeded once, at its first attempt.
  const store = new SqliteStore(db);
  await store.open();
  const jobs = await store.listJobs({ limit: 10_000 });
  await store.close();
  const jobsByFire = new Map<string, typeof jobs>();
  for (const job of jobs) {
    const key = `${job.scheduleId}@${job.fireAtMs}`;
    jobsByFire.set(key, [...(jobsByFire.get(key) ?? []), job]);
  }
  const wrong: string[] = [];
  for (let i = 0; i < scheduleCount; i++) {
    const id = `every-${String(i).padStart(2, '0')}`;
    for (const fireAtMs of fireTimes) {
      const found = jobsByFire.get(`${id}@${fireAtMs}`) ?? [];
      const job = found[0];
      const ok =
        found.length === 1 &&
        job?.status === 'succeeded' &&
        job.attempt === 1 &&
        job.attempts.length === 1 &&
        job.attempts[0]?.outcome === 'succeeded';
      if (!ok) wrong.push(`${id}@${fireAtMs}: ${found.map((j) => `${j.status}/attempt ${j.attempt}`).join(', ') || 'no job'}`);
    }
  }
  expect(wrong).toEqual([]);

  const covered = all.filter((line) => line.fireAtMs !== null && line.fireAtMs >= startAtMs && line.fireAtMs <= lastCoveredMs);
  const latenessMs = covered.map((line) => line.startedAt - line.fireAtMs!);
  console.info(
    `[multi-process ×${processCount}] ${scheduleCount} schedules × ${fireTimes.length} covered fires = ${covered.length} runs ` +
      `(${all.length} in all); split ${split.join(' + ')}; fire lateness p50 ${percentile(latenessMs, 50)} ms, ` +
      `p99 ${percentile(latenessMs, 99)} ms, max ${Math.max(...latenessMs)} ms`,
  );
  await client.stop();
}

test('two processes run each fire of 20 interval schedules exactly once', { timeout: 30_000 }, async () => {
  await runWorkers(2);
});

test('three processes run each fire of 20 interval schedules exactly once', { timeout: 30_000 }, async () => {
  await runWorkers(3);
});
