import assert from 'node:assert/strict';
import type { JobRecord } from '../../domain/job.ts';
import type { JsonValue } from '../../domain/json.ts';
import { fireJob, leaseMs, newJob, t0, suiteTasks, enqueued } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';
import { completeJob } from '../../store/single-calls.ts';

export function defineEnqueueTests({ describe, test }: SuiteApi): void {
  describe('enqueueJobs', () => {
    test('creates a job with the documented defaults', async (store) => {
      const input = newJob('job-1', {
        task: 'send-mail',
        data: { to: 'a@b.c' },
        origin: 'manual',
        scheduleId: 'sched-1',
        fireAtMs: t0 - 10,
        priority: 4,
        runAtMs: t0 + 5,
        maxAttempts: 7,
        dedupeKey: 'k-1',
        createdAtMs: t0 - 1,
      });
      const results = await store.enqueueJobs([input]);
      const expected: JobRecord = {
        id: 'job-1',
        task: 'send-mail',
        data: { to: 'a@b.c' },
        origin: 'manual',
        scheduleId: 'sched-1',
        fireAtMs: t0 - 10,
        status: 'queued',
        priority: 4,
        runAtMs: t0 + 5,
        createdAtMs: t0 - 1,
        updatedAtMs: t0 - 1,
        startedAtMs: null,
        finishedAtMs: null,
        attempt: 0,
        maxAttempts: 7,
        dedupeKey: 'k-1',
        leaseOwner: null,
        leaseExpiresAtMs: null,
        fencingToken: 0,
        cancelRequested: false,
        result: null,
        error: null,
        attempts: [],
      };
      assert.deepEqual(results, [{ created: true }]);
      assert.deepEqual(await store.getJob('job-1'), expected);
    });

    test('creates several jobs in order, one result each', async (store) => {
      const jobs = [newJob('job-b'), newJob('job-a'), newJob('job-c')];
      assert.deepEqual(enqueued(jobs, await store.enqueueJobs(jobs)), [['job-b', true], ['job-a', true], ['job-c', true]]);
      assert.deepEqual((await store.listJobs()).map((job) => job.id).sort(), ['job-a', 'job-b', 'job-c']);
      assert.deepEqual(await store.enqueueJobs([]), []);
    });

    test('a second job for the same (scheduleId, fireAtMs) is not created; the existing one is returned', async (store) => {
      await store.enqueueJobs([fireJob('job-1', 'sched-1', t0)]);
      const [result] = await store.enqueueJobs([fireJob('job-2', 'sched-1', t0, { data: { other: true } })]);
      assert.ok(result && !result.created);
      assert.equal(result.job.id, 'job-1');
      assert.deepEqual(result.job.data, { n: 1 });
      assert.equal(await store.getJob('job-2'), null);
    });

    test('(scheduleId, fireAtMs) uniqueness also holds within one call', async (store) => {
      const jobs = [fireJob('job-1', 'sched-1', t0), fireJob('job-2', 'sched-1', t0)];
      assert.deepEqual(enqueued(jobs, await store.enqueueJobs(jobs)), [['job-1', true], ['job-1', false]]);
    });

    test('(scheduleId, fireAtMs) uniqueness holds whatever the first job became', async (store) => {
      await store.enqueueJobs([fireJob('job-1', 'sched-1', t0)]);
      await store.cancelJob({ jobId: 'job-1', nowMs: t0, reason: 'r' });
      const [result] = await store.enqueueJobs([fireJob('job-2', 'sched-1', t0)]);
      assert.ok(result && !result.created);
      assert.equal(result.job.id, 'job-1');
      assert.equal(result.job.status, 'cancelled');
    });

    test('another fireAtMs, or another schedule, is a different job', async (store) => {
      const results = await store.enqueueJobs([
        fireJob('job-1', 'sched-1', t0),
        fireJob('job-2', 'sched-1', t0 + 1),
        fireJob('job-3', 'sched-2', t0),
      ]);
      assert.deepEqual(results.map((r) => r.created), [true, true, true]);
    });

    test('jobs with fireAtMs null are never unique-checked', async (store) => {
      const jobs = [
        newJob('job-1', { scheduleId: 'sched-1', origin: 'manual' }),
        newJob('job-2', { scheduleId: 'sched-1', origin: 'manual' }),
        newJob('job-3'),
        newJob('job-4'),
      ];
      assert.deepEqual(enqueued(jobs, await store.enqueueJobs(jobs)), [['job-1', true], ['job-2', true], ['job-3', true], ['job-4', true]]);
    });

    test('a dedupeKey returns the existing non-final job instead of creating one', async (store) => {
      await store.enqueueJobs([newJob('job-1', { dedupeKey: 'k' })]);
      const [queuedDup] = await store.enqueueJobs([newJob('job-2', { dedupeKey: 'k' })]);
      assert.ok(queuedDup && !queuedDup.created);
      assert.equal(queuedDup.job.id, 'job-1');
      // Running and failed are not final either.
      await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      const [runningDup] = await store.enqueueJobs([newJob('job-3', { dedupeKey: 'k' })]);
      assert.ok(runningDup && !runningDup.created);
      assert.deepEqual([runningDup.job.id, runningDup.job.status], ['job-1', 'running']);
      await completeJob(store, {
        jobId: 'job-1',
        fencingToken: 1,
        nowMs: t0,
        completion: { status: 'retry', error: { name: 'Error', message: 'x' }, retryAtMs: t0 + 1000 },
      });
      const [failedDup] = await store.enqueueJobs([newJob('job-4', { dedupeKey: 'k' })]);
      assert.ok(failedDup && !failedDup.created);
      assert.deepEqual([failedDup.job.id, failedDup.job.status], ['job-1', 'failed']);
      assert.equal((await store.listJobs()).length, 1);
    });

    test('once the dedupeKey job is final, the same key creates a new job', async (store) => {
      await store.enqueueJobs([newJob('job-1', { dedupeKey: 'k' }), newJob('job-2', { dedupeKey: 'k2' }), newJob('job-3', { dedupeKey: 'k3' })]);
      await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 3, tasks: suiteTasks });
      await completeJob(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0, completion: { status: 'succeeded', result: 1 } });
      await completeJob(store, { jobId: 'job-2', fencingToken: 1, nowMs: t0, completion: { status: 'dead', error: { name: 'E', message: 'm' } } });
      await completeJob(store, { jobId: 'job-3', fencingToken: 1, nowMs: t0, completion: { status: 'cancelled', error: { name: 'E', message: 'm' } } });
      const jobs = [newJob('job-1b', { dedupeKey: 'k' }), newJob('job-2b', { dedupeKey: 'k2' }), newJob('job-3b', { dedupeKey: 'k3' })];
      assert.deepEqual(enqueued(jobs, await store.enqueueJobs(jobs)), [['job-1b', true], ['job-2b', true], ['job-3b', true]]);
      // And the new job now blocks the key again.
      const again = [newJob('job-1c', { dedupeKey: 'k' })];
      assert.deepEqual(enqueued(again, await store.enqueueJobs(again)), [['job-1b', false]]);
    });

    test('a null dedupeKey never deduplicates', async (store) => {
      const results = await store.enqueueJobs([newJob('job-1', { dedupeKey: null }), newJob('job-2', { dedupeKey: null })]);
      assert.deepEqual(results.map((r) => r.created), [true, true]);
    });

    test('data round-trips exactly: nested objects, arrays, unicode, numbers, null', async (store) => {
      const data: JsonValue = {
        text: 'héllo wörld — 日本語 🎉 "quoted" \\ back\nslash',
        numbers: [0, -1, 1.5, 1e21, 2 ** 53 - 1, -0.000123],
        nested: { deep: { deeper: [{ a: null }, { b: true, c: false }] }, empty: {}, emptyList: [] },
        nothing: null,
      };
      await store.enqueueJobs([newJob('job-1', { data }), newJob('job-2', { data: 'just a string' }), newJob('job-3', { data: null })]);
      assert.deepEqual((await store.getJob('job-1'))?.data, data);
      assert.equal((await store.getJob('job-2'))?.data, 'just a string');
      assert.equal((await store.getJob('job-3'))?.data, null);
      const [claimed] = await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 1, tasks: suiteTasks });
      assert.deepEqual(claimed?.data, data);
    });
  });
}
