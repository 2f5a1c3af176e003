// Benchmarks of the PostgreSQL store under the real runtime, one JSON line per scenario.
//
//   node bench/src/postgres.ts           full counts
//   node bench/src/postgres.ts --quick   counts ÷10 (a smoke run)
//
// Connects with the PG* environment variables (default 127.0.0.1:5432, database `test`, the OS
// user); each scenario works in its own schema, dropped at the end. Real time on purpose.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { Scheduler, at, task, type EnqueueInput } from '../../src/index.ts';
import { PostgresStore } from '../../src/postgres/index.ts';
import { count, pgConnection as connection, perSecond, round, summary } from './lib/common.ts';
import { clientOf, whenSucceeded } from './lib/sundial-helpers.ts';

const run = randomBytes(3).toString('hex');
const schemas: string[] = [];
/** A fresh schema per scenario, so one scenario's rows never slow another. */
function freshSchema(): string {
  const schema = `sundial_bench_${run}_${schemas.length}`;
  schemas.push(schema);
  return schema;
}
const store = (schema: string) => new PostgresStore({ poolConfig: connection, schema });

/** A client node: it writes and reads the store but fires and runs nothing. */
const client = (schema: string): Scheduler => clientOf(store(schema));

function report(scenario: string, figures: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ scenario, store: 'postgres', ...figures })}\n`);
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
