import assert from 'node:assert/strict';
import type { Store } from '../../store/store.ts';
import { completeJob } from '../../store/single-calls.ts';
import { completeAndRead, leaseMs, newJob, suiteTasks, t0 } from './fixtures.ts';
import { isLeaseLost } from './assertions.ts';
import type { SuiteApi } from './suite-api.ts';

// The `deferred` completion: a node gives a job back before its handler started (a rate limit
// per key was spent), so the attempt never happened: not counted, not recorded.

const firstError = { name: 'Error', message: 'first attempt failed' };

async function claimIds(store: Store, nowMs: number, nodeId = 'node-b'): Promise<string[]> {
  return (await store.claimJobs({ nodeId, nowMs, leaseMs, limit: 10, tasks: suiteTasks })).map((job) => job.id);
}

/** job-1 after a failed first attempt, running its second under fencing token 2. */
async function secondAttempt(store: Store): Promise<void> {
  await store.enqueueJobs([newJob('job-1')]);
  await store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
  await completeJob(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0 + 1, completion: { status: 'retry', error: firstError, retryAtMs: t0 + 10 } });
  const [claimed] = await store.claimJobs({ nodeId: 'node-a', nowMs: t0 + 10, leaseMs, limit: 1, tasks: suiteTasks });
  assert.deepEqual([claimed?.id, claimed?.attempt, claimed?.fencingToken], ['job-1', 2, 2]);
}

export function defineDeferredTests({ describe, test }: SuiteApi): void {
  describe('completeJobs: deferred', () => {
    test('a running job deferred is queued at the given runAtMs, lease cleared, attempt - 1, no attempt recorded, error unchanged', async (store) => {
      await secondAttempt(store);
      const before = await store.getJob('job-1');
      const job = await completeAndRead(store, { jobId: 'job-1', fencingToken: 2, nowMs: t0 + 12, completion: { status: 'deferred', runAtMs: t0 + 5_000 } });
      assert.equal(job.status, 'queued');
      assert.equal(job.runAtMs, t0 + 5_000);
      assert.equal(job.attempt, 1);
      assert.deepEqual(job.attempts, before?.attempts.slice(0, 1), 'only the first attempt is in the history');
      assert.deepEqual(job.error, firstError);
      assert.deepEqual([job.leaseOwner, job.leaseExpiresAtMs, job.finishedAtMs], [null, null, null]);
      assert.equal(job.fencingToken, 2, 'the fencing token never goes back');
      assert.equal(await store.nextWakeAtMs(), t0 + 5_000);
    });

    test('a deferred job is claimable again at its runAtMs, not before, and its next attempt has the same number', async (store) => {
      await store.enqueueJobs([newJob('job-1')]);
      await store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      const job = await completeAndRead(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0 + 1, completion: { status: 'deferred', runAtMs: t0 + 300 } });
      assert.deepEqual([job.attempt, job.attempts, job.error], [0, [], null]);
      assert.deepEqual(await claimIds(store, t0 + 299), []);
      const [again] = await store.claimJobs({ nodeId: 'node-b', nowMs: t0 + 300, leaseMs, limit: 1, tasks: suiteTasks });
      assert.deepEqual([again?.id, again?.attempt, again?.fencingToken], ['job-1', 1, 2]);
      const stored = await store.getJob('job-1');
      assert.deepEqual(stored?.attempts.map((a) => [a.attempt, a.nodeId, a.fencingToken, a.startedAtMs]), [[1, 'node-b', 2, t0 + 300]]);
    });

    test('a reserved job deferred is queued at the given runAtMs with no attempt counted', async (store) => {
      await store.enqueueJobs([newJob('job-1', { runAtMs: t0 + 1_000 })]);
      await store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 0, tasks: suiteTasks, aheadMs: 2_000, aheadLimit: 1 });
      const job = await completeAndRead(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0 + 1_000, completion: { status: 'deferred', runAtMs: t0 + 4_000 } });
      assert.deepEqual([job.status, job.runAtMs, job.attempt, job.attempts], ['queued', t0 + 4_000, 0, []]);
      assert.deepEqual([job.leaseOwner, job.leaseExpiresAtMs], [null, null]);
      assert.deepEqual(await claimIds(store, t0 + 3_999), []);
      assert.deepEqual(await claimIds(store, t0 + 4_000), ['job-1']);
    });

    test('a deferral under a stale fencing token is refused and changes nothing', async (store) => {
      await secondAttempt(store);
      const before = await store.getJob('job-1');
      await assert.rejects(completeJob(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0 + 12, completion: { status: 'deferred', runAtMs: t0 + 50 } }), isLeaseLost);
      assert.deepEqual(await store.getJob('job-1'), before);
    });

    test('a deferred job is not final: its children keep waiting', async (store) => {
      await store.enqueueJobs([newJob('parent'), newJob('child', { parents: ['parent'] })]);
      const [claimed] = await store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      assert.equal(claimed?.id, 'parent');
      await completeJob(store, { jobId: 'parent', fencingToken: 1, nowMs: t0 + 1, completion: { status: 'deferred', runAtMs: t0 + 60 } });
      assert.equal((await store.getJob('child'))?.status, 'waiting');
    });
  });
}
