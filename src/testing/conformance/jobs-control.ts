import assert from 'node:assert/strict';
import { leaseMs, newJob, t0, suiteTasks, completeAndRead } from './fixtures.ts';
import { isInvalidJobState } from './assertions.ts';
import type { SuiteApi } from './suite-api.ts';
import { completeJob } from '../../store/single-calls.ts';

const boom = { name: 'Error', message: 'boom' };

export function defineJobControlTests({ describe, test }: SuiteApi): void {
  describe('cancelJob', () => {
    test('a queued job becomes cancelled now, with the reason as its error', async (store) => {
      await store.enqueueJobs([newJob('job-1', { runAtMs: t0 + 1000 })]);
      const job = await store.cancelJob({ jobId: 'job-1', nowMs: t0 + 5, reason: 'not needed' });
      assert.equal(job?.status, 'cancelled');
      assert.equal(job?.finishedAtMs, t0 + 5);
      assert.equal(job?.updatedAtMs, t0 + 5);
      assert.equal(job?.error?.message, 'not needed');
      assert.equal(typeof job?.error?.name, 'string');
      assert.deepEqual(await store.getJob('job-1'), job);
      assert.deepEqual(await store.claimJobs({ nodeId: 'n', nowMs: t0 + 2000, leaseMs, limit: 10, tasks: suiteTasks }), []);
    });

    test('a failed job awaiting its retry becomes cancelled', async (store) => {
      await store.enqueueJobs([newJob('job-1')]);
      await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      await completeJob(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0, completion: { status: 'retry', error: boom, retryAtMs: t0 + 100 } });
      const job = await store.cancelJob({ jobId: 'job-1', nowMs: t0 + 5, reason: 'enough' });
      assert.equal(job?.status, 'cancelled');
      assert.equal(job?.finishedAtMs, t0 + 5);
      assert.equal(job?.error?.message, 'enough');
      assert.deepEqual(await store.claimJobs({ nodeId: 'n', nowMs: t0 + 100, leaseMs, limit: 10, tasks: suiteTasks }), []);
    });

    test('a running job only gets cancelRequested; it stays running and its lease holds', async (store) => {
      await store.enqueueJobs([newJob('job-1')]);
      await store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      const job = await store.cancelJob({ jobId: 'job-1', nowMs: t0 + 5, reason: 'stop' });
      assert.equal(job?.status, 'running');
      assert.equal(job?.cancelRequested, true);
      assert.equal(job?.finishedAtMs, null);
      assert.equal(job?.leaseOwner, 'node-a');
      assert.equal(job?.fencingToken, 1);
      const [renewal] = await store.renewLeases({ nodeId: 'node-a', nowMs: t0 + 6, leaseMs, leases: [{ jobId: 'job-1', fencingToken: 1 }] });
      assert.deepEqual(renewal, { jobId: 'job-1', held: true, cancelRequested: true });
      // Its node then ends it.
      const ended = await completeAndRead(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0 + 7, completion: { status: 'cancelled', error: { name: 'JobCancelledError', message: 'stop' } } });
      assert.equal(ended.status, 'cancelled');
    });

    test('a final job is unchanged', async (store) => {
      await store.enqueueJobs([newJob('job-1')]);
      await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      const done = await completeAndRead(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0 + 1, completion: { status: 'succeeded', result: 42 } });
      const after = await store.cancelJob({ jobId: 'job-1', nowMs: t0 + 2, reason: 'too late' });
      assert.deepEqual(after, done);
      assert.deepEqual(await store.getJob('job-1'), done);
    });

    test('an unknown job returns null', async (store) => {
      assert.equal(await store.cancelJob({ jobId: 'nope', nowMs: t0, reason: 'r' }), null);
    });
  });

  describe('retryJob', () => {
    test('a dead job goes back to the queue: queued, runAtMs now, maxAttempts = attempt + 1, error kept', async (store) => {
      await store.enqueueJobs([newJob('job-1', { maxAttempts: 1 })]);
      await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      await completeJob(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0 + 1, completion: { status: 'dead', error: boom } });
      const job = await store.retryJob({ jobId: 'job-1', nowMs: t0 + 1000 });
      assert.equal(job?.status, 'queued');
      assert.equal(job?.runAtMs, t0 + 1000);
      assert.equal(job?.maxAttempts, 2);
      assert.equal(job?.attempt, 1);
      assert.deepEqual(job?.error, boom);
      assert.deepEqual(await store.getJob('job-1'), job);
      const [claimed] = await store.claimJobs({ nodeId: 'n', nowMs: t0 + 1000, leaseMs, limit: 1, tasks: suiteTasks });
      assert.equal(claimed?.attempt, 2);
      assert.equal(claimed?.fencingToken, 2);
    });

    test('a cancelled job goes back to the queue', async (store) => {
      await store.enqueueJobs([newJob('job-1')]);
      await store.cancelJob({ jobId: 'job-1', nowMs: t0, reason: 'oops' });
      const job = await store.retryJob({ jobId: 'job-1', nowMs: t0 + 10 });
      assert.equal(job?.status, 'queued');
      assert.equal(job?.runAtMs, t0 + 10);
      assert.equal(job?.maxAttempts, 1);
      assert.equal(job?.cancelRequested, false);
      assert.deepEqual((await store.claimJobs({ nodeId: 'n', nowMs: t0 + 10, leaseMs, limit: 1, tasks: suiteTasks })).map((j) => j.id), ['job-1']);
    });

    test('an unknown job returns null', async (store) => {
      assert.equal(await store.retryJob({ jobId: 'nope', nowMs: t0 }), null);
    });

    test('a running, queued, failed or succeeded job throws InvalidJobStateError and is unchanged', async (store) => {
      await store.enqueueJobs([newJob('job-run'), newJob('job-fail'), newJob('job-ok'), newJob('job-queued', { runAtMs: t0 + 1000 })]);
      await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 3, tasks: suiteTasks });
      await completeJob(store, { jobId: 'job-fail', fencingToken: 1, nowMs: t0, completion: { status: 'retry', error: boom, retryAtMs: t0 + 100 } });
      await completeJob(store, { jobId: 'job-ok', fencingToken: 1, nowMs: t0, completion: { status: 'succeeded', result: null } });
      for (const id of ['job-run', 'job-fail', 'job-ok', 'job-queued']) {
        const before = await store.getJob(id);
        await assert.rejects(store.retryJob({ jobId: id, nowMs: t0 + 1 }), isInvalidJobState, id);
        assert.deepEqual(await store.getJob(id), before, id);
      }
    });
  });
}
