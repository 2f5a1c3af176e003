import assert from 'node:assert/strict';
import type { Store } from '../../store/store.ts';
import { fireJob, leaseMs, newJob, releaseRequest, scheduleWrite, t0, suiteTasks } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

/** The hot-path writes take batches: each item stands on its own, and results come back in order. */
export function defineBatchTests({ describe, test }: SuiteApi): void {
  describe('batched writes', () => {
    test('completeJobs applies each completion on its own: a stale token refuses only its own item', async (store) => {
      await store.enqueueJobs([newJob('job-a'), newJob('job-b'), newJob('job-c')]);
      const claimed = await store.claimJobs({ nodeId: 'node-1', nowMs: t0, leaseMs, limit: 3, tasks: suiteTasks });
      const byId = new Map(claimed.map((job) => [job.id, job]));
      const results = await store.completeJobs([
        { jobId: 'job-a', fencingToken: byId.get('job-a')!.fencingToken, nowMs: t0 + 1, completion: { status: 'succeeded', result: 'a' } },
        { jobId: 'job-b', fencingToken: byId.get('job-b')!.fencingToken + 1, nowMs: t0 + 1, completion: { status: 'succeeded', result: 'b' } },
        { jobId: 'unknown', fencingToken: 1, nowMs: t0 + 1, completion: { status: 'succeeded', result: null } },
        { jobId: 'job-c', fencingToken: byId.get('job-c')!.fencingToken, nowMs: t0 + 1, completion: { status: 'dead', error: { name: 'E', message: 'c' } } },
      ]);
      assert.deepEqual(results, [
        { jobId: 'job-a', completed: true },
        { jobId: 'job-b', completed: false },
        { jobId: 'unknown', completed: false },
        { jobId: 'job-c', completed: true },
      ]);
      assert.equal((await store.getJob('job-c'))?.status, 'dead');
      assert.equal((await store.getJob('job-b'))?.status, 'running', 'the refused item must not change its job');
      assert.equal((await store.getJob('job-a'))?.result, 'a');
    });

    test('completeJobs and releaseSchedules of nothing return nothing', async (store) => {
      assert.deepEqual(await store.completeJobs([]), []);
      assert.deepEqual(await store.releaseSchedules([]), []);
    });

    test('releaseSchedules applies each release on its own, in order', async (store) => {
      await store.upsertSchedule(scheduleWrite('s-1'));
      await store.upsertSchedule(scheduleWrite('s-2'));
      const acquired = await store.acquireDueSchedules({ nodeId: 'node-1', nowMs: t0, leaseMs, limit: 10 });
      const token = (id: string) => acquired.find((a) => a.schedule.id === id)!.leaseToken;
      const results = await store.releaseSchedules([
        releaseRequest('s-1', token('s-1'), { jobs: [fireJob('j-1', 's-1', t0)], nextFireAtMs: t0 + 60_000, lastFireAtMs: t0 }),
        releaseRequest('s-2', token('s-2') + 7, { jobs: [fireJob('j-2', 's-2', t0)] }),
      ]);
      assert.deepEqual(results.map((r) => [r.scheduleId, r.released, r.created.map((j) => j.id)]), [
        ['s-1', true, ['j-1']],
        ['s-2', false, []],
      ]);
      assert.equal((await store.getSchedule('s-1'))?.nextFireAtMs, t0 + 60_000);
      assert.equal(await store.getJob('j-2'), null);
      assert.notEqual((await store.getSchedule('s-2'))?.leaseOwner, null, 'the refused release keeps its lease');
    });

    test('a batch may complete many jobs at once (one round trip for a busy node)', async (store: Store) => {
      const ids = Array.from({ length: 200 }, (_, i) => `job-${String(i).padStart(3, '0')}`);
      await store.enqueueJobs(ids.map((id) => newJob(id)));
      const claimed = await store.claimJobs({ nodeId: 'node-1', nowMs: t0, leaseMs, limit: 200, tasks: suiteTasks });
      const results = await store.completeJobs(
        claimed.map((job) => ({ jobId: job.id, fencingToken: job.fencingToken, nowMs: t0 + 5, completion: { status: 'succeeded', result: null } })),
      );
      assert.equal(results.filter((r) => r.completed).length, 200);
      assert.equal((await store.listJobs({ status: 'succeeded', limit: 500 })).length, 200);
    });
  });
}
