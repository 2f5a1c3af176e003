import assert from 'node:assert/strict';
import type { JobCompletion, JobQuery, Store } from '../../store/store.ts';
import { fireJob, leaseMs, newJob, t0, suiteTasks } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';
import { completeJob } from '../../store/single-calls.ts';

const boom = { name: 'Error', message: 'boom' };

async function ids(store: Store, query?: JobQuery): Promise<string[]> {
  return (await store.listJobs(query)).map((j) => j.id);
}

/** Takes job `id` (queued, due) through a claim to the given final status at `nowMs`. */
async function finish(store: Store, id: string, status: 'succeeded' | 'dead' | 'cancelled', nowMs: number): Promise<void> {
  const job = await store.getJob(id);
  assert.ok(job);
  const claimed = await store.claimJobs({ nodeId: 'n', nowMs: job.runAtMs, leaseMs, limit: 1, tasks: suiteTasks });
  assert.equal(claimed[0]?.id, id, `expected to claim ${id}`);
  const completion: JobCompletion = status === 'succeeded' ? { status: 'succeeded', result: null } : { status, error: boom };
  await completeJob(store, { jobId: id, fencingToken: job.fencingToken + 1, nowMs, completion });
}

export function defineQueryTests({ describe, test }: SuiteApi): void {
  describe('getJob / listJobs / purgeJobs', () => {
    test('getJob of an unknown id returns null', async (store) => {
      assert.equal(await store.getJob('nope'), null);
    });

    test('listJobs is newest first: createdAtMs descending, then id descending', async (store) => {
      await store.enqueueJobs([
        newJob('job-a', { createdAtMs: t0 + 1 }),
        newJob('job-c', { createdAtMs: t0 }),
        newJob('job-b', { createdAtMs: t0 + 1 }),
        newJob('job-d', { createdAtMs: t0 + 2 }),
      ]);
      assert.deepEqual(await ids(store), ['job-d', 'job-b', 'job-a', 'job-c']);
    });

    test('listJobs filters by one status or several', async (store) => {
      await store.enqueueJobs([newJob('job-1', { createdAtMs: t0 + 1 }), newJob('job-2', { createdAtMs: t0 + 2 }), newJob('job-3', { createdAtMs: t0 + 3, runAtMs: t0 + 1000 })]);
      await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks }); // job-1 running
      await store.cancelJob({ jobId: 'job-2', nowMs: t0, reason: 'r' });
      assert.deepEqual(await ids(store, { status: 'running' }), ['job-1']);
      assert.deepEqual(await ids(store, { status: 'queued' }), ['job-3']);
      assert.deepEqual(await ids(store, { status: ['queued', 'cancelled'] }), ['job-3', 'job-2']);
      assert.deepEqual(await ids(store, { status: ['dead'] }), []);
    });

    test('listJobs filters by task and scheduleId', async (store) => {
      await store.enqueueJobs([
        newJob('job-1', { task: 'x', createdAtMs: t0 + 1 }),
        fireJob('job-2', 'sched-1', t0, { task: 'y', createdAtMs: t0 + 2 }),
        fireJob('job-3', 'sched-2', t0, { task: 'x', createdAtMs: t0 + 3 }),
        fireJob('job-4', 'sched-1', t0 + 1, { task: 'x', createdAtMs: t0 + 4 }),
      ]);
      assert.deepEqual(await ids(store, { task: 'x' }), ['job-4', 'job-3', 'job-1']);
      assert.deepEqual(await ids(store, { scheduleId: 'sched-1' }), ['job-4', 'job-2']);
      assert.deepEqual(await ids(store, { scheduleId: 'sched-1', task: 'x' }), ['job-4']);
    });

    test('listJobs filters by creation time', async (store) => {
      await store.enqueueJobs([10, 20, 30, 40].map((offset) => newJob(`job-${offset}`, { createdAtMs: t0 + offset })));
      assert.deepEqual(await ids(store, { createdAfterMs: t0 + 15 }), ['job-40', 'job-30', 'job-20']);
      assert.deepEqual(await ids(store, { createdBeforeMs: t0 + 35 }), ['job-30', 'job-20', 'job-10']);
      assert.deepEqual(await ids(store, { createdAfterMs: t0 + 15, createdBeforeMs: t0 + 35 }), ['job-30', 'job-20']);
    });

    test('listJobs pages with afterId (older jobs) and limit', async (store) => {
      await store.enqueueJobs([
        newJob('job-1', { createdAtMs: t0 + 1 }),
        newJob('job-2', { createdAtMs: t0 + 2 }),
        newJob('job-3b', { createdAtMs: t0 + 3 }),
        newJob('job-3a', { createdAtMs: t0 + 3 }),
        newJob('job-4', { createdAtMs: t0 + 4 }),
      ]);
      assert.deepEqual(await ids(store, { limit: 2 }), ['job-4', 'job-3b']);
      assert.deepEqual(await ids(store, { afterId: 'job-3b', limit: 2 }), ['job-3a', 'job-2']);
      assert.deepEqual(await ids(store, { afterId: 'job-2', limit: 2 }), ['job-1']);
      assert.deepEqual(await ids(store, { afterId: 'job-1' }), []);
      assert.deepEqual(await ids(store, { afterId: 'job-4', task: 'task-a', limit: 1 }), ['job-3b']);
    });

    test('listJobs returns at most 100 by default', async (store) => {
      await store.enqueueJobs(Array.from({ length: 105 }, (_, i) => newJob(`job-${String(i).padStart(3, '0')}`, { createdAtMs: t0 + i })));
      const page = await store.listJobs();
      assert.equal(page.length, 100);
      assert.equal(page[0]?.id, 'job-104');
    });

    test('purgeJobs deletes only final jobs finished before the cutoff, and returns the count', async (store) => {
      await store.enqueueJobs([
        newJob('job-ok-old', { runAtMs: t0 }),
        newJob('job-dead-old', { runAtMs: t0 + 1 }),
        newJob('job-cancel-old', { runAtMs: t0 + 2 }),
        newJob('job-ok-edge', { runAtMs: t0 + 3 }),
        newJob('job-ok-new', { runAtMs: t0 + 4 }),
        newJob('job-running', { runAtMs: t0 + 5 }),
        newJob('job-failed', { runAtMs: t0 + 6 }),
        newJob('job-queued', { runAtMs: t0 + 1_000_000 }),
      ]);
      await finish(store, 'job-ok-old', 'succeeded', t0 + 100);
      await finish(store, 'job-dead-old', 'dead', t0 + 100);
      await store.cancelJob({ jobId: 'job-cancel-old', nowMs: t0 + 100, reason: 'r' });
      await finish(store, 'job-ok-edge', 'succeeded', t0 + 200);
      await finish(store, 'job-ok-new', 'succeeded', t0 + 300);
      await store.claimJobs({ nodeId: 'n', nowMs: t0 + 5, leaseMs, limit: 1, tasks: suiteTasks });
      await store.claimJobs({ nodeId: 'n', nowMs: t0 + 6, leaseMs, limit: 1, tasks: suiteTasks });
      await completeJob(store, { jobId: 'job-failed', fencingToken: 1, nowMs: t0 + 6, completion: { status: 'retry', error: boom, retryAtMs: t0 + 50 } });

      assert.equal(await store.purgeJobs({ finishedBeforeMs: t0 + 200 }), 3);
      assert.deepEqual((await ids(store)).sort(), ['job-failed', 'job-ok-edge', 'job-ok-new', 'job-queued', 'job-running']);
      assert.equal(await store.getJob('job-ok-old'), null);
      assert.equal(await store.purgeJobs({ finishedBeforeMs: t0 + 200 }), 0);
    });

    test('purgeJobs with statuses deletes only those', async (store) => {
      await store.enqueueJobs([newJob('job-ok'), newJob('job-dead', { runAtMs: t0 + 1 }), newJob('job-cancelled', { runAtMs: t0 + 2 })]);
      await finish(store, 'job-ok', 'succeeded', t0 + 10);
      await finish(store, 'job-dead', 'dead', t0 + 10);
      await store.cancelJob({ jobId: 'job-cancelled', nowMs: t0 + 10, reason: 'r' });
      assert.equal(await store.purgeJobs({ finishedBeforeMs: t0 + 1000, statuses: ['dead', 'cancelled'] }), 2);
      assert.deepEqual(await ids(store), ['job-ok']);
      assert.equal(await store.purgeJobs({ finishedBeforeMs: t0 + 1000, statuses: ['running', 'queued'] }), 0);
      assert.deepEqual(await ids(store), ['job-ok']);
    });

    test('after a purge, the purged (scheduleId, fireAtMs) and dedupeKey can be enqueued again', async (store) => {
      await store.enqueueJobs([fireJob('job-1', 'sched-1', t0, { dedupeKey: 'k' })]);
      await finish(store, 'job-1', 'succeeded', t0 + 1);
      assert.equal(await store.purgeJobs({ finishedBeforeMs: t0 + 2 }), 1);
      assert.deepEqual(await store.enqueueJobs([fireJob('job-2', 'sched-1', t0, { dedupeKey: 'k' })]), [{ created: true }]);
    });
  });
}
