import assert from 'node:assert/strict';
import type { AcquiredSchedule, ClaimedJob, Store } from '../../store/store.ts';
import { fireJob, leaseMs, newJob, releaseRequest, scheduleWrite, t0, suiteTasks } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';
import { completeJob, releaseSchedule } from '../../store/single-calls.ts';

async function acquire(store: Store, nowMs: number, limit = 10, nodeId = 'node-a'): Promise<AcquiredSchedule[]> {
  return store.acquireDueSchedules({ nodeId, nowMs, leaseMs, limit });
}

async function acquireOne(store: Store, id: string, nowMs = t0): Promise<AcquiredSchedule> {
  const found = (await acquire(store, nowMs)).find((a) => a.schedule.id === id);
  assert.ok(found, `schedule ${id} was not acquired`);
  return found;
}

export function defineScheduleLeaseTests({ describe, test, peerTest }: SuiteApi): void {
  describe('schedule leases', () => {
    test('acquireDueSchedules leases only due, unpaused schedules, earliest nextFireAtMs first', async (store) => {
      await store.upsertSchedule(scheduleWrite('s-late', { nextFireAtMs: t0 }));
      await store.upsertSchedule(scheduleWrite('s-early', { nextFireAtMs: t0 - 500 }));
      await store.upsertSchedule(scheduleWrite('s-mid', { nextFireAtMs: t0 - 100 }));
      await store.upsertSchedule(scheduleWrite('s-future', { nextFireAtMs: t0 + 1 }));
      await store.upsertSchedule(scheduleWrite('s-paused', { nextFireAtMs: t0 - 1000, paused: true }));
      await store.upsertSchedule(scheduleWrite('s-done', { nextFireAtMs: null }));
      const acquired = await acquire(store, t0);
      assert.deepEqual(acquired.map((a) => a.schedule.id), ['s-early', 's-mid', 's-late']);
    });

    test('acquireDueSchedules sets the lease on the returned and stored record', async (store) => {
      await store.upsertSchedule(scheduleWrite('sched-1'));
      const [acquired] = await acquire(store, t0 + 5, 10, 'node-x');
      assert.ok(acquired);
      assert.equal(acquired.leaseToken, 1);
      assert.equal(acquired.schedule.leaseToken, 1);
      assert.equal(acquired.schedule.leaseOwner, 'node-x');
      assert.equal(acquired.schedule.leaseExpiresAtMs, t0 + 5 + leaseMs);
      assert.equal(acquired.activeJobs, 0);
      assert.deepEqual(await store.getSchedule('sched-1'), acquired.schedule);
    });

    test('acquireDueSchedules respects limit', async (store) => {
      for (let i = 1; i <= 5; i++) await store.upsertSchedule(scheduleWrite(`s-${i}`, { nextFireAtMs: t0 - i }));
      const first = await acquire(store, t0, 2);
      assert.deepEqual(first.map((a) => a.schedule.id), ['s-5', 's-4']);
      const second = await acquire(store, t0, 10);
      assert.deepEqual(second.map((a) => a.schedule.id), ['s-3', 's-2', 's-1']);
    });

    test('a leased schedule is not acquired again until its lease expires, then with a higher token', async (store) => {
      await store.upsertSchedule(scheduleWrite('sched-1'));
      const first = await acquireOne(store, 'sched-1', t0);
      assert.deepEqual(await acquire(store, t0 + 1, 10, 'node-b'), []);
      assert.deepEqual(await acquire(store, t0 + leaseMs - 1, 10, 'node-b'), []);
      const [second] = await acquire(store, t0 + leaseMs, 10, 'node-b');
      assert.ok(second, 'an expired lease (leaseExpiresAtMs <= nowMs) must be acquirable');
      assert.ok(second.leaseToken > first.leaseToken);
      assert.equal(second.schedule.leaseOwner, 'node-b');
      assert.equal(second.schedule.leaseExpiresAtMs, t0 + 2 * leaseMs);
    });

    test('activeJobs counts the queued, running and failed jobs of that schedule only', async (store) => {
      await store.upsertSchedule(scheduleWrite('sched-1'));
      await store.upsertSchedule(scheduleWrite('sched-2'));
      await store.enqueueJobs([
        fireJob('s1-queued', 'sched-1', t0 - 6),
        fireJob('s1-running', 'sched-1', t0 - 5, { priority: 5 }),
        fireJob('s1-failed', 'sched-1', t0 - 4, { priority: 4 }),
        fireJob('s1-succeeded', 'sched-1', t0 - 3, { priority: 3 }),
        fireJob('s1-dead', 'sched-1', t0 - 2, { priority: 2 }),
        fireJob('s1-cancelled', 'sched-1', t0 - 1),
        fireJob('s2-queued', 'sched-2', t0 - 1),
        newJob('free-queued'),
      ]);
      const claimed = await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 4, tasks: suiteTasks });
      assert.deepEqual(claimed.map((j) => j.id), ['s1-running', 's1-failed', 's1-succeeded', 's1-dead']);
      const error = { name: 'Error', message: 'boom' };
      await completeJob(store, { jobId: 's1-failed', fencingToken: 1, nowMs: t0, completion: { status: 'retry', error, retryAtMs: t0 + 60_000 } });
      await completeJob(store, { jobId: 's1-succeeded', fencingToken: 1, nowMs: t0, completion: { status: 'succeeded', result: null } });
      await completeJob(store, { jobId: 's1-dead', fencingToken: 1, nowMs: t0, completion: { status: 'dead', error } });
      await store.cancelJob({ jobId: 's1-cancelled', nowMs: t0, reason: 'no' });
      const acquired = await acquire(store, t0);
      assert.equal(acquired.find((a) => a.schedule.id === 'sched-1')?.activeJobs, 3);
      assert.equal(acquired.find((a) => a.schedule.id === 'sched-2')?.activeJobs, 1);
    });

    test('releaseSchedule with the right token creates jobs, sets next/last fire, adds counters and clears the lease', async (store) => {
      await store.upsertSchedule(scheduleWrite('sched-1'));
      const acquired = await acquireOne(store, 'sched-1');
      const result = await releaseSchedule(store, 
        releaseRequest('sched-1', acquired.leaseToken, {
          nowMs: t0 + 10,
          jobs: [fireJob('job-1', 'sched-1', t0 - 60_000), fireJob('job-2', 'sched-1', t0)],
          nextFireAtMs: t0 + 60_000,
          lastFireAtMs: t0,
          skipped: 1,
          missed: 4,
        }),
      );
      assert.equal(result.released, true);
      assert.deepEqual(result.created.map((j) => j.id), ['job-1', 'job-2']);
      // Without `reserve`, the jobs are created queued, and answered as a claim would answer them.
      assert.deepEqual(result.created[1], {
        id: 'job-2',
        task: 'task-a',
        data: { n: 1 },
        origin: 'schedule',
        scheduleId: 'sched-1',
        fireAtMs: t0,
        priority: 0,
        runAtMs: t0,
        createdAtMs: t0,
        dedupeKey: null,
        status: 'queued',
        attempt: 1,
        maxAttempts: 3,
        fencingToken: 0,
        leaseExpiresAtMs: null,
      } satisfies ClaimedJob);
      assert.equal((await store.getJob('job-2'))?.status, 'queued');
      const schedule = await store.getSchedule('sched-1');
      assert.ok(schedule);
      assert.equal(schedule.nextFireAtMs, t0 + 60_000);
      assert.equal(schedule.lastFireAtMs, t0);
      assert.equal(schedule.firedCount, 2);
      assert.equal(schedule.skippedCount, 1);
      assert.equal(schedule.missedCount, 4);
      assert.equal(schedule.leaseOwner, null);
      assert.equal(schedule.leaseExpiresAtMs, null);

      // Counters add up over releases.
      const next = await acquireOne(store, 'sched-1', t0 + 60_000);
      assert.ok(next.leaseToken > acquired.leaseToken);
      await releaseSchedule(store, 
        releaseRequest('sched-1', next.leaseToken, { nowMs: t0 + 60_000, jobs: [fireJob('job-3', 'sched-1', t0 + 60_000)], skipped: 2, missed: 1 }),
      );
      const after = await store.getSchedule('sched-1');
      assert.deepEqual([after?.firedCount, after?.skippedCount, after?.missedCount], [3, 3, 5]);
    });

    test('a released schedule is acquired again as soon as it is due, not only after the old lease expiry', async (store) => {
      await store.upsertSchedule(scheduleWrite('sched-1'));
      const acquired = await acquireOne(store, 'sched-1');
      await releaseSchedule(store, releaseRequest('sched-1', acquired.leaseToken, { nextFireAtMs: t0 + 1000 }));
      assert.deepEqual(await acquire(store, t0 + 999), []);
      const [again] = await acquire(store, t0 + 1000);
      assert.equal(again?.schedule.id, 'sched-1');
    });

    test('releaseSchedule with a stale token is refused and changes nothing', async (store) => {
      await store.upsertSchedule(scheduleWrite('sched-1'));
      const first = await acquireOne(store, 'sched-1', t0);
      const second = await acquireOne(store, 'sched-1', t0 + leaseMs);
      const before = await store.getSchedule('sched-1');
      const result = await releaseSchedule(store, 
        releaseRequest('sched-1', first.leaseToken, { jobs: [fireJob('job-1', 'sched-1', t0)], skipped: 1, missed: 1, end: true }),
      );
      assert.deepEqual(result, { scheduleId: 'sched-1', released: false, created: [] });
      assert.deepEqual(await store.getSchedule('sched-1'), before);
      assert.equal(await store.getJob('job-1'), null);
      assert.equal(before?.leaseToken, second.leaseToken);
    });

    test('a second release under the same token is refused: counters and jobs are applied once', async (store) => {
      await store.upsertSchedule(scheduleWrite('sched-1'));
      const acquired = await acquireOne(store, 'sched-1');
      const request = releaseRequest('sched-1', acquired.leaseToken, { jobs: [fireJob('job-1', 'sched-1', t0)], skipped: 1, missed: 1 });
      assert.equal((await releaseSchedule(store, request)).released, true);
      const again = await releaseSchedule(store, { ...request, jobs: [fireJob('job-2', 'sched-1', t0 + 1)], nextFireAtMs: t0 + 5 });
      assert.deepEqual(again, { scheduleId: 'sched-1', released: false, created: [] });
      const schedule = await store.getSchedule('sched-1');
      assert.deepEqual([schedule?.firedCount, schedule?.skippedCount, schedule?.missedCount], [1, 1, 1]);
      assert.equal(schedule?.nextFireAtMs, t0 + 60_000);
      assert.equal(await store.getJob('job-2'), null);
    });

    test('a release after the lease expired, but before anyone else acquired, still applies', async (store) => {
      await store.upsertSchedule(scheduleWrite('sched-1'));
      const acquired = await acquireOne(store, 'sched-1');
      const result = await releaseSchedule(store, releaseRequest('sched-1', acquired.leaseToken, { nowMs: t0 + leaseMs * 2, jobs: [fireJob('job-1', 'sched-1', t0)] }));
      assert.equal(result.released, true);
      assert.equal((await store.getSchedule('sched-1'))?.firedCount, 1);
    });

    test('releaseSchedule of a schedule that was never leased, or was removed, is refused', async (store) => {
      await store.upsertSchedule(scheduleWrite('sched-1'));
      const never = await releaseSchedule(store, releaseRequest('sched-1', 0, { jobs: [fireJob('job-0', 'sched-1', t0)] }));
      assert.equal(never.released, false);
      assert.equal(await store.getJob('job-0'), null);
      const acquired = await acquireOne(store, 'sched-1');
      await store.removeSchedule('sched-1', t0);
      const result = await releaseSchedule(store, releaseRequest('sched-1', acquired.leaseToken, { jobs: [fireJob('job-1', 'sched-1', t0)] }));
      assert.deepEqual(result, { scheduleId: 'sched-1', released: false, created: [] });
      assert.equal(await store.getJob('job-1'), null);
      assert.equal(await store.getSchedule('sched-1'), null, 'a refused release must not recreate the schedule');
    });

    test('releaseSchedule with end: true creates the jobs and deletes the schedule', async (store) => {
      await store.upsertSchedule(scheduleWrite('sched-1'));
      const acquired = await acquireOne(store, 'sched-1');
      const result = await releaseSchedule(store, 
        releaseRequest('sched-1', acquired.leaseToken, { jobs: [fireJob('job-1', 'sched-1', t0)], nextFireAtMs: null, end: true }),
      );
      assert.equal(result.released, true);
      assert.deepEqual(result.created.map((j) => j.id), ['job-1']);
      assert.equal(await store.getSchedule('sched-1'), null);
      assert.equal((await store.getJob('job-1'))?.scheduleId, 'sched-1');
    });

    test('releaseSchedule does not duplicate a fire that already has a job, and does not count it', async (store) => {
      await store.upsertSchedule(scheduleWrite('sched-1'));
      await store.enqueueJobs([fireJob('job-old', 'sched-1', t0)]);
      const acquired = await acquireOne(store, 'sched-1');
      const result = await releaseSchedule(store, 
        releaseRequest('sched-1', acquired.leaseToken, { jobs: [fireJob('job-dup', 'sched-1', t0), fireJob('job-new', 'sched-1', t0 + 1)] }),
      );
      assert.equal(result.released, true);
      assert.deepEqual(result.created.map((j) => j.id), ['job-new']);
      assert.equal(await store.getJob('job-dup'), null);
      assert.equal((await store.listJobs({ scheduleId: 'sched-1' })).length, 2);
      assert.equal((await store.getSchedule('sched-1'))?.firedCount, 1);
    });

    peerTest('two instances acquiring concurrently never lease the same schedule twice', async (store, peer) => {
      for (let i = 0; i < 30; i++) await store.upsertSchedule(scheduleWrite(`s-${String(i).padStart(2, '0')}`, { nextFireAtMs: t0 - i }));
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? store : peer).acquireDueSchedules({ nodeId: `node-${i}`, nowMs: t0, leaseMs, limit: 4 })),
      );
      const ids = results.flat().map((a) => a.schedule.id);
      assert.equal(new Set(ids).size, ids.length, `a schedule was leased twice: ${ids.join(', ')}`);
      // Whatever a concurrent acquire skipped is still there for the next one.
      const rest = await acquire(peer, t0, 100, 'node-last');
      assert.equal(new Set([...ids, ...rest.map((a) => a.schedule.id)]).size, 30);
    });
  });
}
