import assert from 'node:assert/strict';
import { leaseMs, newJob, t0, suiteTasks } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';
import { completeJob } from '../../store/single-calls.ts';

export function defineLeaseTests({ describe, test }: SuiteApi): void {
  describe('renewLeases', () => {
    test('extends the leases still held, one result per lease in order', async (store) => {
      await store.enqueueJobs([newJob('job-1'), newJob('job-2')]);
      await store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 2, tasks: suiteTasks });
      const renewals = await store.renewLeases({
        nodeId: 'node-a',
        nowMs: t0 + 10_000,
        leaseMs: 5_000,
        leases: [
          { jobId: 'job-2', fencingToken: 1 },
          { jobId: 'job-1', fencingToken: 1 },
        ],
      });
      assert.deepEqual(renewals, [
        { jobId: 'job-2', held: true, cancelRequested: false },
        { jobId: 'job-1', held: true, cancelRequested: false },
      ]);
      assert.equal((await store.getJob('job-1'))?.leaseExpiresAtMs, t0 + 15_000);
      assert.equal((await store.getJob('job-2'))?.leaseExpiresAtMs, t0 + 15_000);
    });

    test('reports held: false, and changes nothing, for a wrong token, a wrong owner, a job not running or unknown', async (store) => {
      await store.enqueueJobs([newJob('job-1'), newJob('job-queued', { runAtMs: t0 + 1 })]);
      await store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      const renewals = await store.renewLeases({
        nodeId: 'node-a',
        nowMs: t0 + 1000,
        leaseMs,
        leases: [
          { jobId: 'job-1', fencingToken: 2 },
          { jobId: 'job-queued', fencingToken: 0 },
          { jobId: 'nope', fencingToken: 1 },
        ],
      });
      assert.deepEqual(
        renewals.map((r) => [r.jobId, r.held]),
        [
          ['job-1', false],
          ['job-queued', false],
          ['nope', false],
        ],
      );
      const [wrongOwner] = await store.renewLeases({ nodeId: 'node-b', nowMs: t0 + 1000, leaseMs, leases: [{ jobId: 'job-1', fencingToken: 1 }] });
      assert.equal(wrongOwner?.held, false);
      assert.equal((await store.getJob('job-1'))?.leaseExpiresAtMs, t0 + leaseMs);
      assert.equal((await store.getJob('job-queued'))?.leaseExpiresAtMs, null);
    });

    test('a completed job no longer renews', async (store) => {
      await store.enqueueJobs([newJob('job-1')]);
      await store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      await completeJob(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0 + 1, completion: { status: 'succeeded', result: null } });
      const [renewal] = await store.renewLeases({ nodeId: 'node-a', nowMs: t0 + 2, leaseMs, leases: [{ jobId: 'job-1', fencingToken: 1 }] });
      assert.equal(renewal?.held, false);
      assert.equal((await store.getJob('job-1'))?.leaseExpiresAtMs, null);
    });

    test('cancelRequested mirrors the job flag', async (store) => {
      await store.enqueueJobs([newJob('job-1')]);
      await store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      await store.cancelJob({ jobId: 'job-1', nowMs: t0 + 1, reason: 'stop it' });
      const [renewal] = await store.renewLeases({ nodeId: 'node-a', nowMs: t0 + 2, leaseMs, leases: [{ jobId: 'job-1', fencingToken: 1 }] });
      assert.deepEqual(renewal, { jobId: 'job-1', held: true, cancelRequested: true });
    });
  });

  describe('findExpiredLeases', () => {
    test('returns running jobs whose lease expired (<= nowMs), oldest expiry first, within limit', async (store) => {
      await store.enqueueJobs([newJob('job-1'), newJob('job-2'), newJob('job-3'), newJob('job-4'), newJob('job-queued', { runAtMs: t0 + 1_000_000 })]);
      await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs: 3000, limit: 1, tasks: suiteTasks }); // job-1 expires t0+3000
      await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs: 1000, limit: 1, tasks: suiteTasks }); // job-2 expires t0+1000
      await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs: 2000, limit: 1, tasks: suiteTasks }); // job-3 expires t0+2000
      await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs: 9000, limit: 1, tasks: suiteTasks }); // job-4 expires t0+9000
      const ids = async (nowMs: number, limit = 10) => (await store.findExpiredLeases({ nowMs, limit })).map((j) => j.id);
      assert.deepEqual(await ids(t0 + 999), []);
      assert.deepEqual(await ids(t0 + 1000), ['job-2']);
      assert.deepEqual(await ids(t0 + 5000), ['job-2', 'job-3', 'job-1']);
      assert.deepEqual(await ids(t0 + 5000, 2), ['job-2', 'job-3']);
      // Reads only: nothing changed.
      assert.equal((await store.getJob('job-2'))?.status, 'running');
      assert.equal((await store.getJob('job-2'))?.leaseOwner, 'n');
    });

    test('a renewed lease is no longer expired; a completed job is not returned', async (store) => {
      await store.enqueueJobs([newJob('job-1'), newJob('job-2')]);
      await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs: 1000, limit: 2, tasks: suiteTasks });
      await store.renewLeases({ nodeId: 'n', nowMs: t0 + 500, leaseMs: 1000, leases: [{ jobId: 'job-1', fencingToken: 1 }] });
      await completeJob(store, { jobId: 'job-2', fencingToken: 1, nowMs: t0 + 500, completion: { status: 'succeeded', result: null } });
      assert.deepEqual((await store.findExpiredLeases({ nowMs: t0 + 1000, limit: 10 })).map((j) => j.id), []);
      assert.deepEqual((await store.findExpiredLeases({ nowMs: t0 + 1500, limit: 10 })).map((j) => j.id), ['job-1']);
    });
  });
}
