import assert from 'node:assert/strict';
import type { Store } from '../../store/store.ts';
import { completeJob } from '../../store/single-calls.ts';
import { leaseMs, newJob, t0 } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

// Routing: a node claims only jobs of the tasks it registers (ClaimJobsRequest.tasks). Jobs of
// other tasks stay queued — an older node in a rolling deploy never takes a newer task's job.

async function claim(store: Store, tasks: readonly string[], limit = 100, nowMs = t0, nodeId = 'node-a'): Promise<string[]> {
  return (await store.claimJobs({ nodeId, nowMs, leaseMs, limit, tasks })).map((job) => job.id);
}

export function defineJobRoutingTests({ describe, test, peerTest }: SuiteApi): void {
  describe('claimJobs routing (tasks)', () => {
    test('claims only jobs of the given tasks; the others stay queued for nodes that run them', async (store) => {
      await store.enqueueJobs([
        newJob('job-old-1', { task: 'old-task' }),
        newJob('job-new-1', { task: 'new-task' }),
        newJob('job-old-2', { task: 'old-task' }),
      ]);
      assert.deepEqual(await claim(store, ['old-task']), ['job-old-1', 'job-old-2']);
      assert.deepEqual(await claim(store, ['old-task', 'unknown']), []);
      assert.equal((await store.getJob('job-new-1'))?.status, 'queued');
      assert.deepEqual(await claim(store, ['new-task'], 100, t0, 'node-b'), ['job-new-1']);
    });

    test('no tasks claims nothing', async (store) => {
      await store.enqueueJobs([newJob('job-1')]);
      assert.deepEqual(await claim(store, []), []);
      assert.equal((await store.getJob('job-1'))?.status, 'queued');
    });

    test('jobs of several tasks come in one claim order: priority, then runAtMs, then creation', async (store) => {
      await store.enqueueJobs([
        newJob('a-low-early', { task: 'a', priority: 0, runAtMs: t0 - 50 }),
        newJob('b-high-late', { task: 'b', priority: 5, runAtMs: t0 - 10 }),
        newJob('a-high-later', { task: 'a', priority: 5, runAtMs: t0 - 5 }),
        newJob('c-top', { task: 'c', priority: 9, runAtMs: t0 }),
        newJob('b-low-earliest', { task: 'b', priority: 0, runAtMs: t0 - 60 }),
        newJob('a-low-tie', { task: 'a', priority: 0, runAtMs: t0 - 50 }),
        newJob('b-low-tie', { task: 'b', priority: 0, runAtMs: t0 - 50 }),
      ]);
      assert.deepEqual(await claim(store, ['b', 'a'], 100), [
        'b-high-late',
        'a-high-later',
        'b-low-earliest',
        'a-low-early',
        'a-low-tie',
        'b-low-tie',
      ]);
      assert.deepEqual(await claim(store, ['c']), ['c-top']);
    });

    test('the limit is over all the tasks: the best jobs of all of them, the rest for the next claim', async (store) => {
      await store.enqueueJobs([
        newJob('a-1', { task: 'a', priority: 1 }),
        newJob('b-1', { task: 'b', priority: 3 }),
        newJob('a-2', { task: 'a', priority: 2 }),
        newJob('b-2', { task: 'b', priority: 0 }),
      ]);
      assert.deepEqual(await claim(store, ['a', 'b'], 2), ['b-1', 'a-2']);
      assert.deepEqual(await claim(store, ['a', 'b'], 2), ['a-1', 'b-2']);
      assert.deepEqual(await claim(store, ['a', 'b'], 2), []);
    });

    test('a backlog of other tasks ahead in the queue does not keep a node from its own jobs', async (store) => {
      await store.enqueueJobs(Array.from({ length: 300 }, (_, i) => newJob(`other-${String(i).padStart(3, '0')}`, { task: 'other', priority: 5, runAtMs: t0 - 1000 })));
      await store.enqueueJobs([newJob('mine-1', { task: 'mine', runAtMs: t0 }), newJob('mine-2', { task: 'mine', runAtMs: t0 + 1 })]);
      assert.deepEqual(await claim(store, ['mine'], 1), ['mine-1']);
      assert.deepEqual(await claim(store, ['mine'], 5, t0 + 1), ['mine-2']);
      assert.equal((await store.listJobs({ status: 'queued', limit: 1000 })).length, 300);
    });

    test('a task named twice counts once; a retried job comes back in its task\'s queue', async (store) => {
      await store.enqueueJobs([newJob('job-1', { task: 'a' })]);
      const [claimed] = await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 5, tasks: ['a', 'a'] });
      assert.equal(claimed?.id, 'job-1');
      await completeJob(store, {
        jobId: 'job-1',
        fencingToken: claimed!.fencingToken,
        nowMs: t0 + 1,
        completion: { status: 'retry', error: { name: 'E', message: 'm' }, retryAtMs: t0 + 10 },
      });
      assert.deepEqual(await claim(store, ['b'], 5, t0 + 10), []);
      assert.deepEqual(await claim(store, ['a'], 5, t0 + 10), ['job-1']);
    });

    peerTest('two instances claiming different tasks at once split the work by task', async (store, peer) => {
      await store.enqueueJobs(Array.from({ length: 40 }, (_, i) => newJob(`job-${i}`, { task: i % 2 === 0 ? 'even' : 'odd' })));
      const [evens, odds] = await Promise.all([claim(store, ['even'], 40), claim(peer, ['odd'], 40, t0, 'node-b')]);
      assert.equal(evens.length, 20);
      assert.equal(odds.length, 20);
      assert.ok(evens.every((id) => Number(id.slice(4)) % 2 === 0));
      assert.ok(odds.every((id) => Number(id.slice(4)) % 2 === 1));
    });
  });
}
