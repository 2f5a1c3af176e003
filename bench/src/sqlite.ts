// Benchmarks of the SQLite store under the real runtime, one JSON line per scenario.
//
//   node bench/src/sqlite.ts           full counts
//   node bench/src/sqlite.ts --quick   counts ÷10 (a smoke run)
//
// What each figure means is in bench/README.md. Real time on purpose: this measures the machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Scheduler, at, task, type EnqueueInput } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { count, perSecond, round, rssSampler, summary } from './lib/common.ts';
import { clientOf, whenSucceeded } from './lib/sundial-helpers.ts';

const directory = mkdtempSync(join(tmpdir(), 'sundial-bench-'));
let fileNumber = 0;
/** A fresh database file per scenario, so one scenario's rows never slow another. */
const freshDb = () => join(directory, `bench-${fileNumber++}.db`);

function report(scenario: string, figures: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ scenario, ...figures })}\n`);
}

const client = (db: string): Scheduler => clientOf(new SqliteStore(db));


async function enqueueThroughput(): Promise<void> {
  const manyCount = count(20_000);
  const batchSize = 1000;
  const singleCount = count(2000);
  const scheduler = client(freshDb());
  await scheduler.listJobs({ limit: 1 }); // open the file and create the schema outside the timing
  const input = (i: number): EnqueueInput => ({ task: 'noop', data: { i } });

  let started = performance.now();
  for (let offset = 0; offset < manyCount; offset += batchSize) {
    const size = Math.min(batchSize, manyCount - offset);
    await scheduler.enqueueMany(Array.from({ length: size }, (_, i) => input(offset + i)));
  }
  const manyMs = performance.now() - started;

  started = performance.now();
  for (let i = 0; i < singleCount; i++) await scheduler.enqueue(input(i));
  const singleMs = performance.now() - started;
  await scheduler.stop();

  report('enqueue', {
    enqueueMany: { jobs: manyCount, batchSize, ms: round(manyMs), jobsPerSecond: perSecond(manyCount, manyMs) },
    enqueueSingle: { jobs: singleCount, ms: round(singleMs), jobsPerSecond: perSecond(singleCount, singleMs) },
  });
}

async function processThroughput(concurrency: number): Promise<void> {
  const jobCount = count(20_000);
  const db = freshDb();
  const setup = client(db);
  for (let offset = 0; offset < jobCount; offset += 1000) {
    const size = Math.min(1000, jobCount - offset);
    await setup.enqueueMany(Array.from({ length: size }, (_, i) => ({ task: 'noop', data: { i: offset + i } })));
  }
  await setup.stop();

  const noop = task('noop', { run: () => undefined });
  const scheduler = new Scheduler({ store: new SqliteStore(db), tasks: [noop], concurrency, logger: 'error' });
  const finished = whenSucceeded(scheduler, jobCount, 300_000);
  const rss = rssSampler();
  const started = performance.now();
  await scheduler.start();
  await finished;
  const elapsedMs = performance.now() - started;
  const peakRss = rss.stop();
  await scheduler.stop();
  const left = await countUnfinished(db);

  report('process', {
    jobs: jobCount,
    concurrency,
    ms: round(elapsedMs),
    jobsPerSecond: perSecond(jobCount, elapsedMs),
    peakRssMb: peakRss,
    unfinishedAfter: left,
  });
}

async function countUnfinished(db: string): Promise<number> {
  const store = new SqliteStore(db);
  await store.open();
  const jobs = await store.listJobs({ status: ['queued', 'running', 'failed'], limit: 1_000_000 });
  await store.close();
  return jobs.length;
}

async function oneShotBurst(): Promise<void> {
  const scheduleCount = count(5000);
  const concurrency = 50;
  const db = freshDb();
  const setup = client(db);
  await setup.listSchedules({ limit: 1 });
  const dueAtMs = Date.now() + 2000;
  const createStarted = performance.now();
  for (let i = 0; i < scheduleCount; i++) {
    await setup.schedule({ id: `burst-${i}`, task: 'noop', trigger: at(dueAtMs) });
  }
  const createMs = performance.now() - createStarted;
  await setup.stop();

  const latenessMs: number[] = [];
  const noop = task('noop', {
    run({ job }) {
      latenessMs.push(Date.now() - job.fireAtMs!);
    },
  });
  const scheduler = new Scheduler({ store: new SqliteStore(db), tasks: [noop], concurrency, logger: 'error' });
  const finished = whenSucceeded(scheduler, scheduleCount, 300_000);
  await scheduler.start();
  const startedBeforeDue = Date.now() < dueAtMs;
  await finished;
  await scheduler.stop();

  const lateness = summary(latenessMs);
  report('at-burst', {
    schedules: scheduleCount,
    concurrency,
    createMs: round(createMs),
    startedBeforeDue,
    latenessMs: lateness,
    allStartedAfterDueMs: lateness.max,
  });
}

/**
 * Enqueue → start latency on an idle system, the job enqueued through another connection (as by
 * another process): what an idle node's wake-up costs. One job at a time, the worker idle between.
 */
async function idleLatency(): Promise<void> {
  const jobs = count(100);
  const db = freshDb();
  const startedAt = new Map<string, number>();
  const ping = task('ping', { run: ({ job }) => void startedAt.set(job.id, performance.now()) });
  const worker = new Scheduler({ store: new SqliteStore(db), tasks: [ping], logger: 'error' });
  const sender = client(db);
  await worker.start();
  const latencyMs: number[] = [];
  for (let i = 0; i < jobs; i++) {
    // Let the worker fall idle first: a random pause so the enqueue lands anywhere in its poll cycle.
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
    const done = worker.waitFor('job.succeeded');
    const sentAt = performance.now();
    const job = await sender.enqueue({ task: 'ping' });
    await done;
    latencyMs.push(startedAt.get(job.id)! - sentAt);
  }
  await Promise.all([worker.stop(), sender.stop()]);
  report('idle-latency', { jobs, latencyMs: summary(latencyMs) });
}

try {
  await idleLatency();
  await enqueueThroughput();
  await processThroughput(10);
  await processThroughput(50);
  await oneShotBurst();
} finally {
  rmSync(directory, { recursive: true, force: true });
}
