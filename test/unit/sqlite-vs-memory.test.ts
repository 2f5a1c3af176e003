import { describe, expect, test } from 'vitest';
import type { JobRecord, NewJob } from '../../src/domain/job.ts';
import type { ScheduleRecord, ScheduleWrite } from '../../src/domain/schedule.ts';
import { MemoryStore } from '../../src/memory/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import type { ClaimedJob, Store } from '../../src/store/store.ts';

// The same random sequence of hot-path calls (enqueue, claims with look-ahead, fires reserved at
// release, renewals that start reservations, completions of every kind, cancels, pauses, edits,
// removals, another node reaping expired leases) on MemoryStore, the reference, and on SqliteStore: every answer and the final state
// must agree. Differences the contract allows are normalized: SQLite gives a cancelled job's error
// a code, and stamps updatedAtMs when a renewal starts a reservation (the change feed then shows
// the job running; MemoryStore leaves updatedAtMs as it was).

const t0 = Date.UTC(2026, 0, 1);
const leaseMs = 5000;
const tasks = ['task-a', 'task-b'];

type Step = (store: Store, nowMs: number, held: Map<string, ClaimedJob>) => Promise<unknown>;

/** mulberry32: a seeded generator whose low bits do not cycle (an LCG's do, under `% n`). */
function random(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n | 0;
  };
}

function newJob(id: string, nowMs: number, next: (n: number) => number): NewJob {
  return {
    id,
    task: tasks[next(2)]!,
    data: { id },
    origin: 'enqueue',
    scheduleId: null,
    fireAtMs: null,
    priority: next(3),
    runAtMs: nowMs + next(4) * 500 - 500,
    maxAttempts: 2,
    dedupeKey: next(5) === 0 ? `key-${next(3)}` : null,
    createdAtMs: nowMs,
  };
}

function scheduleWrite(id: string, nowMs: number, next: (n: number) => number): ScheduleWrite {
  return {
    id,
    task: 'task-a',
    data: { v: next(2) },
    trigger: { type: 'interval', everyMs: 1000, startAtMs: null, endAtMs: null, jitterMs: 0 },
    priority: 0,
    maxRunning: null,
    misfireGraceMs: null,
    coalesce: 'latest',
    paused: null,
    nextFireAtMs: nowMs + 500,
    keepNextFire: next(2) === 0,
    nowMs,
  };
}

