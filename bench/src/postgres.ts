// Benchmarks of the PostgreSQL store under the real runtime, one JSON line per scenario.
//
//   node bench/src/postgres.ts           full counts
//   node bench/src/postgres.ts --quick   counts ÷10 (a smoke run)
//
// Connects with the PG* environment variables (default 127.0.0.1:5432, database `test`, the OS
// user); each scenario works in its own schema, dropped at the end. Real time on purpose.
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Scheduler, at, task, type EnqueueInput } from '../../src/index.ts';
import { PostgresStore } from '../../src/postgres/index.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const scale = values.quick ? 0.1 : 1;
const count = (full: number) => Math.max(1, Math.round(full * scale));

const connection = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  database: process.env.PGDATABASE ?? 'test',
  user: process.env.PGUSER ?? process.env.USER ?? userInfo().username,
  ...(process.env.PGPASSWORD ? { password: process.env.PGPASSWORD } : {}),
};
const run = randomBytes(3).toString('hex');
const schemas: string[] = [];
/** A fresh schema per scenario, so one scenario's rows never slow another. */
function freshSchema(): string {
  const schema = `sundial_bench_${run}_${schemas.length}`;
  schemas.push(schema);
  return schema;
}
const store = (schema: string) => new PostgresStore({ poolConfig: connection, schema });

function report(scenario: string, figures: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ scenario, store: 'postgres', ...figures })}\n`);
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));
const perSecond = (n: number, ms: number) => Math.round((n / ms) * 1000);

function percentile(sortedValues: readonly number[], p: number): number {
  const rank = Math.min(sortedValues.length - 1, Math.max(0, Math.ceil((p / 100) * sortedValues.length) - 1));
  return sortedValues[rank] ?? Number.NaN;
}

function summary(values: number[]): Record<string, number | undefined> {
  const sorted = values.sort((a, b) => a - b);
  return { min: sorted[0], p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) };
}

/** A client node: it writes and reads the store but fires and runs nothing. */
function client(schema: string): Scheduler {
  return new Scheduler({ store: store(schema), roles: { schedules: false, jobs: false }, logger: 'error' });
}

/** Resolves when `n` jobs have succeeded on `scheduler`, or rejects after `timeoutMs`. */
function whenSucceeded(scheduler: Scheduler, n: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = 0;
    const deadline = setTimeout(() => reject(new Error(`only ${done} of ${n} jobs succeeded in ${timeoutMs} ms`)), timeoutMs);
    const off = scheduler.on('job.succeeded', () => {
      if (++done < n) return;
      clearTimeout(deadline);
      off();
      resolve();
    });
  });
}

async function enqueueThroughput(): Promise<void> {
  const manyCount = count(20_000);
  const batchSize = 1000;
  const singleCount = count(2000);
  const scheduler = client(freshSchema());
  await scheduler.listJobs({ limit: 1 }); // migrate outside the timing
  const input = (i: number): EnqueueInput => ({ task: 'noop', data: { i } });

  let started = performance.now();
  for (let offset = 0; offset < manyCount; offset += batchSize) {
    await scheduler.enqueueMany(Array.from({ length: Math.min(batchSize, manyCount - offset) }, (_, i) => input(offset + i)));
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
  const schema = freshSchema();
  const setup = client(schema);
  for (let offset = 0; offset < jobCount; offset += 1000) {
    await setup.enqueueMany(Array.from({ length: Math.min(1000, jobCount - offset) }, (_, i) => ({ task: 'noop', data: { i: offset + i } })));
  }
  await setup.stop();

  const noop = task('noop', { run: () => undefined });
  const scheduler = new Scheduler({ store: store(schema), tasks: [noop], concurrency, logger: 'error' });
  const finished = whenSucceeded(scheduler, jobCount, 300_000);
  const started = performance.now();
  await scheduler.start();
  await finished;
  const elapsedMs = performance.now() - started;
  await scheduler.stop();
  report('process', { jobs: jobCount, concurrency, ms: round(elapsedMs), jobsPerSecond: perSecond(jobCount, elapsedMs) });
}

async function oneShotBurst(): Promise<void> {
  const scheduleCount = count(5000);
  const concurrency = 50;
  const schema = freshSchema();
  const setup = client(schema);
  await setup.listSchedules({ limit: 1 });
  const dueAtMs = Date.now() + 2000 + scheduleCount; // room to create them all before they are due
  const createStarted = performance.now();
  for (let i = 0; i < scheduleCount; i++) await setup.schedule({ id: `burst-${i}`, task: 'noop', trigger: at(dueAtMs) });
  const createMs = performance.now() - createStarted;
  await setup.stop();

  const latenessMs: number[] = [];
  const noop = task('noop', { run: ({ job }) => void latenessMs.push(Date.now() - job.fireAtMs!) });
  const scheduler = new Scheduler({ store: store(schema), tasks: [noop], concurrency, logger: 'error' });
  const finished = whenSucceeded(scheduler, scheduleCount, 300_000);
  await scheduler.start();
  const startedBeforeDue = Date.now() < dueAtMs;
  await finished;
  await scheduler.stop();
  report('at-burst', { schedules: scheduleCount, concurrency, createMs: round(createMs), startedBeforeDue, latenessMs: summary(latenessMs) });
}

/** Enqueue on one node → start on another, idle one (polling every 30 s): the LISTEN/NOTIFY wake-up. */
async function idleLatency(): Promise<void> {
  const jobs = count(100);
  const schema = freshSchema();
  const startedAt = new Map<string, number>();
  const ping = task('ping', { run: ({ job }) => void startedAt.set(job.id, performance.now()) });
  const worker = new Scheduler({ store: store(schema), tasks: [ping], pollInterval: '30s', logger: 'error' });
  const sender = client(schema);
  await worker.start();
  await sender.listJobs({ limit: 1 });
  const latencyMs: number[] = [];
  for (let i = 0; i < jobs; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
    const done = worker.waitFor('job.succeeded');
    const sentAt = performance.now();
    const job = await sender.enqueue({ task: 'ping' });
    await done;
    latencyMs.push(round(startedAt.get(job.id)! - sentAt));
  }
  await Promise.all([worker.stop(), sender.stop()]);
  report('idle-latency', { jobs, pollInterval: '30s', latencyMs: summary(latencyMs) });
}

const admin = new pg.Client(connection);
await admin.connect();
try {
  await enqueueThroughput();
  await processThroughput(10);
  await processThroughput(50);
  await oneShotBurst();
  await idleLatency();
} finally {
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}
