import assert from 'node:assert/strict';
import { parentFailedError } from '../../domain/parent-resolution.ts';
import { completeJob } from '../../store/single-calls.ts';
import type { Store } from '../../store/store.ts';
import { isInvalidJobState } from './assertions.ts';
import { claimOne, end, flowJob, read, statuses } from './flow-fixtures.ts';
import { leaseMs, suiteTasks, t0 } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

// Flows, continued: what the rest of the store does with waiting jobs — claims, wake-ups,
// cancellation, retries, queries and stats (see flows.ts for enqueue and resolution).

const far = t0 + 10_000_000;

async function claimIds(store: Store, nowMs: number, tasks: readonly string[], limit = 100, ahead = 0): Promise<string[]> {
  const claimed = await store.claimJobs({ nodeId: 'node-b', nowMs, leaseMs, limit, tasks, aheadMs: ahead, aheadLimit: ahead > 0 ? 100 : 0 });
  return claimed.map((job) => job.id);
}

export function defineFlowControlTests({ describe, test, damageTest }: SuiteApi): void {
  describe('flows: waiting jobs', () => {
    test('a waiting job is never claimed, nor reserved ahead, however late the claim', async (store) => {
      await store.enqueueJobs([flowJob('parent', [], { runAtMs: far }), flowJob('child', ['parent'], { runAtMs: t0 })]);
      assert.deepEqual(await claimIds(store, t0 + 1_000, ['child']), []);
      assert.deepEqual(await claimIds(store, t0, ['child'], 0, far), []);
      assert.equal((await read(store, 'child')).status, 'waiting');
    });

    test('claims are not held up by waiting jobs ahead of a claimable one', async (store) => {
      // Many waiting jobs that would come first in claim order (higher priority, earlier runAtMs).
      const waiting = Array.from({ length: 60 }, (_, i) => flowJob(`w-${String(i).padStart(2, '0')}`, ['parent'], { task: 'task-a', priority: 9, runAtMs: t0 - 1_000 }));
      await store.enqueueJobs([flowJob('parent', [], { runAtMs: far }), ...waiting, flowJob('ready', [], { task: 'task-a' })]);
      assert.deepEqual(await claimIds(store, t0, ['task-a'], 1), ['ready']);
    });

    test('nextWakeAtMs ignores waiting jobs', async (store) => {
      await store.enqueueJobs([flowJob('parent', [], { runAtMs: t0 + 5_000 }), flowJob('child', ['parent'], { runAtMs: t0 - 5_000 })]);
      assert.equal(await store.nextWakeAtMs(), t0 + 5_000);
      await store.cancelJob({ jobId: 'parent', nowMs: t0, reason: 'r' }); // the child ends with it
      assert.equal(await store.nextWakeAtMs(), null);
    });

    test('a released child is claimed with its parents, in the given order; a job without parents has none', async (store) => {
      await store.enqueueJobs([flowJob('p-1'), flowJob('p-2'), flowJob('child', ['p-2', 'p-1'], { task: 'task-a' }), flowJob('plain', [], { task: 'task-a', runAtMs: t0 + 100 })]);
      await end(store, 'p-1', 'succeeded', t0 + 1);
      await end(store, 'p-2', 'succeeded', t0 + 2);
      const claimed = await store.claimJobs({ nodeId: 'n', nowMs: t0 + 2, leaseMs, limit: 1, tasks: ['task-a'], aheadMs: 1_000, aheadLimit: 1 });
      assert.deepEqual(claimed.map((job) => [job.id, job.status]), [['child', 'running'], ['plain', 'reserved']]);
      assert.deepEqual(claimed[0]?.parents, ['p-2', 'p-1']);
      assert.equal('parents' in claimed[1]!, false);
    });

    test('jobStats counts waiting jobs', async (store) => {
      await store.enqueueJobs([flowJob('parent'), flowJob('c-1', ['parent']), flowJob('c-2', ['parent'])]);
      const stats = await store.jobStats({ nowMs: t0, sinceMs: t0, bucketMs: 60_000 });
      assert.deepEqual(stats.byStatus, { waiting: 2, queued: 1, reserved: 0, running: 0, succeeded: 0, failed: 0, dead: 0, cancelled: 0 });
      await end(store, 'parent', 'succeeded', t0 + 1);
      const after = await store.jobStats({ nowMs: t0 + 1, sinceMs: t0, bucketMs: 60_000 });
      assert.deepEqual([after.byStatus.waiting, after.byStatus.queued, after.byStatus.succeeded], [0, 2, 1]);
    });

    test('listJobs with parentId lists the children of a job, newest first, with the other filters', async (store) => {
      await store.enqueueJobs([
        flowJob('p-1'),
        flowJob('p-2'),
        flowJob('c-a', ['p-1'], { createdAtMs: t0 + 1 }),
        flowJob('c-b', ['p-2', 'p-1'], { createdAtMs: t0 + 2 }),
        flowJob('c-c', ['p-2'], { createdAtMs: t0 + 3 }),
        flowJob('other', [], { createdAtMs: t0 + 4 }),
      ]);
      const ids = async (query: Parameters<Store['listJobs']>[0]) => (await store.listJobs(query)).map((job) => job.id);
      assert.deepEqual(await ids({ parentId: 'p-1' }), ['c-b', 'c-a']);
      assert.deepEqual(await ids({ parentId: 'p-2' }), ['c-c', 'c-b']);
      assert.deepEqual(await ids({ parentId: 'c-a' }), []);
      assert.deepEqual(await ids({ parentId: 'nope' }), []);
      await end(store, 'p-2', 'dead', t0 + 5); // c-b and c-c end dead
      assert.deepEqual(await ids({ parentId: 'p-1', status: 'waiting' }), ['c-a']);
      assert.deepEqual(await ids({ parentId: 'p-1', limit: 1 }), ['c-b']);
      assert.deepEqual(await ids({ parentId: 'p-1', updatedAfterMs: t0 + 4 }), ['c-b']);
    });

    test('a waiting job cannot be retried (only dead or cancelled jobs can)', async (store) => {
      await store.enqueueJobs([flowJob('parent'), flowJob('child', ['parent'])]);
      await assert.rejects(store.retryJob({ jobId: 'child', nowMs: t0 }), isInvalidJobState);
      assert.equal((await read(store, 'child')).status, 'waiting');
    });

    damageTest('a waiting child with a damaged record is still resolved, and its parent completes', async (store, damage) => {
      await store.enqueueJobs([flowJob('parent'), flowJob('child', ['parent']), flowJob('sibling', ['parent'])]);
      if (!(await damage(store, { kind: 'job', id: 'child', field: 'data', garbage: 'not-json' }))) return;
      await end(store, 'parent', 'succeeded', t0 + 1);
      assert.equal((await read(store, 'parent')).status, 'succeeded');
      assert.deepEqual(await statuses(store, ['child', 'sibling']), { child: 'queued', sibling: 'queued' });
    });
  });

  describe('flows: cancelJob and retryJob', () => {
    test('cancelJob of a waiting job cancels it at once and resolves its own children', async (store) => {
      await store.enqueueJobs([flowJob('parent'), flowJob('child', ['parent']), flowJob('grand', ['child']), flowJob('grand-ignore', ['child'], { onParentFailure: 'ignore' })]);
      const cancelled = await store.cancelJob({ jobId: 'child', nowMs: t0 + 5, reason: 'not needed' });
      assert.deepEqual([cancelled?.status, cancelled?.finishedAtMs, cancelled?.updatedAtMs, cancelled?.error?.message], ['cancelled', t0 + 5, t0 + 5, 'not needed']);
      const grand = await read(store, 'grand');
      assert.deepEqual([grand.status, grand.error, grand.finishedAtMs], ['dead', parentFailedError('child', 'cancelled'), t0 + 5]);
      assert.equal((await read(store, 'grand-ignore')).status, 'queued');
      assert.equal((await read(store, 'parent')).status, 'queued', 'its parent is untouched');
    });

    test('cancelJob of a queued parent resolves its children by their policies', async (store) => {
      await store.enqueueJobs([
        flowJob('parent', [], { runAtMs: t0 + 1_000 }),
        flowJob('fail', ['parent']),
        flowJob('cancel', ['parent'], { onParentFailure: 'cancel' }),
        flowJob('ignore', ['parent'], { onParentFailure: 'ignore' }),
      ]);
      await store.cancelJob({ jobId: 'parent', nowMs: t0 + 3, reason: 'r' });
      assert.deepEqual(await statuses(store, ['fail', 'cancel', 'ignore']), { fail: 'dead', cancel: 'cancelled', ignore: 'queued' });
      assert.deepEqual((await read(store, 'fail')).error, parentFailedError('parent', 'cancelled'));
      const ignore = await read(store, 'ignore');
      assert.deepEqual([ignore.runAtMs, ignore.updatedAtMs], [t0 + 3, t0 + 3]);
    });

    test('cancelJob of a running parent only requests it: children keep waiting until its node ends it', async (store) => {
      await store.enqueueJobs([flowJob('parent'), flowJob('child', ['parent'])]);
      const token = await claimOne(store, 'parent', t0);
      await store.cancelJob({ jobId: 'parent', nowMs: t0 + 1, reason: 'stop' });
      assert.equal((await read(store, 'child')).status, 'waiting');
      await completeJob(store, { jobId: 'parent', fencingToken: token, nowMs: t0 + 2, completion: { status: 'cancelled', error: { name: 'JobCancelledError', message: 'stop' } } });
      assert.equal((await read(store, 'child')).status, 'dead');
    });

    test('retryJob of a parent leaves the children it resolved as they are', async (store) => {
      await store.enqueueJobs([flowJob('parent'), flowJob('child', ['parent'])]);
      await end(store, 'parent', 'dead', t0 + 1);
      const before = await read(store, 'child');
      await store.retryJob({ jobId: 'parent', nowMs: t0 + 2 });
      assert.deepEqual(await read(store, 'child'), before);
    });

    test('retryJob of a child a parent ended puts it in the queue, without looking at its parents again', async (store) => {
      await store.enqueueJobs([flowJob('parent'), flowJob('child', ['parent'])]);
      await end(store, 'parent', 'dead', t0 + 1);
      await store.retryJob({ jobId: 'parent', nowMs: t0 + 2 }); // the parent is unfinished again
      const retried = await store.retryJob({ jobId: 'child', nowMs: t0 + 3 });
      assert.deepEqual([retried?.status, retried?.runAtMs, retried?.maxAttempts], ['queued', t0 + 3, 1]);
      assert.deepEqual(retried?.parents, ['parent'], 'it keeps its parents');
      assert.deepEqual(await claimIds(store, t0 + 3, ['child']), ['child']);
    });

    test('a retried parent that ends again resolves children still waiting for it', async (store) => {
      await store.enqueueJobs([flowJob('p-1'), flowJob('p-2'), flowJob('child', ['p-1', 'p-2'], { onParentFailure: 'ignore' })]);
      await end(store, 'p-1', 'dead', t0 + 1);
      await store.retryJob({ jobId: 'p-1', nowMs: t0 + 2 }); // unfinished again
      await end(store, 'p-2', 'succeeded', t0 + 3);
      assert.equal((await read(store, 'child')).status, 'waiting', 'p-1 is unfinished again');
      await end(store, 'p-1', 'succeeded', t0 + 4);
      assert.equal((await read(store, 'child')).status, 'queued');
    });

    test('purgeJobs never deletes waiting jobs', async (store) => {
      await store.enqueueJobs([flowJob('parent'), flowJob('child', ['parent'])]);
      assert.equal(await store.purgeJobs({ finishedBeforeMs: far }), 0);
      assert.equal(await store.purgeJobs({ finishedBeforeMs: far, statuses: ['waiting'] }), 0);
      assert.equal((await read(store, 'child')).status, 'waiting');
      assert.deepEqual(await claimIds(store, t0, suiteTasks), []);
    });
  });
}
