// Benchmarks of the Redis store under the real runtime, one JSON line per scenario.
//
//   node bench/src/redis.ts           full counts
//   node bench/src/redis.ts --quick   counts ÷10 (a smoke run)
//   node bench/src/redis.ts --only memory   one scenario (idle-latency, enqueue, process, at-burst, memory)
//
// Needs Redis at REDIS_URL (default redis://127.0.0.1:6379). Each scenario uses its own key
// prefix, deleted afterwards. Real time on purpose: this measures the machine.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Scheduler, at, every, task, type EnqueueInput } from '../../src/index.ts';
import { RedisStore } from '../../src/redis/index.ts';
import { keyPattern } from '../../src/redis/key-layout.ts';
import { count, perSecond, round, summary, redisUrl as url } from './lib/common.ts';
import { clientOf, deleteRedisPrefix, whenSucceeded } from './lib/sundial-helpers.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
const runs = (scenario: string) => values.only === undefined || values.only === scenario;
const admin = new Redis(url);

const prefixes: string[] = [];
function freshPrefix(): string {
  const prefix = `sundial-bench-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  return prefix;
}
const store = (prefix: string) => new RedisStore({ url, prefix });

const client = (prefix: string): Scheduler => clientOf(store(prefix));

function report(scenario: string, figures: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ scenario, store: 'redis', ...figures })}\n`);
}


/** Keys of a prefix and the bytes Redis reports for them (MEMORY USAGE … SAMPLES 0: exact). */
async function prefixMemory(prefix: string): Promise<{ keys: number; bytes: number }> {
  let cursor = '0';
  let keys = 0;
  let bytes = 0;
  do {
    const [next, found] = await admin.scan(cursor, 'MATCH', keyPattern(prefix), 'COUNT', 1000);
    cursor = next;
    const pipeline = admin.pipeline();
    for (const key of found) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
    for (const [, value] of (await pipeline.exec()) ?? []) bytes += Number(value ?? 0);
    keys += found.length;
  } while (cursor !== '0');
  return { keys, bytes };
}

async function idleLatency(): Promise<void> {
  const jobs = count(100);
  const prefix = freshPrefix();
  const startedAt = new Map<string, number>();
  const ping = task('ping', { run: ({ job }) => void startedAt.set(job.id, performance.now()) });
  // A long poll interval: only the pub/sub wake-up can start the job quickly.
  const worker = new Scheduler({ store: store(prefix), tasks: [ping], pollInterval: '30s', logger: 'error' });
  const sender = client(prefix);
  await worker.start();
  const latencyMs: number[] = [];
  for (let i = 0; i < jobs; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
    const done = worker.waitFor('job.succeeded');
    const sentAt = performance.now();
    const job = await sender.enqueue({ task: 'ping' });
    await done;
    latencyMs.push(startedAt.get(job.id)! - sentAt);
  }
  await Promise.all([worker.stop(), sender.stop()]);
  report('idle-latency', { jobs, pollInterval: '30s', latencyMs: summary(latencyMs) });
}

async function enqueueThroughput(): Promise<void> {
  const manyCount = count(20_000);
  const batchSize = 1000;
  const singleCount = count(2000);
  const scheduler = client(freshPrefix());
  await scheduler.listJobs({ limit: 1 });
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
  const prefix = freshPrefix();
  const setup = client(prefix);
  for (let offset = 0; offset < jobCount; offset += 1000) {
    const size = Math.min(1000, jobCount - offset);
    await setup.enqueueMany(Array.from({ length: size }, (_, i) => ({ task: 'noop', data: { i: offset + i } })));
  }
  await setup.stop();
  const noop = task('noop', { run: () => undefined });
  const scheduler = new Scheduler({ store: store(prefix), tasks: [noop], concurrency, logger: 'error' });
  const finished = whenSucceeded(scheduler, jobCount, 300_000);
  await admin.call('SLOWLOG', 'RESET');
  const started = performance.now();
  await scheduler.start();
  await finished;
  const elapsedMs = performance.now() - started;
  await scheduler.stop();
  const slowlog = (await admin.call('SLOWLOG', 'GET', '5')) as Array<[number, number, number, string[]]>;
  const slowest = slowlog.map((entry) => ({ us: entry[2], command: `${entry[3][0]} ${String(entry[3][1]).slice(0, 12)}` }));
  report('process', { jobs: jobCount, concurrency, ms: round(elapsedMs), jobsPerSecond: perSecond(jobCount, elapsedMs), slowlogTop: slowest });
}

