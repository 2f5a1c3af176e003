// The SQLite store's hot path, call by call, and under the runtime: where its time per job goes.
//
//   node bench/src/profile/sqlite-store-calls.ts                     this checkout, 3 rounds
//   node bench/src/profile/sqlite-store-calls.ts --jobs 50000 --rounds 5
//   node bench/src/profile/sqlite-store-calls.ts --root /work/main   another checkout (before/after)
//
// Store calls (no runtime): n jobs enqueued with enqueueJobs in batches of 1,000 → jobs/s; then the
// loop of a busy node, completing a batch and claiming the next in one call (completeAndClaim, or
// completeJobs + claimJobs on a store of the old contract), batches of 10 and of 50 → jobs/s and
// µs per call. Runtime: a Scheduler on the store processing n queued no-op jobs at concurrency 10
// and 50 (the bench's scenario 1b), with the defaults and with the bench's `fast` variant (lease 1s,
// prefetch 100), and bulk enqueue through `enqueueMany` (scenario 1a).
// A fresh file per measure, WAL mode, in the temp directory. Each figure comes with the process's
// CPU time per job (user + system), which other load on the machine disturbs far less than the
// wall-clock rate.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values } = parseArgs({
  options: { jobs: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' }, root: { type: 'string', default: '' } },
});
const n = Number(values.jobs);
const root = values.root === '' ? new URL('../../../', import.meta.url) : pathToFileURL(`${resolve(values.root)}/`);

// Loose shapes: the same script drives the old contract (claims answer full records) and the new one.
interface NewJobLike {
  id: string;
  task: string;
  data: unknown;
  origin: 'enqueue';
  scheduleId: null;
  fireAtMs: null;
  priority: number;
  runAtMs: number;
  maxAttempts: number;
  dedupeKey: null;
  createdAtMs: number;
}
interface Claimed {
  id: string;
  fencingToken: number;
}
interface Completion {
  jobId: string;
  fencingToken: number;
  nowMs: number;
  completion: { status: 'succeeded'; result: null };
}
interface Claim {
  nodeId: string;
  nowMs: number;
  leaseMs: number;
  limit: number;
  tasks: string[];
}
interface StoreLike {
  open(): Promise<void>;
  close(): Promise<void>;
  enqueueJobs(jobs: NewJobLike[]): Promise<unknown[]>;
  claimJobs(request: Claim): Promise<Claimed[]>;
  completeJobs(requests: Completion[]): Promise<unknown[]>;
  completeAndClaim?(request: { completions: Completion[]; claim: Claim }): Promise<{ claimed: Claimed[] }>;
}
interface SchedulerLike {
  start(): Promise<void>;
  stop(): Promise<void>;
  on(event: 'job.succeeded', listener: () => void): void;
  enqueueMany(inputs: Array<{ task: string; data: unknown }>): Promise<unknown>;
  listJobs(query: { limit: number }): Promise<unknown>;
}

const { SqliteStore } = (await import(new URL('src/sqlite/index.ts', root).href)) as { SqliteStore: new (path: string) => StoreLike };
const sundial = (await import(new URL('src/index.ts', root).href)) as {
  Scheduler: new (options: Record<string, unknown>) => SchedulerLike;
  task: (name: string, definition: { run: () => unknown }) => unknown;
};

const directory = mkdtempSync(join(tmpdir(), 'sundial-sqlite-profile-'));
let fileNumber = 0;
const freshPath = () => join(directory, `profile-${fileNumber++}.db`);
const t0 = Date.now();
const newJob = (i: number): NewJobLike => ({
  id: `job-${String(i).padStart(8, '0')}`,
  task: 'noop',
  data: { key: String(i) },
  origin: 'enqueue',
  scheduleId: null,
  fireAtMs: null,
  priority: 0,
  runAtMs: t0,
  maxAttempts: 3,
  dedupeKey: null,
  createdAtMs: t0,
});

async function freshStore(): Promise<StoreLike> {
  const store = new SqliteStore(freshPath());
  await store.open();
  return store;
}

/** User + system CPU µs per job since `since`. */
const cpuUsPerJob = (since: NodeJS.CpuUsage, jobs: number): number => {
  const used = process.cpuUsage(since);
  return +((used.user + used.system) / jobs).toFixed(1);
};

async function enqueueAll(store: StoreLike, count: number): Promise<number> {
  const started = performance.now();
  for (let offset = 0; offset < count; offset += 1000) {
    await store.enqueueJobs(Array.from({ length: Math.min(1000, count - offset) }, (_, i) => newJob(offset + i)));
  }
  return performance.now() - started;
}