/** One random step, decided from `next` (the same on both stores) and from what the store holds. */
function step(next: (n: number) => number, i: number): Step {
  const kind = next(14);
  return async (store, nowMs, held) => {
    const ids = [...held.keys()].sort();
    const pick = () => held.get(ids[next(Math.max(1, ids.length))]!);
    switch (kind) {
      case 0:
      case 1:
        return store.enqueueJobs(Array.from({ length: 1 + next(4) }, (_, k) => newJob(`job-${i}-${k}`, nowMs, next)));
      case 2:
      case 3: {
        const claimed = await store.claimJobs({ nodeId: 'node-a', nowMs, leaseMs, limit: next(4), tasks, aheadMs: 1500, aheadLimit: next(3) });
        for (const job of claimed) held.set(job.id, job);
        return claimed;
      }
      case 4: {
        const job = pick();
        if (!job) return null;
        const start = job.status === 'reserved' && job.runAtMs <= nowMs && next(2) === 0 ? { startedAtMs: job.runAtMs } : {};
        return store.renewLeases({ nodeId: 'node-a', nowMs, leaseMs, leases: [{ jobId: job.id, fencingToken: job.fencingToken, ...start }] });
      }
      case 5:
      case 6: {
        const job = pick();
        if (!job) return null;
        held.delete(job.id);
        const completions = [
          { status: 'succeeded', result: { ok: job.id } },
          { status: 'retry', error: { name: 'E', message: 'x' }, retryAtMs: nowMs + 700 },
          { status: 'dead', error: { name: 'E', message: 'y' } },
          { status: 'released' },
          { status: 'discarded', countAs: next(2) === 0 ? 'skipped' : 'missed' },
        ] as const;
        const completion = completions[next(job.scheduleId === null ? 4 : 5)]!;
        const startedAtMs = job.status === 'reserved' ? { startedAtMs: Math.min(nowMs, job.runAtMs) } : {};
        return store.completeAndClaim({
          completions: [{ jobId: job.id, fencingToken: job.fencingToken, nowMs, completion, ...startedAtMs, endSchedule: next(8) === 0 }],
          claim: { nodeId: 'node-a', nowMs, leaseMs, limit: 0, tasks },
        });
      }
      case 7: {
        const writes = Array.from({ length: 1 + next(2) }, () => scheduleWrite(`sched-${next(3)}`, nowMs, next));
        return store.upsertSchedules ? store.upsertSchedules(writes) : null;
      }
      case 8: {
        const acquired = await store.acquireDueSchedules({ nodeId: 'node-a', nowMs, leaseMs, limit: 2, horizonMs: 1500 });
        const results = await store.releaseSchedules(
          acquired.map(({ schedule, leaseToken }) => {
            const fireAtMs = schedule.nextFireAtMs!;
            const job: NewJob = { ...newJob(`fire-${schedule.id}-${fireAtMs}`, nowMs, next), task: 'task-a', origin: 'schedule', scheduleId: schedule.id, fireAtMs, runAtMs: fireAtMs, dedupeKey: null };
            return { scheduleId: schedule.id, leaseToken, nowMs, nextFireAtMs: fireAtMs + 1000, lastFireAtMs: fireAtMs, jobs: [job], skipped: 0, missed: 0, end: false, ...(next(3) === 0 ? {} : { reserve: { nodeId: 'node-a', leaseMs } }) };
          }),
        );
        for (const result of results) for (const job of result.created) if (job.status === 'reserved') held.set(job.id, job);
        return [acquired.map((a) => [a.schedule.id, a.activeJobs]), results];
      }
      case 9:
        return store.updateSchedule(`sched-${next(3)}`, next(2) === 0 ? { paused: next(2) === 0 } : { nextFireAtMs: nowMs + 2000 }, nowMs);
      case 10: {
        const job = pick();
        return job ? store.cancelJob({ jobId: job.id, nowMs, reason: 'stop' }) : store.removeSchedule(`sched-${next(3)}`, nowMs);
      }
      case 12: {
        // A heartbeat: every lease held at once (from 32 on, SQLite renews them set-based), the due
        // reservations reported started at one of two instants.
        const leases = ids.map((id) => {
          const job = held.get(id)!;
          const started = job.status === 'reserved' && job.runAtMs <= nowMs && next(3) > 0;
          return { jobId: id, fencingToken: job.fencingToken, ...(started ? { startedAtMs: next(2) === 0 ? job.runAtMs : nowMs } : {}) };
        });
        return leases.length === 0 ? null : store.renewLeases({ nodeId: next(10) === 0 ? 'node-b' : 'node-a', nowMs, leaseMs, leases });
      }
      case 11: {
        // Another node reaps what a dead node held (a running attempt fails, a reservation goes back), then claims.
        const expired = await store.findExpiredLeases({ nowMs, limit: 5 });
        const reaped = await store.completeJobs(
          expired.map((job) => ({
            jobId: job.id,
            fencingToken: job.fencingToken,
            nowMs,
            completion:
              job.status === 'reserved'
                ? ({ status: 'released' } as const)
                : ({ status: 'retry', error: { name: 'LeaseExpiredError', message: 'lease expired' }, retryAtMs: nowMs, attemptOutcome: 'lease_expired' } as const),
          })),
        );
        const claimed = await store.claimJobs({ nodeId: 'node-b', nowMs, leaseMs, limit: 2, tasks, aheadMs: 1000, aheadLimit: 1 });
        return [expired, reaped, claimed, await store.nextWakeAtMs()];
      }
      default:
        return [await store.findExpiredLeases({ nowMs, limit: 5 }), await store.nextWakeAtMs()];
    }
  };
}

/** What the contract leaves to the store, made equal. */
function normalize(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (key, v: unknown) => {
      if (key === 'updatedAtMs') return undefined;
      if (key === 'code' && v === 'JOB_CANCELLED') return undefined;
      return v;
    }),
  ) as unknown;
}

async function run(store: Store, seed: number): Promise<unknown[]> {
  await store.open();
  const next = random(seed);
  const held = new Map<string, ClaimedJob>();
  const answers: unknown[] = [];
  for (let i = 0; i < 400; i++) {
    const nowMs = t0 + i * 100;
    answers.push([i, await step(next, i)(store, nowMs, held)]);
  }
  const jobs: JobRecord[] = await store.listJobs({ limit: 10_000 });
  const schedules: ScheduleRecord[] = await store.listSchedules({ limit: 100 });
  answers.push(jobs.sort((a, b) => (a.id < b.id ? -1 : 1)), schedules, await store.jobStats({ nowMs: t0 + 40_000, sinceMs: t0, bucketMs: 10_000 }));
  await store.close();
  return normalize(answers) as unknown[];
}

describe('SqliteStore against the reference MemoryStore', () => {
  test.each([1, 2, 3, 4, 5, 6])('the same random calls give the same answers and state (seed %i)', async (seed) => {
    const expected = await run(new MemoryStore(), seed);
    const actual = await run(new SqliteStore(':memory:'), seed);
    for (let i = 0; i < expected.length; i++) expect(actual[i], `answer ${i}`).toEqual(expected[i]);
  });
});
