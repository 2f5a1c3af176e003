import assert from 'node:assert/strict';
import type { JobAttempt } from '../../domain/job.ts';
import type { ClaimedJob, Store } from '../../store/store.ts';
import { leaseMs, newJob, t0, suiteTasks } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';
import { completeJob } from '../../store/single-calls.ts';

async function claimIds(store: Store, nowMs: number, limit = 100, nodeId = 'node-a'): Promise<string[]> {
  return (await store.claimJobs({ nodeId, nowMs, leaseMs, limit, tasks: suiteTasks })).map((j) => j.id);
}

export function defineJobClaimTests({ describe, test, peerTest }: SuiteApi): void {
  describe('claimJobs', () => {
    test('claims only queued or failed jobs whose runAtMs <= nowMs', async (store) => {
      await store.enqueueJobs([
        newJob('job-past', { runAtMs: t0 - 1 }),
        newJob('job-now', { runAtMs: t0 }),
        newJob('job-future', { runAtMs: t0 + 1 }),
      ]);
      assert.deepEqual((await claimIds(store, t0)).sort(), ['job-now', 'job-past']);
      assert.deepEqual(await claimIds(store, t0), [], 'claimed jobs were handed out again');
      assert.deepEqual(await claimIds(store, t0 + 1), ['job-future']);
    });

    test('claims failed jobs when their retry is due', async (store) => {
      await store.enqueueJobs([newJob('job-1')]);
      await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      await completeJob(store, {
        jobId: 'job-1',
        fencingToken: 1,
        nowMs: t0 + 1,
        completion: { status: 'retry', error: { name: 'E', message: 'm' }, retryAtMs: t0 + 100 },
      });
      assert.deepEqual(await claimIds(store, t0 + 99), []);
      assert.deepEqual(await claimIds(store, t0 + 100), ['job-1']);
    });

    test('never claims final jobs', async (store) => {
      await store.enqueueJobs([newJob('job-s'), newJob('job-d'), newJob('job-c')]);
      await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 3, tasks: suiteTasks });
      const error = { name: 'E', message: 'm' };
      await completeJob(store, { jobId: 'job-s', fencingToken: 1, nowMs: t0, completion: { status: 'succeeded', result: null } });
      await completeJob(store, { jobId: 'job-d', fencingToken: 1, nowMs: t0, completion: { status: 'dead', error } });
      await completeJob(store, { jobId: 'job-c', fencingToken: 1, nowMs: t0, completion: { status: 'cancelled', error } });
      assert.deepEqual(await claimIds(store, t0 + 1_000_000), []);
    });

    test('orders by priority descending, then runAtMs ascending, then creation order', async (store) => {
      // Same createdAtMs throughout, and ids that do not sort in creation order.
      await store.enqueueJobs([
        newJob('job-m', { priority: 0, runAtMs: t0 - 10 }),
        newJob('job-z', { priority: 0, runAtMs: t0 - 20 }),
        newJob('job-c', { priority: 1, runAtMs: t0 }),
        newJob('job-x', { priority: 0, runAtMs: t0 - 10 }),
        newJob('job-a', { priority: 0, runAtMs: t0 - 10 }),
        newJob('job-neg', { priority: -1, runAtMs: t0 - 100 }),
        newJob('job-b', { priority: 1, runAtMs: t0 - 5 }),
      ]);
      assert.deepEqual(await claimIds(store, t0), ['job-b', 'job-c', 'job-z', 'job-m', 'job-x', 'job-a', 'job-neg']);
    });

    test('creation order holds across separate enqueue calls', async (store) => {
      for (const id of ['job-3', 'job-1', 'job-2']) await store.enqueueJobs([newJob(id)]);
      assert.deepEqual(await claimIds(store, t0, 1), ['job-3']);
      assert.deepEqual(await claimIds(store, t0, 1), ['job-1']);
      assert.deepEqual(await claimIds(store, t0, 1), ['job-2']);
    });

    test('judges due-ness by the given nowMs only, even when it goes back in time', async (store) => {
      await store.enqueueJobs([newJob('job-a', { priority: 1, runAtMs: t0 }), newJob('job-b', { runAtMs: t0 + 50 })]);
      assert.deepEqual(await claimIds(store, t0 + 100, 1), ['job-a']);
      assert.deepEqual(await claimIds(store, t0, 10), [], 'job-b is not due at t0');
      assert.deepEqual(await claimIds(store, t0 + 50, 10), ['job-b']);
    });

    test('a limit of 0 claims nothing', async (store) => {
      await store.enqueueJobs([newJob('job-1')]);
      assert.deepEqual(await claimIds(store, t0, 0), []);
      assert.equal((await store.getJob('job-1'))?.status, 'queued');
    });

    test('respects limit', async (store) => {
      await store.enqueueJobs(Array.from({ length: 5 }, (_, i) => newJob(`job-${i}`)));
      assert.equal((await claimIds(store, t0, 2)).length, 2);
      assert.equal((await claimIds(store, t0, 2)).length, 2);
      assert.equal((await claimIds(store, t0, 2)).length, 1);
      assert.equal((await claimIds(store, t0, 2)).length, 0);
    });

    test('a claimed job is running with attempt + 1, fencingToken + 1, a lease and a running attempt record', async (store) => {
      await store.enqueueJobs([newJob('job-1', { runAtMs: t0 - 50, createdAtMs: t0 - 60, data: { n: 1 }, dedupeKey: 'k', priority: 2, maxAttempts: 4 })]);
      const [claimed] = await store.claimJobs({ nodeId: 'node-x', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      // The claim answers what the node needs to run the job, and nothing more.
      assert.deepEqual(claimed, {
        id: 'job-1',
        task: 'task-a',
        data: { n: 1 },
        origin: 'enqueue',
        scheduleId: null,
        fireAtMs: null,
        priority: 2,
        runAtMs: t0 - 50,
        createdAtMs: t0 - 60,
        dedupeKey: 'k',
        status: 'running',
        attempt: 1,
        maxAttempts: 4,
        fencingToken: 1,
        leaseExpiresAtMs: t0 + leaseMs,
      } satisfies ClaimedJob);
      const stored = await store.getJob('job-1');
      assert.ok(stored);
      assert.equal(stored.status, 'running');
      assert.equal(stored.attempt, 1);
      assert.equal(stored.fencingToken, 1);
      assert.equal(stored.leaseOwner, 'node-x');
      assert.equal(stored.leaseExpiresAtMs, t0 + leaseMs);
      assert.equal(stored.startedAtMs, t0);
      assert.equal(stored.updatedAtMs, t0);
      assert.equal(stored.finishedAtMs, null);
      assert.equal(stored.cancelRequested, false);
      const attempt: JobAttempt = { attempt: 1, nodeId: 'node-x', fencingToken: 1, startedAtMs: t0, finishedAtMs: null, outcome: 'running', error: null };
      assert.deepEqual(stored.attempts, [attempt]);
    });

    test('a second claim keeps startedAtMs and appends a second attempt record', async (store) => {
      await store.enqueueJobs([newJob('job-1')]);
      await store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      await completeJob(store, {
        jobId: 'job-1',
        fencingToken: 1,
        nowMs: t0 + 10,
        completion: { status: 'retry', error: { name: 'E', message: 'first' }, retryAtMs: t0 + 20 },
      });
      const [claimed] = await store.claimJobs({ nodeId: 'node-b', nowMs: t0 + 20, leaseMs, limit: 1, tasks: suiteTasks });
      assert.ok(claimed);
      assert.equal(claimed.attempt, 2);
      assert.equal(claimed.fencingToken, 2);
      const stored = await store.getJob('job-1');
      assert.equal(stored?.startedAtMs, t0, 'startedAtMs is the first attempt start');
      assert.deepEqual(
        stored?.attempts.map((a) => [a.attempt, a.nodeId, a.fencingToken, a.startedAtMs, a.finishedAtMs, a.outcome]),
        [
          [1, 'node-a', 1, t0, t0 + 10, 'failed'],
          [2, 'node-b', 2, t0 + 20, null, 'running'],
        ],
      );
    });

    test('a running job is never claimed, even with an expired lease', async (store) => {
      await store.enqueueJobs([newJob('job-1')]);
      await store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      assert.deepEqual(await claimIds(store, t0 + leaseMs * 10, 10, 'node-b'), []);
      const job = await store.getJob('job-1');
      assert.equal(job?.leaseOwner, 'node-a');
      assert.equal(job?.fencingToken, 1);
    });

    peerTest('concurrent claims from two instances never hand out the same job', async (store, peer) => {
      await store.enqueueJobs(Array.from({ length: 50 }, (_, i) => newJob(`job-${String(i).padStart(2, '0')}`)));
      const batches = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? store : peer).claimJobs({ nodeId: `node-${i}`, nowMs: t0, leaseMs, limit: 5, tasks: suiteTasks })),
      );
      const ids = batches.flat().map((j) => j.id);
      assert.equal(new Set(ids).size, ids.length, `a job was claimed twice: ${ids.join(', ')}`);
      for (const job of batches.flat()) assert.equal(job.fencingToken, 1);
      // Whatever a concurrent claim skipped is still there for the next one.
      const rest = await claimIds(peer, t0, 100, 'node-last');
      assert.equal(new Set([...ids, ...rest]).size, 50);
      assert.equal(ids.length + rest.length, 50);
    });
  });
}