/** A busy node's loop: each call completes the last batch and claims the next. */
async function claimCompleteLoop(batch: number): Promise<{ jobsPerSecond: number; cpuUsPerJob: number; usPerCall: number; calls: number }> {
  const store = await freshStore();
  await enqueueAll(store, n);
  const claim = (nowMs: number): Claim => ({ nodeId: 'profile', nowMs, leaseMs: 30_000, limit: batch, tasks: ['noop'] });
  let held: Claimed[] = await store.claimJobs(claim(t0 + 1));
  let done = 0;
  let calls = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  while (held.length > 0) {
    const nowMs = t0 + 2 + calls;
    const completions = held.map((job): Completion => ({ jobId: job.id, fencingToken: job.fencingToken, nowMs, completion: { status: 'succeeded', result: null } }));
    done += held.length;
    if (store.completeAndClaim) {
      held = (await store.completeAndClaim({ completions, claim: claim(nowMs) })).claimed;
    } else {
      await store.completeJobs(completions);
      held = await store.claimJobs(claim(nowMs));
    }
    calls++;
  }
  const ms = performance.now() - started;
  const cpuPerJob = cpuUsPerJob(cpu, done);
  await store.close();
  return { jobsPerSecond: Math.round((done / ms) * 1000), cpuUsPerJob: cpuPerJob, usPerCall: +((ms * 1000) / calls).toFixed(1), calls };
}

async function storeEnqueue(): Promise<{ jobsPerSecond: number; cpuUsPerJob: number }> {
  const store = await freshStore();
  const cpu = process.cpuUsage();
  const ms = await enqueueAll(store, n);
  const cpuPerJob = cpuUsPerJob(cpu, n);
  await store.close();
  return { jobsPerSecond: Math.round((n / ms) * 1000), cpuUsPerJob: cpuPerJob };
}

/** Scenario 1a/1b of the bench: bulk enqueue through the client, then one worker draining the queue. */
async function runtimeProcess(
  concurrency: number,
  variant: Record<string, unknown> = {},
): Promise<{ bulkEnqueuePerSecond: number; bulkCpuUsPerJob: number; processedPerSecond: number; processCpuUsPerJob: number }> {
  const path = freshPath();
  const noop = sundial.task('noop', { run: () => undefined });
  const client = new sundial.Scheduler({ store: new SqliteStore(path), tasks: [noop], roles: { schedules: false, jobs: false }, logger: 'error' });
  await client.listJobs({ limit: 1 });
  let cpu = process.cpuUsage();
  let started = performance.now();
  for (let offset = 0; offset < n; offset += 1000) {
    await client.enqueueMany(Array.from({ length: Math.min(1000, n - offset) }, (_, i) => ({ task: 'noop', data: { key: String(offset + i) } })));
  }
  const bulkMs = performance.now() - started;
  const bulkCpuUsPerJob = cpuUsPerJob(cpu, n);
  let succeeded = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((resolvePromise) => (resolveAll = resolvePromise));
  const worker = new sundial.Scheduler({ store: new SqliteStore(path), tasks: [noop], concurrency, logger: 'error', ...variant });
  worker.on('job.succeeded', () => void (++succeeded === n && resolveAll()));
  cpu = process.cpuUsage();
  started = performance.now();
  await worker.start();
  await all;
  const ms = performance.now() - started;
  const processCpuUsPerJob = cpuUsPerJob(cpu, n);
  await worker.stop();
  await client.stop();
  return { bulkEnqueuePerSecond: Math.round((n / bulkMs) * 1000), bulkCpuUsPerJob, processedPerSecond: Math.round((n / ms) * 1000), processCpuUsPerJob };
}

/** The bench's `fast` variant (bench/src/systems/sundial.ts): a short lease, 100 jobs claimed ahead of free slots. */
const fast = { lease: '1s', prefetch: 100 };

try {
  for (let round = 1; round <= Number(values.rounds); round++) {
    console.log(JSON.stringify({ round, storeEnqueue: await storeEnqueue() }));
    console.log(JSON.stringify({ round, claimComplete10: await claimCompleteLoop(10) }));
    console.log(JSON.stringify({ round, claimComplete50: await claimCompleteLoop(50) }));
    console.log(JSON.stringify({ round, runtimeC10: await runtimeProcess(10) }));
    console.log(JSON.stringify({ round, runtimeC50: await runtimeProcess(50) }));
    console.log(JSON.stringify({ round, runtimeC10Fast: await runtimeProcess(10, fast) }));
    console.log(JSON.stringify({ round, runtimeC50Fast: await runtimeProcess(50, fast) }));
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}
