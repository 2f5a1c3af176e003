import assert from 'node:assert/strict';
import type { ClaimedJob, ClaimJobsRequest, Store } from '../../store/store.ts';
import { completeJob } from '../../store/single-calls.ts';
import { leaseMs, newJob, t0 } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

// `ClaimJobsRequest.maxActive`: a cap on a task's running and reserved jobs across the cluster,
// counted and claimed in one atomic step.

function claim(store: Store, overrides: Partial<ClaimJobsRequest> = {}): Promise<ClaimedJob[]> {
  return store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 10, tasks: ['task-a', 'task-b'], ...overrides });
}

function jobs(task: string, count: number, overrides: Parameters<typeof newJob>[1] = {}) {
  return Array.from({ length: count }, (_, i) => newJob(`${task}-${i}`, { task, ...overrides }));
}

export function defineClaimCapTests({ describe, test, peerTest }: SuiteApi): void {
  describe('claimJobs with maxActive', () => {
    test('claims a task only up to maxActive running jobs; an ended one frees its slot', async (store) => {
      await store.enqueueJobs(jobs('task-a', 5));
      const first = await claim(store, { maxActive: 2 });
      assert.equal(first.length, 2);
      assert.deepEqual(await claim(store, { maxActive: 2, nowMs: t0 + 1 }), [], 'the cap is reached');
      await completeJob(store, { jobId: first[0]!.id, fencingToken: first[0]!.fencingToken, nowMs: t0 + 2, completion: { status: 'succeeded', result: null } });
      assert.equal((await claim(store, { maxActive: 2, nowMs: t0 + 3 })).length, 1);
      assert.deepEqual(await claim(store, { maxActive: 2, nowMs: t0 + 4 }), []);
    });

    test("counts every node's running and reserved jobs", async (store) => {
      await store.enqueueJobs([...jobs('task-a', 4), newJob('ahead', { task: 'task-a', runAtMs: t0 + 500 })]);
      const held = await claim(store, { nodeId: 'node-x', limit: 1, aheadMs: 1_000, aheadLimit: 1 });
      assert.deepEqual(held.map((job) => job.status), ['running', 'reserved']);
      const claimed = await claim(store, { nodeId: 'node-y', maxActive: 3 });
      assert.equal(claimed.length, 1, 'one running and one reserved elsewhere leave one slot');
    });

    test('the cap holds per task', async (store) => {
      await store.enqueueJobs([...jobs('task-a', 3), ...jobs('task-b', 3)]);
      const claimed = await claim(store, { maxActive: 2 });
      assert.deepEqual(claimed.map((job) => job.task).sort(), ['task-a', 'task-a', 'task-b', 'task-b']);
    });

    test('reservations ahead count against the cap too', async (store) => {
      await store.enqueueJobs([...jobs('task-a', 2), ...jobs('later', 3, { task: 'task-a', runAtMs: t0 + 500 })]);
      const claimed = await claim(store, { maxActive: 3, aheadMs: 1_000, aheadLimit: 10 });
      assert.deepEqual(claimed.map((job) => job.status), ['running', 'running', 'reserved']);
    });

    test('queued and failed jobs (a retry pending) do not count', async (store) => {
      await store.enqueueJobs([newJob('job-failing', { task: 'task-a' }), newJob('job-queued', { task: 'task-a', runAtMs: t0 + 1 })]);
      const [failing] = await claim(store, { maxActive: 1 });
      await completeJob(store, {
        jobId: 'job-failing',
        fencingToken: failing!.fencingToken,
        nowMs: t0,
        completion: { status: 'retry', error: { name: 'E', message: 'm' }, retryAtMs: t0 + 10_000 },
      });
      assert.deepEqual((await claim(store, { maxActive: 1, nowMs: t0 + 1 })).map((job) => job.id), ['job-queued']);
    });

    test('limit still bounds the claim; without maxActive there is no cap', async (store) => {
      await store.enqueueJobs(jobs('task-a', 6));
      assert.equal((await claim(store, { maxActive: 10, limit: 2 })).length, 2);
      assert.equal((await claim(store, { limit: 10 })).length, 4);
    });

    test('the claim order holds under the cap: the best jobs are the ones taken', async (store) => {
      await store.enqueueJobs([
        newJob('low', { task: 'task-a', priority: 0 }),
        newJob('high', { task: 'task-a', priority: 5 }),
        newJob('mid', { task: 'task-a', priority: 2 }),
      ]);
      assert.deepEqual((await claim(store, { maxActive: 2 })).map((job) => job.id), ['high', 'mid']);
      assert.equal((await store.getJob('low'))?.status, 'queued');
    });

    peerTest('two instances claiming at once never exceed maxActive together', async (store, peer) => {
      await store.enqueueJobs(jobs('task-a', 30));
      let held: ClaimedJob[] = [];
      for (let round = 0; round < 3; round++) {
        const nowMs = t0 + round;
        const batches = await Promise.all(
          Array.from({ length: 8 }, (_, i) => claim(i % 2 === 0 ? store : peer, { nodeId: `node-${i}`, nowMs, limit: 3, maxActive: 4 })),
        );
        const claimed = batches.flat();
        assert.equal(claimed.length, round === 0 ? 4 : 2, `round ${round}: claimed ${claimed.map((job) => job.id).join(', ')}`);
        held = [...held, ...claimed];
        assert.equal((await peer.listJobs({ task: 'task-a', status: 'running', limit: 100 })).length, 4, `round ${round}`);
        // Two end, freeing two slots for the next round's race.
        for (const job of held.splice(0, 2)) {
          await completeJob(store, { jobId: job.id, fencingToken: job.fencingToken, nowMs, completion: { status: 'succeeded', result: null } });
        }
      }
    });
  });
}
