import assert from 'node:assert/strict';
import type { JobStats, Store } from '../../store/store.ts';
import { completeJob } from '../../store/single-calls.ts';
import { leaseMs, newJob, t0, suiteTasks } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

const minute = 60_000;
const boom = { name: 'Error', message: 'boom' };
const early = t0 - 1_000_000;

/** Enqueues `id`, claims it (the only due job) and ends it with `status` at `finishedAtMs`. */
async function finished(store: Store, id: string, status: 'succeeded' | 'dead', finishedAtMs: number): Promise<void> {
  await store.enqueueJobs([newJob(id, { runAtMs: early, createdAtMs: early })]);
  const [claimed] = await store.claimJobs({ nodeId: 'n', nowMs: early, leaseMs, limit: 1, tasks: suiteTasks });
  assert.equal(claimed?.id, id, `expected to claim ${id}`);
  const completion = status === 'succeeded' ? { status, result: null } : { status, error: boom };
  await completeJob(store, { jobId: id, fencingToken: claimed.fencingToken, nowMs: finishedAtMs, completion });
}

function bucket(startMs: number, counts: Partial<Omit<JobStats['finished'][number], 'bucketStartMs'>> = {}): JobStats['finished'][number] {
  return { bucketStartMs: startMs, succeeded: 0, dead: 0, cancelled: 0, ...counts };
}

export function defineStatsTests({ describe, test }: SuiteApi): void {
  describe('jobStats', () => {
    test('an empty store has every status at 0 and every bucket empty', async (store) => {
      const stats = await store.jobStats({ nowMs: t0 + 2 * minute + 1, sinceMs: t0 + 1, bucketMs: minute });
      assert.deepEqual(stats.byStatus, { waiting: 0, queued: 0, reserved: 0, running: 0, succeeded: 0, failed: 0, dead: 0, cancelled: 0 });
      assert.deepEqual(stats.finished, [bucket(t0), bucket(t0 + minute), bucket(t0 + 2 * minute)]);
    });

    test('counts jobs per status and final outcomes per bucket, empty buckets included', async (store) => {
      await finished(store, 'job-before-window', 'succeeded', t0 - 1);
      await finished(store, 'job-ok-1', 'succeeded', t0 + 10_000); // before sinceMs, but in its bucket
      await finished(store, 'job-ok-boundary', 'succeeded', t0 + minute); // exactly on a boundary: the later bucket
      await finished(store, 'job-dead', 'dead', t0 + 2 * minute - 1);
      await finished(store, 'job-ok-3', 'succeeded', t0 + 3 * minute + 5);
      await finished(store, 'job-ok-future', 'succeeded', t0 + 5 * minute); // after nowMs's bucket
      await store.enqueueJobs([newJob('job-cancelled', { runAtMs: t0 + 10 * minute })]);
      await store.cancelJob({ jobId: 'job-cancelled', nowMs: t0 + 3 * minute, reason: 'operator' });

      await store.enqueueJobs([newJob('job-running', { runAtMs: early })]);
      await store.claimJobs({ nodeId: 'n', nowMs: early, leaseMs, limit: 1, tasks: suiteTasks });
      await store.enqueueJobs([newJob('job-failed', { runAtMs: early })]);
      const [failing] = await store.claimJobs({ nodeId: 'n', nowMs: early, leaseMs, limit: 1, tasks: suiteTasks });
      assert.equal(failing?.id, 'job-failed');
      await completeJob(store, {
        jobId: 'job-failed',
        fencingToken: failing.fencingToken,
        nowMs: t0 + minute + 1,
        completion: { status: 'retry', error: boom, retryAtMs: t0 + 10 * minute },
      });
      await store.enqueueJobs([newJob('job-queued-1', { runAtMs: t0 + 10 * minute }), newJob('job-queued-2', { runAtMs: t0 + 10 * minute })]);

      const stats = await store.jobStats({ nowMs: t0 + 4 * minute + 5, sinceMs: t0 + 30_000, bucketMs: minute });
      assert.deepEqual(stats.byStatus, { waiting: 0, queued: 2, reserved: 0, running: 1, succeeded: 5, failed: 1, dead: 1, cancelled: 1 });
      assert.deepEqual(stats.finished, [
        bucket(t0, { succeeded: 1 }),
        bucket(t0 + minute, { succeeded: 1, dead: 1 }),
        bucket(t0 + 2 * minute),
        bucket(t0 + 3 * minute, { succeeded: 1, cancelled: 1 }),
        bucket(t0 + 4 * minute),
      ]);
    });

    test('a job put back in the queue by retryJob leaves the buckets', async (store) => {
      await finished(store, 'job-dead', 'dead', t0 + 5);
      const window = { nowMs: t0 + minute, sinceMs: t0, bucketMs: minute };
      assert.deepEqual((await store.jobStats(window)).finished, [bucket(t0, { dead: 1 }), bucket(t0 + minute)]);
      await store.retryJob({ jobId: 'job-dead', nowMs: t0 + 10 * minute });
      const stats = await store.jobStats(window);
      assert.deepEqual(stats.finished, [bucket(t0), bucket(t0 + minute)]);
      assert.equal(stats.byStatus.queued, 1);
      assert.equal(stats.byStatus.dead, 0);
    });

    test('sinceMs and nowMs in one bucket give exactly one bucket', async (store) => {
      await finished(store, 'job-ok', 'succeeded', t0 + 7 * minute + 10);
      const stats = await store.jobStats({ nowMs: t0 + 7 * minute + 59_999, sinceMs: t0 + 7 * minute + 20, bucketMs: minute });
      assert.deepEqual(stats.finished, [bucket(t0 + 7 * minute, { succeeded: 1 })]);
    });
  });
}
