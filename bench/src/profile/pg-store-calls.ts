// The PostgreSQL store's hot path alone, without the runtime: bulk enqueue, then one worker loop
// of claim + complete with batches of `--batch` jobs (completeAndClaim when the store has it,
// else completeJobs then claimJobs: the store of an older branch), and bulk schedule upserts.
// Prints jobs/s and µs per job for each.
//
//   node bench/src/profile/pg-store-calls.ts                       # this branch's store
//   node bench/src/profile/pg-store-calls.ts --src /work/main/src  # another checkout's store
//   node bench/src/profile/pg-store-calls.ts --batches 10,50 --jobs 20000 --rounds 3
//   node bench/src/profile/pg-store-calls.ts --history 200000     # with that many finished jobs kept first
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { NewJob } from '../../../src/domain/job.ts';
import type { ClaimedJob, CompleteJobRequest, Store } from '../../../src/store/store.ts';

const { values } = parseArgs({
  options: {
    src: { type: 'string', default: resolve(import.meta.dirname, '../../../src') },
    jobs: { type: 'string', default: '20000' },
    batches: { type: 'string', default: '10,50' },
    rounds: { type: 'string', default: '3' },
    schedules: { type: 'string', default: '5000' },
    // Finished jobs in the store before the measured runs (enqueued and run through the store,
    // not measured): a store that keeps its history, as a production one does until a purge.
    history: { type: 'string', default: '0' },
    // Takes the WAL flush out of every commit (this session only), to see the CPU per job.
    'async-commit': { type: 'boolean', default: false },
  },
});
const poolConfig = {
  host: '127.0.0.1', port: 5432, database: process.env.PGDATABASE ?? 'test', user: process.env.PGUSER ?? 'postgres',
  ...(values['async-commit'] ? { options: '-c synchronous_commit=off' } : {}),
};
const { PostgresStore } = (await import(pathToFileURL(resolve(values.src, 'postgres/index.ts')).href)) as typeof import('../../../src/postgres/index.ts');
const n = Number(values.jobs);
const admin = new pg.Pool({ ...poolConfig, max: 1 });
const tasks = ['noop'];
const nodeId = 'profile-node';
const leaseMs = 60_000;

function newJobs(from: number, count: number, nowMs: number): NewJob[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `job-${String(from + i).padStart(8, '0')}`, task: 'noop', data: { i: from + i }, origin: 'enqueue', scheduleId: null, fireAtMs: null,
    priority: 0, runAtMs: nowMs, maxAttempts: 3, dedupeKey: null, createdAtMs: nowMs,
  }));
}

