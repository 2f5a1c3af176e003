import assert from 'node:assert/strict';
import { leaseMs, newJob, scheduleWrite, t0, suiteTasks } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';
import { completeJob } from '../../store/single-calls.ts';

export function defineWakeTests({ describe, test }: SuiteApi): void {
  describe('nextWakeAtMs', () => {
    test('is null when nothing is pending', async (store) => {
      assert.equal(await store.nextWakeAtMs(), null);
      await store.upsertSchedule(scheduleWrite('s-paused', { paused: true, nextFireAtMs: t0 }));
      await store.upsertSchedule(scheduleWrite('s-done', { nextFireAtMs: null }));
      await store.enqueueJobs([newJob('job-1')]);
      await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      await completeJob(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0, completion: { status: 'succeeded', result: null } });
      assert.equal(await store.nextWakeAtMs(), null);
    });

    test("is an unpaused schedule's nextFireAtMs; paused schedules are ignored", async (store) => {
      await store.upsertSchedule(scheduleWrite('s-paused', { paused: true, nextFireAtMs: t0 + 10 }));
      await store.upsertSchedule(scheduleWrite('s-1', { nextFireAtMs: t0 + 50 }));
      await store.upsertSchedule(scheduleWrite('s-2', { nextFireAtMs: t0 + 30 }));
      assert.equal(await store.nextWakeAtMs(), t0 + 30);
    });

    test("is a queued job's runAtMs when earliest, even in the past", async (store) => {
      await store.upsertSchedule(scheduleWrite('s-1', { nextFireAtMs: t0 + 50 }));
      await store.enqueueJobs([newJob('job-1', { runAtMs: t0 + 20 }), newJob('job-2', { runAtMs: t0 - 20 }), newJob('job-3', { runAtMs: t0 + 10 })]);
      assert.equal(await store.nextWakeAtMs(), t0 - 20);
    });

    test("is a failed job's retry time", async (store) => {
      await store.enqueueJobs([newJob('job-1')]);
      await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      await completeJob(store, {
        jobId: 'job-1',
        fencingToken: 1,
        nowMs: t0,
        completion: { status: 'retry', error: { name: 'E', message: 'm' }, retryAtMs: t0 + 777 },
      });
      assert.equal(await store.nextWakeAtMs(), t0 + 777);
    });

    test("is a running job's lease expiry", async (store) => {
      await store.upsertSchedule(scheduleWrite('s-1', { nextFireAtMs: t0 + leaseMs + 100 }));
      await store.enqueueJobs([newJob('job-1'), newJob('job-2', { runAtMs: t0 + leaseMs + 50 })]);
      await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      assert.equal(await store.nextWakeAtMs(), t0 + leaseMs);
      await store.renewLeases({ nodeId: 'n', nowMs: t0 + 100, leaseMs, leases: [{ jobId: 'job-1', fencingToken: 1 }] });
      assert.equal(await store.nextWakeAtMs(), t0 + leaseMs + 50);
    });

    test("is a leased schedule's lease expiry rather than its (past) nextFireAtMs", async (store) => {
      await store.upsertSchedule(scheduleWrite('s-1', { nextFireAtMs: t0 }));
      await store.acquireDueSchedules({ nodeId: 'n', nowMs: t0, leaseMs, limit: 1 });
      assert.equal(await store.nextWakeAtMs(), t0 + leaseMs);
    });
  });
}
