// The Redis store's hot path alone, without the runtime: bulk enqueue, then a node's loop of
// completing a batch and claiming the next one (completeAndClaim: one round trip), with Redis's
// own script time per job from INFO commandstats (EVALSHA usec, as a difference: run it while
// nothing else uses the server's scripts).
//
//   node bench/src/profile/redis-store-calls.ts                      this tree's store
//   node bench/src/profile/redis-store-calls.ts --store /work/main/src/redis/index.ts
//        another tree's store; one without completeAndClaim (the old contract) pays completeJobs
//        then claimJobs, two round trips, as its runtime did
//   [--jobs 20000] [--rounds 3]
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { NewJob } from '../../../src/domain/job.ts';
import { redisUrl } from '../lib/common.ts';
import { deleteRedisPrefix } from '../lib/sundial-helpers.ts';

const { values } = parseArgs({
  options: { store: { type: 'string' }, jobs: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' } },
});
const jobCount = Number(values.jobs);
const rounds = Number(values.rounds);
const modulePath = values.store ?? new URL('../../../src/redis/index.ts', import.meta.url).pathname;

interface HeldJob { id: string; fencingToken: number }
/** The calls this profile makes, on either contract (the old one answered full records). */
interface ProfiledStore {
  prefix: string;
  open(): Promise<void>;
  close(): Promise<void>;
  enqueueJobs(jobs: readonly NewJob[]): Promise<unknown[]>;
  claimJobs(request: object): Promise<HeldJob[]>;
  completeJobs(requests: readonly object[]): Promise<unknown[]>;
  completeAndClaim?(request: { completions: readonly object[]; claim: object }): Promise<{ claimed: HeldJob[] }>;
}
const { RedisStore } = (await import(pathToFileURL(modulePath).href)) as { RedisStore: new (options: object) => ProfiledStore };

const admin = new Redis(redisUrl);
const scriptUsec = async () => Number(/cmdstat_evalsha:calls=\d+,usec=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);
const t0 = Date.now();

function noopJobs(from: number, count: number): NewJob[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `job-${String(from + i).padStart(8, '0')}`,
    task: 'noop',
    data: { n: from + i },
    origin: 'enqueue' as const,
    scheduleId: null,
    fireAtMs: null,
    priority: 0,
    runAtMs: t0,
    maxAttempts: 3,
    dedupeKey: null,
    createdAtMs: t0,
  }));
}

async function withStore<T>(body: (store: ProfiledStore) => Promise<T>): Promise<T> {
  const store = new RedisStore({ url: redisUrl, prefix: `profile_calls_${process.pid}_${Math.random().toString(36).slice(2, 8)}` });
  await store.open();
  try {
    return await body(store);
  } finally {
    await store.close();
    await deleteRedisPrefix(admin, store.prefix);
  }
}

async function enqueueAll(store: ProfiledStore): Promise<void> {
  for (let from = 0; from < jobCount; from += 1000) await store.enqueueJobs(noopJobs(from, Math.min(1000, jobCount - from)));
}

/** Bulk enqueue in chunks of 1000: jobs/s and script µs per job. */
async function enqueueRound(): Promise<{ jobsPerS: number; scriptUsPerJob: number }> {
  return withStore(async (store) => {
    const usec = await scriptUsec();
    const started = performance.now();
    await enqueueAll(store);
    const ms = performance.now() - started;
    return { jobsPerS: Math.round(jobCount / (ms / 1000)), scriptUsPerJob: round(((await scriptUsec()) - usec) / jobCount) };
  });
}

/** A node with `batch` slots: completes its batch and claims the next, until the queue is empty. */
async function loopRound(batch: number): Promise<{ jobsPerS: number; wallUsPerJob: number; scriptUsPerJob: number }> {
  return withStore(async (store) => {
    await enqueueAll(store);
    const claim = (nowMs: number) => ({ nodeId: 'profile-node', nowMs, leaseMs: 60_000, limit: batch, tasks: ['noop'] });
    const usec = await scriptUsec();
    const started = performance.now();
    let held = await store.claimJobs(claim(Date.now()));
    let done = 0;
    while (held.length > 0) {
      const nowMs = Date.now();
      const completions = held.map((job) => ({ jobId: job.id, fencingToken: job.fencingToken, nowMs, completion: { status: 'succeeded', result: null } }));
      done += held.length;
      if (store.completeAndClaim) held = (await store.completeAndClaim({ completions, claim: claim(nowMs) })).claimed;
      else {
        await store.completeJobs(completions);
        held = await store.claimJobs(claim(nowMs));
      }
    }
    const ms = performance.now() - started;
    return { jobsPerS: Math.round(done / (ms / 1000)), wallUsPerJob: round((ms * 1000) / done), scriptUsPerJob: round(((await scriptUsec()) - usec) / done) };
  });
}

const round = (n: number) => Math.round(n * 10) / 10;
const best = <T extends { jobsPerS: number }>(results: T[]): T => results.reduce((a, b) => (b.jobsPerS > a.jobsPerS ? b : a));

try {
  const figures: Record<string, unknown> = { store: modulePath, jobs: jobCount, rounds, completeAndClaim: 'one script' };
  const runs = async <T extends { jobsPerS: number }>(round: () => Promise<T>): Promise<T> => {
    const results: T[] = [];
    for (let i = 0; i < rounds; i++) results.push(await round());
    return best(results);
  };
  figures.enqueue = await runs(enqueueRound);
  figures.loopBatch10 = await runs(() => loopRound(10));
  figures.loopBatch50 = await runs(() => loopRound(50));
  const probe = new RedisStore({ url: redisUrl, prefix: 'unused' });
  figures.completeAndClaim = probe.completeAndClaim ? 'one script' : 'completeJobs + claimJobs (two round trips)';
  console.log(JSON.stringify(figures));
} finally {
  admin.disconnect();
}
