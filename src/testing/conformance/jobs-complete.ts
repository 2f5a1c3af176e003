import assert from 'node:assert/strict';
import type { JobError } from '../../domain/job.ts';
import type { ClaimedJob, Store } from '../../store/store.ts';
import { isLeaseLost } from './assertions.ts';
import { fireJob, leaseMs, newJob, releaseRequest, scheduleWrite, t0, suiteTasks, completeAndRead } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';
import { completeJob, releaseSchedule } from '../../store/single-calls.ts';

const boom: JobError = { name: 'TypeError', message: 'boom', code: 'E_BOOM', stack: 'TypeError: boom\n    at handler (task.ts:1:1)' };

/** Enqueues one job and claims it at t0 by node-a. */
async function running(store: Store, id = 'job-1'): Promise<ClaimedJob> {
  await store.enqueueJobs([newJob(id)]);
  const [claimed] = await store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
  assert.equal(claimed?.id, id);
  return claimed;
}

export function defineJobCompleteTests({ describe, test }: SuiteApi): void {
  describe('completeJob', () => {
    test('succeeded stores the result, sets finishedAtMs and clears the lease', async (store) => {
      await running(store);
      const result = { ok: true, items: [1, 'two', null], nested: { ü: 'ñ' } };
      const job = await completeAndRead(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0 + 100, completion: { status: 'succeeded', result } });
      assert.equal(job.status, 'succeeded');
      assert.deepEqual(job.result, result);
      assert.equal(job.finishedAtMs, t0 + 100);
      assert.equal(job.updatedAtMs, t0 + 100);
      assert.equal(job.leaseOwner, null);
      assert.equal(job.leaseExpiresAtMs, null);
      assert.equal(job.attempt, 1);
      assert.equal(job.fencingToken, 1);
      assert.deepEqual(job.attempts, [
        { attempt: 1, nodeId: 'node-a', fencingToken: 1, startedAtMs: t0, finishedAtMs: t0 + 100, outcome: 'succeeded', error: null },
      ]);
    });

    test('succeeded with a null result stores null', async (store) => {
      await running(store);
      const job = await completeAndRead(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0 + 1, completion: { status: 'succeeded', result: null } });
      assert.equal(job.result, null);
    });

    test('retry: status failed, runAtMs = retryAtMs, error stored, lease cleared, not finished', async (store) => {
      await running(store);
      const job = await completeAndRead(store, {
        jobId: 'job-1',
        fencingToken: 1,
        nowMs: t0 + 100,
        completion: { status: 'retry', error: boom, retryAtMs: t0 + 5000 },
      });
      assert.equal(job.status, 'failed');
      assert.equal(job.runAtMs, t0 + 5000);
      assert.deepEqual(job.error, boom);
      assert.equal(job.finishedAtMs, null);
      assert.equal(job.leaseOwner, null);
      assert.equal(job.leaseExpiresAtMs, null);
      assert.equal(job.attempt, 1);
      assert.deepEqual(job.attempts, [
        { attempt: 1, nodeId: 'node-a', fencingToken: 1, startedAtMs: t0, finishedAtMs: t0 + 100, outcome: 'failed', error: boom },
      ]);
    });

    test('a retried job is claimable again at retryAtMs, as attempt 2 with fencingToken 2', async (store) => {
      await running(store);
      await completeJob(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0 + 100, completion: { status: 'retry', error: boom, retryAtMs: t0 + 5000 } });
      assert.deepEqual(await store.claimJobs({ nodeId: 'node-b', nowMs: t0 + 4999, leaseMs, limit: 1, tasks: suiteTasks }), []);
      const [again] = await store.claimJobs({ nodeId: 'node-b', nowMs: t0 + 5000, leaseMs, limit: 1, tasks: suiteTasks });
      assert.equal(again?.status, 'running');
      assert.equal(again?.attempt, 2);
      assert.equal(again?.fencingToken, 2);
      const stored = await store.getJob('job-1');
      assert.equal(stored?.leaseOwner, 'node-b');
      assert.equal(stored?.attempts.length, 2);
    });

    test('dead: status dead, error stored, finishedAtMs set, lease cleared', async (store) => {
      await running(store);
      const job = await completeAndRead(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0 + 7, completion: { status: 'dead', error: boom } });
      assert.equal(job.status, 'dead');
      assert.deepEqual(job.error, boom);
      assert.equal(job.finishedAtMs, t0 + 7);
      assert.equal(job.leaseOwner, null);
      assert.equal(job.leaseExpiresAtMs, null);
      assert.equal(job.attempts[0]?.outcome, 'failed');
      assert.deepEqual(job.attempts[0]?.error, boom);
      assert.equal(job.attempts[0]?.finishedAtMs, t0 + 7);
    });

    test('cancelled: status cancelled, error stored, finishedAtMs set, attempt outcome cancelled', async (store) => {
      await running(store);
      const error = { name: 'JobCancelledError', message: 'operator said so' };
      const job = await completeAndRead(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0 + 8, completion: { status: 'cancelled', error } });
      assert.equal(job.status, 'cancelled');
      assert.deepEqual(job.error, error);
      assert.equal(job.finishedAtMs, t0 + 8);
      assert.equal(job.leaseOwner, null);
      assert.equal(job.attempts[0]?.outcome, 'cancelled');
      assert.equal(job.attempts[0]?.finishedAtMs, t0 + 8);
    });

    test('released: back to queued at nowMs, attempt - 1, lease cleared, attempt outcome interrupted', async (store) => {
      await running(store);
      const job = await completeAndRead(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0 + 9, completion: { status: 'released' } });
      assert.equal(job.status, 'queued');
      assert.equal(job.runAtMs, t0 + 9);
      assert.equal(job.attempt, 0);
      assert.equal(job.finishedAtMs, null);
      assert.equal(job.leaseOwner, null);
      assert.equal(job.leaseExpiresAtMs, null);
      assert.equal(job.attempts[0]?.outcome, 'interrupted');
      assert.equal(job.attempts[0]?.finishedAtMs, t0 + 9);
      const [again] = await store.claimJobs({ nodeId: 'node-b', nowMs: t0 + 9, leaseMs, limit: 1, tasks: suiteTasks });
      assert.equal(again?.attempt, 1, 'a released attempt does not count');
      assert.equal(again?.fencingToken, 2, 'the fencing token never goes back');
    });

    test('attemptOutcome overrides the attempt record outcome (timed_out, lease_expired)', async (store) => {
      await running(store, 'job-1');
      await running(store, 'job-2');
      const timedOut = await completeAndRead(store, {
        jobId: 'job-1',
        fencingToken: 1,
        nowMs: t0 + 1,
        completion: { status: 'retry', error: boom, retryAtMs: t0 + 2, attemptOutcome: 'timed_out' },
      });
      assert.equal(timedOut.status, 'failed');
      assert.equal(timedOut.attempts[0]?.outcome, 'timed_out');
      const expired = await completeAndRead(store, {
        jobId: 'job-2',
        fencingToken: 1,
        nowMs: t0 + 1,
        completion: { status: 'dead', error: boom, attemptOutcome: 'lease_expired' },
      });
      assert.equal(expired.status, 'dead');
      assert.equal(expired.attempts[0]?.outcome, 'lease_expired');
    });

    test('a stale fencing token after the job was reaped and reclaimed throws LeaseLostError and changes nothing', async (store) => {
      await running(store);
      // node-a stalls; the core reaps the expired lease and node-b claims the retry.
      const [expired] = await store.findExpiredLeases({ nowMs: t0 + leaseMs, limit: 10 });
      assert.equal(expired?.id, 'job-1');
      await completeJob(store, {
        jobId: 'job-1',
        fencingToken: 1,
        nowMs: t0 + leaseMs,
        completion: { status: 'retry', error: boom, retryAtMs: t0 + leaseMs, attemptOutcome: 'lease_expired' },
      });
      await store.claimJobs({ nodeId: 'node-b', nowMs: t0 + leaseMs, leaseMs, limit: 1, tasks: suiteTasks });
      const before = await store.getJob('job-1');
      assert.equal(before?.fencingToken, 2);
      await assert.rejects(
        completeJob(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0 + leaseMs + 1, completion: { status: 'succeeded', result: 'late' } }),
        isLeaseLost,
      );
      assert.deepEqual(await store.getJob('job-1'), before);
      // The current holder still completes.
      const done = await completeAndRead(store, { jobId: 'job-1', fencingToken: 2, nowMs: t0 + leaseMs + 2, completion: { status: 'succeeded', result: 'ok' } });
      assert.equal(done.result, 'ok');
      assert.deepEqual(done.attempts.map((a) => a.outcome), ['lease_expired', 'succeeded']);
    });

    test('completing a job that is not running throws LeaseLostError', async (store) => {
      await store.enqueueJobs([newJob('job-queued')]);
      await assert.rejects(
        completeJob(store, { jobId: 'job-queued', fencingToken: 0, nowMs: t0, completion: { status: 'succeeded', result: null } }),
        isLeaseLost,
      );
      assert.equal((await store.getJob('job-queued'))?.status, 'queued');
      await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      await completeJob(store, { jobId: 'job-queued', fencingToken: 1, nowMs: t0, completion: { status: 'succeeded', result: 1 } });
      await assert.rejects(
        completeJob(store, { jobId: 'job-queued', fencingToken: 1, nowMs: t0 + 1, completion: { status: 'dead', error: boom } }),
        isLeaseLost,
      );
      const after = await store.getJob('job-queued');
      assert.equal(after?.status, 'succeeded');
      assert.equal(after?.result, 1);
    });

    test('completing an unknown job throws LeaseLostError', async (store) => {
      await assert.rejects(completeJob(store, { jobId: 'nope', fencingToken: 1, nowMs: t0, completion: { status: 'released' } }), isLeaseLost);
    });

    test('endSchedule deletes the job schedule in the same call', async (store) => {
      await store.upsertSchedule(scheduleWrite('sched-1'));
      const [acquired] = await store.acquireDueSchedules({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 1 });
      assert.ok(acquired);
      await releaseSchedule(store, releaseRequest('sched-1', acquired.leaseToken, { jobs: [fireJob('job-1', 'sched-1', t0)] }));
      await store.upsertSchedule(scheduleWrite('sched-2'));
      await store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      const job = await completeAndRead(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0 + 1, completion: { status: 'succeeded', result: null }, endSchedule: true });
      assert.equal(job.status, 'succeeded');
      assert.equal(await store.getSchedule('sched-1'), null);
      assert.notEqual(await store.getSchedule('sched-2'), null);
    });

    test('endSchedule with a stale token deletes nothing', async (store) => {
      await store.upsertSchedule(scheduleWrite('sched-1'));
      await store.enqueueJobs([fireJob('job-1', 'sched-1', t0)]);
      await store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      await assert.rejects(
        completeJob(store, { jobId: 'job-1', fencingToken: 0, nowMs: t0 + 1, completion: { status: 'succeeded', result: null }, endSchedule: true }),
        isLeaseLost,
      );
      assert.notEqual(await store.getSchedule('sched-1'), null);
    });
  });
}
