// Crash takeover and graceful shutdown with real OS processes on one SQLite file: a node killed
// with SIGKILL mid-job loses its lease and another node retries the job; a node given SIGTERM
// gives its running job back for another node to finish. The real clock is used.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { Scheduler } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { killAll, pollUntil, startWorker, type WorkerLine, type WorkerProcess } from '../fixtures/node-processes.ts';

let directory: string;
let db: string;
let workers: WorkerProcess[] = [];
let client: Scheduler;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'sundial-crash-'));
  db = join(directory, 'shared.db');
  client = new Scheduler({ store: new SqliteStore(db), roles: { schedules: false, jobs: false } });
  await client.listSchedules(); // creates the file and its schema before any worker opens it
});
afterEach(async () => {
  await killAll(workers);
  workers = [];
  await client.stop();
  rmSync(directory, { recursive: true, force: true });
});

async function startTwo(args: string[] = []): Promise<[WorkerProcess, WorkerProcess]> {
  const pair: [WorkerProcess, WorkerProcess] = [
    startWorker({ store: { db }, outFile: join(directory, 'node-a.jsonl'), nodeId: 'node-a', args }),
    startWorker({ store: { db }, outFile: join(directory, 'node-b.jsonl'), nodeId: 'node-b', args }),
  ];
  workers = pair;
  await Promise.all(pair.map((worker) => worker.ready));
  return pair;
}

/** The worker that wrote a line matching `match`, and that line. */
function findLine(pair: readonly WorkerProcess[], match: (line: WorkerLine) => boolean): [WorkerProcess, WorkerLine] | undefined {
  for (const worker of pair) {
    const line = worker.lines().find(match);
    if (line) return [worker, line];
  }
  return undefined;
}

test('a node killed mid-job loses it to the other node within lease + poll', { timeout: 30_000 }, async () => {
  const pair = await startTwo(); // default lease '3s'
  const enqueued = await client.enqueue({ task: 'slow', data: { waitMs: 20_000, waitWhen: 'first-attempt' } });

  const [victim, first] = await pollUntil('attempt 1 to start', 5000, () =>
    findLine(pair, (line) => line.jobId === enqueued.id && line.event === 'started' && line.attempt === 1),
  );
  const survivor = pair.find((worker) => worker !== victim)!;
  const killedAtMs = Date.now();
  victim.child.kill('SIGKILL');
  const exit = await victim.exited;
  expect(exit.signal).toBe('SIGKILL');

  const [, second] = await pollUntil('attempt 2 to start on the survivor', 10_000, () =>
    findLine([survivor], (line) => line.jobId === enqueued.id && line.event === 'started' && line.attempt === 2),
  );
  const takeoverMs = second.startedAt - killedAtMs;
  await pollUntil('attempt 2 to finish', 5000, () =>
    findLine([survivor], (line) => line.jobId === enqueued.id && line.event === 'finished' && line.attempt === 2),
  );
  const stored = await waitForStatus(enqueued.id, 'succeeded', 5000);
  console.info(`[crash takeover] SIGKILL → attempt 2 started on ${survivor.nodeId}: ${takeoverMs} ms (lease 3s)`);

  expect(takeoverMs).toBeLessThan(5000);
  expect(survivor.stderr()).toBe('');
  expect(survivor.stdout()).not.toContain('error during');
  expect(survivor.stdout()).toContain('lease.expired');
  expect(stored.status).toBe('succeeded');
  expect(stored.attempt).toBe(2);
  expect(stored.attempts).toHaveLength(2);
  const [attempt1, attempt2] = stored.attempts;
  expect(attempt1).toMatchObject({ attempt: 1, nodeId: victim.nodeId, outcome: 'lease_expired' });
  expect(attempt2).toMatchObject({ attempt: 2, nodeId: survivor.nodeId, outcome: 'succeeded' });
  expect(attempt2!.fencingToken).toBeGreaterThan(attempt1!.fencingToken);
  expect(second.fencingToken).toBeGreaterThan(first.fencingToken);
  // Nothing ran the job a third time, and the killed node's handler never finished.
  const runs = pair.flatMap((worker) => worker.lines()).filter((line) => line.jobId === enqueued.id);
  expect(runs.filter((line) => line.event === 'started')).toHaveLength(2);
  expect(runs.filter((line) => line.event === 'finished').map((line) => line.nodeId)).toEqual([survivor.nodeId]);
});

test('a node stopped with SIGTERM releases its running job and the other node finishes it', { timeout: 30_000 }, async () => {
  const pair = await startTwo(['--shutdown-timeout', '1s']);
  // Waits 10 s only on its first claim: the node that takes it over finishes at once.
  const enqueued = await client.enqueue({ task: 'slow', data: { waitMs: 10_000, waitWhen: 'first-claim' } });

  const [stopping] = await pollUntil('the job to start', 5000, () =>
    findLine(pair, (line) => line.jobId === enqueued.id && line.event === 'started'),
  );
  const other = pair.find((worker) => worker !== stopping)!;
  const sigtermAtMs = Date.now();
  stopping.child.kill('SIGTERM');
  const exit = await stopping.exited;
  const exitMs = exit.atMs - sigtermAtMs;
  expect(exit.code, stopping.stderr()).toBe(0);
  expect(exitMs).toBeLessThan(3000);
  expect(stopping.stdout()).toContain('job.released');

  const [, rerun] = await pollUntil('the other node to run the released job', 5000, () =>
    findLine([other], (line) => line.jobId === enqueued.id && line.event === 'finished'),
  );
  const stored = await waitForStatus(enqueued.id, 'succeeded', 5000);
  expect(other.stderr()).toBe('');
  expect(other.stdout()).not.toContain('error during');
  console.info(
    `[graceful shutdown] SIGTERM → exit 0 in ${exitMs} ms; released job finished on ${other.nodeId} ${rerun.at - sigtermAtMs} ms after SIGTERM`,
  );

  // The released attempt does not count: the job succeeded at attempt 1, on its second claim.
  expect(stored.attempt).toBe(1);
  expect(stored.fencingToken).toBe(2);
  expect(stored.attempts.map(({ nodeId, outcome }) => ({ nodeId, outcome }))).toEqual([
    { nodeId: stopping.nodeId, outcome: 'interrupted' },
    { nodeId: other.nodeId, outcome: 'succeeded' },
  ]);
  const stoppedLines = stopping.lines().filter((line) => line.jobId === enqueued.id);
  expect(stoppedLines.map((line) => line.event)).toEqual(['started', 'aborted']);
  expect(stoppedLines[1]?.reason).toBe('ShutdownError');
});

async function waitForStatus(jobId: string, status: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.getJob(jobId);
    if (job?.status === status) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} is ${job?.status ?? 'missing'}, expected ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
