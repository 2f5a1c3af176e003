import assert from 'node:assert/strict';
import { completeJob } from '../../store/single-calls.ts';
import { fireJob, leaseMs, newJob, releaseRequest, scheduleWrite, suiteTasks, t0 } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const withState = `${traceparent}\nvendor1=opaque,vendor2=x`;

export function defineTraceContextTests({ describe, test }: SuiteApi): void {
  describe('trace context', () => {
    test('a job keeps the trace context it was enqueued with: record, listing, claim, history', async (store) => {
      await store.enqueueJobs([newJob('job-1', { traceContext: withState }), newJob('job-2', { traceContext: null }), newJob('job-3')]);
      assert.equal((await store.getJob('job-1'))?.traceContext, withState);
      const listed = await store.listJobs({});
      assert.equal(listed.find((j) => j.id === 'job-1')?.traceContext, withState);
      for (const id of ['job-2', 'job-3']) assert.equal('traceContext' in (listed.find((j) => j.id === id) ?? {}), false, `${id}: absent when none`);
      const claimed = await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 3, tasks: suiteTasks });
      assert.equal(claimed.find((j) => j.id === 'job-1')?.traceContext, withState);
      assert.equal('traceContext' in (claimed.find((j) => j.id === 'job-2') ?? {}), false);
      const token = claimed.find((j) => j.id === 'job-1')!.fencingToken;
      await completeJob(store, { jobId: 'job-1', fencingToken: token, nowMs: t0 + 5, completion: { status: 'succeeded', result: null } });
      assert.equal((await store.getJob('job-1'))?.traceContext, withState, 'kept once final (history)');
    });

    test('a retried job keeps it, and complete-and-claim hands it out', async (store) => {
      await store.enqueueJobs([newJob('job-1', { traceContext: traceparent })]);
      const [first] = await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      await completeJob(store, {
        jobId: 'job-1',
        fencingToken: first!.fencingToken,
        nowMs: t0 + 1,
        completion: { status: 'retry', error: { name: 'E', message: 'm' }, retryAtMs: t0 + 2 },
      });
      assert.equal((await store.getJob('job-1'))?.traceContext, traceparent);
      const { claimed } = await store.completeAndClaim({ completions: [], claim: { nodeId: 'n', nowMs: t0 + 10, leaseMs, limit: 5, tasks: suiteTasks } });
      assert.equal(claimed[0]?.id, 'job-1');
      assert.equal(claimed[0]?.traceContext, traceparent);
    });

    test('the reserved claim of a job reserved ahead carries it', async (store) => {
      await store.enqueueJobs([newJob('job-ahead', { runAtMs: t0 + 500, traceContext: withState })]);
      const claimed = await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 0, tasks: suiteTasks, aheadMs: 1_000, aheadLimit: 5 });
      assert.equal(claimed.length, 1);
      assert.equal(claimed[0]!.status, 'reserved');
      assert.equal(claimed[0]!.traceContext, withState);
    });

    test("a schedule keeps its write's trace context; the next write replaces it; its fires' jobs carry theirs", async (store) => {
      await store.upsertSchedule(scheduleWrite('s-1', { nextFireAtMs: t0, traceContext: withState }));
      assert.equal((await store.getSchedule('s-1'))?.traceContext, withState);
      assert.equal((await store.listSchedules({}))[0]?.traceContext, withState);
      const [acquired] = await store.acquireDueSchedules({ nodeId: 'n', nowMs: t0, leaseMs, limit: 5 });
      assert.equal(acquired?.schedule.traceContext, withState);
      const [released] = await store.releaseSchedules([
        releaseRequest('s-1', acquired!.leaseToken, { jobs: [fireJob('fire-1', 's-1', t0, { traceContext: withState })], reserve: { nodeId: 'n', leaseMs } }),
      ]);
      assert.equal(released?.created[0]?.traceContext, withState);
      assert.equal((await store.getJob('fire-1'))?.traceContext, withState);
      await store.upsertSchedule(scheduleWrite('s-1', { nextFireAtMs: t0 + 60_000 }));
      assert.equal('traceContext' in ((await store.getSchedule('s-1')) ?? {}), false, 'a write without one clears it');
      await store.upsertSchedule(scheduleWrite('s-1', { nextFireAtMs: t0 + 60_000, traceContext: traceparent }));
      assert.equal((await store.getSchedule('s-1'))?.traceContext, traceparent);
    });
  });
}