async function oneShotBurst(): Promise<void> {
  const scheduleCount = count(5000);
  const concurrency = 50;
  const prefix = freshPrefix();
  const setup = client(prefix);
  const dueAtMs = Date.now() + 3000;
  const createStarted = performance.now();
  for (let i = 0; i < scheduleCount; i++) await setup.schedule({ id: `burst-${i}`, task: 'noop', trigger: at(dueAtMs) });
  const createMs = performance.now() - createStarted;
  await setup.stop();
  const latenessMs: number[] = [];
  const noop = task('noop', { run: ({ job }) => void latenessMs.push(Date.now() - job.fireAtMs!) });
  const scheduler = new Scheduler({ store: store(prefix), tasks: [noop], concurrency, logger: 'error' });
  const finished = whenSucceeded(scheduler, scheduleCount, 300_000);
  await scheduler.start();
  const startedBeforeDue = Date.now() < dueAtMs;
  await finished;
  await scheduler.stop();
  report('at-burst', { schedules: scheduleCount, concurrency, createMs: round(createMs), startedBeforeDue, latenessMs: summary(latenessMs) });
}

/** Bytes per schedule (N `every('1m')` schedules) and per finished job (N succeeded no-op jobs), all keys and indexes included. */
async function memory(): Promise<void> {
  const n = count(10_000);
  const schedulesPrefix = freshPrefix();
  const schedules = client(schedulesPrefix);
  for (let offset = 0; offset < n; offset += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, n - offset) }, (_, i) =>
        schedules.schedule({ id: `report-${offset + i}`, task: 'send-report', data: { customerId: offset + i }, trigger: every('1m') }),
      ),
    );
  }
  await schedules.stop();
  const scheduleBytes = await prefixMemory(schedulesPrefix);

  const jobsPrefix = freshPrefix();
  const setup = client(jobsPrefix);
  for (let offset = 0; offset < n; offset += 1000) {
    await setup.enqueueMany(Array.from({ length: Math.min(1000, n - offset) }, (_, i) => ({ task: 'noop', data: { i: offset + i } })));
  }
  await setup.stop();
  const noop = task('noop', { run: () => ({ ok: true }) });
  const worker = new Scheduler({ store: store(jobsPrefix), tasks: [noop], concurrency: 50, logger: 'error', nodeId: 'bench-node' });
  const finished = whenSucceeded(worker, n, 300_000);
  await worker.start();
  await finished;
  await worker.stop();
  const jobBytes = await prefixMemory(jobsPrefix);
  const config = (await admin.call('CONFIG', 'GET', 'hash-max-listpack-value')) as string[];
  report('memory', {
    records: n,
    bytesPerSchedule: Math.round(scheduleBytes.bytes / n),
    bytesPerFinishedJob: Math.round(jobBytes.bytes / n),
    keys: { schedules: scheduleBytes.keys, jobs: jobBytes.keys },
    hashMaxListpackValue: Number(config[1]),
  });
}

try {
  if (runs('idle-latency')) await idleLatency();
  if (runs('enqueue')) await enqueueThroughput();
  if (runs('process')) await processThroughput(10);
  if (runs('process')) await processThroughput(50);
  if (runs('at-burst')) await oneShotBurst();
  if (runs('memory')) await memory();
} finally {
  for (const prefix of prefixes) await deleteRedisPrefix(admin, prefix);
  admin.disconnect();
}