async function withStore<T>(run: (store: Store) => Promise<T>): Promise<T> {
  const schema = `profile_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const store = new PostgresStore({ poolConfig, schema, poolSize: 4 }) as unknown as Store;
  await store.open();
  try {
    return await run(store);
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
}

async function enqueueAll(store: Store, nowMs: number, from = 0, count = n): Promise<number> {
  const started = performance.now();
  for (let offset = 0; offset < count; offset += 1000) await store.enqueueJobs(newJobs(from + offset, Math.min(1000, count - offset), nowMs));
  return performance.now() - started;
}

/** The finished jobs kept before the measured runs: `--history` jobs, enqueued and completed in batches of 500. */
async function keepHistory(store: Store, nowMs: number): Promise<void> {
  const count = Number(values.history);
  if (count <= 0) return;
  await enqueueAll(store, nowMs, 100_000_000, count);
  await processAll(store, 500, nowMs, count);
  await admin.query('CHECKPOINT');
}

/** One worker: claim `batch`, then hand in their completions with the next claim, until the queue is empty. */
async function processAll(store: Store, batch: number, nowMs: number, expected = n): Promise<number> {
  const claim = { nodeId, nowMs, leaseMs, limit: batch, tasks };
  const done = (jobs: readonly ClaimedJob[]): CompleteJobRequest[] =>
    jobs.map((job) => ({ jobId: job.id, fencingToken: job.fencingToken, nowMs, completion: { status: 'succeeded', result: null } }));
  const started = performance.now();
  let processed = 0;
  let held = await store.claimJobs(claim);
  while (held.length > 0) {
    processed += held.length;
    if (typeof store.completeAndClaim === 'function') {
      held = (await store.completeAndClaim({ completions: done(held), claim })).claimed;
    } else {
      await store.completeJobs(done(held));
      held = await store.claimJobs(claim);
    }
  }
  if (processed !== expected) throw new Error(`processed ${processed} of ${expected}`);
  return performance.now() - started;
}

async function upsertAll(store: Store, nowMs: number): Promise<number> {
  const count = Number(values.schedules);
  const writes = Array.from({ length: count }, (_, i) => ({
    id: `sched-${i}`, task: 'noop', data: null, trigger: { type: 'date' as const, runAtMs: nowMs + 3_600_000 }, priority: 0, maxRunning: 1,
    misfireGraceMs: null, coalesce: 'latest' as const, paused: null, nextFireAtMs: nowMs + 3_600_000, nowMs,
  }));
  const started = performance.now();
  if (typeof store.upsertSchedules === 'function') await store.upsertSchedules(writes);
  else for (let i = 0; i < count; i += 32) await Promise.all(writes.slice(i, i + 32).map((write) => store.upsertSchedule(write)));
  return performance.now() - started;
}

/** WAL bytes written by the whole server meanwhile (other sessions' writes included: take the lowest of several rounds). */
async function walBytes<T>(run: () => Promise<T>): Promise<[T, number]> {
  const before = (await admin.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
  const value = await run();
  const after = await admin.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::text AS bytes', [before]);
  return [value, Number(after.rows[0]!.bytes)];
}

const rate = (count: number, ms: number) => Math.round((count / ms) * 1000).toLocaleString('en-US');
const perJob = (count: number, ms: number) => ((ms * 1000) / count).toFixed(1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`store from ${values.src}; ${n} jobs, ${values.rounds} rounds (median)${values['async-commit'] ? ', synchronous_commit off' : ''}${Number(values.history) > 0 ? `, ${values.history} finished jobs kept first` : ''}`);
const batches = values.batches.split(',').map(Number);
const enqueueMs: number[] = [];
const processMs = new Map<number, number[]>(batches.map((batch) => [batch, []]));
const enqueueWal: number[] = [];
const processWal = new Map<number, number[]>(batches.map((batch) => [batch, []]));
const upsertMs: number[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  for (const batch of batches) {
    await withStore(async (store) => {
      const nowMs = Date.now();
      await keepHistory(store, nowMs - 1000);
      const [enqueued, enqueuedWal] = await walBytes(() => enqueueAll(store, nowMs));
      enqueueMs.push(enqueued);
      enqueueWal.push(enqueuedWal);
      const [processed, processedWal] = await walBytes(() => processAll(store, batch, nowMs + 1));
      processMs.get(batch)!.push(processed);
      processWal.get(batch)!.push(processedWal);
    });
  }
  upsertMs.push(await withStore((store) => upsertAll(store, Date.now())));
}
const walPerJob = (bytes: number[]) => Math.round(Math.min(...bytes) / n);
console.log(`enqueue, batches of 1000: ${rate(n, median(enqueueMs))} jobs/s (${perJob(n, median(enqueueMs))} µs/job, WAL ≤ ${walPerJob(enqueueWal)} B/job)`);
for (const [batch, ms] of processMs) {
  console.log(`claim+complete, batches of ${batch}: ${rate(n, median(ms))} jobs/s (${perJob(n, median(ms))} µs/job, WAL ≤ ${walPerJob(processWal.get(batch)!)} B/job)`);
}
console.log(`upsert ${values.schedules} schedules: ${rate(Number(values.schedules), median(upsertMs))} schedules/s`);
await admin.end();
