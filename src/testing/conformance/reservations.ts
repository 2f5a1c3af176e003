import assert from 'node:assert/strict';
import type { ClaimedJob, Store } from '../../store/store.ts';
import { completeJob, releaseSchedule } from '../../store/single-calls.ts';
import { completeAndRead, fireJob, leaseMs, newJob, releaseRequest, scheduleWrite, t0 } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

// Reservations: a node claims jobs ahead of their runAtMs (delayed jobs, a schedule's fires within
// its look-ahead) and starts each from a local timer at its instant, with no store call then. The
// store holds them `reserved` — leased, fenced, not yet counted as an attempt — until the node
// reports the start (renewal or completion), gives them back, or discards a fire it will not run.

const tasks = ['task-a'];

function claimAhead(store: Store, nowMs: number, options: { limit?: number; aheadMs?: number; aheadLimit?: number; nodeId?: string } = {}): Promise<ClaimedJob[]> {
  return store.claimJobs({
    nodeId: options.nodeId ?? 'node-a',
    nowMs,
    leaseMs,
    limit: options.limit ?? 10,
    tasks,
    aheadMs: options.aheadMs ?? 2000,
    aheadLimit: options.aheadLimit ?? 10,
  });
}

/** A schedule leased by node-a whose release created `fires` (fire instants) reserved for node-a. */
async function reservedFires(store: Store, scheduleId: string, fires: number[], nowMs = t0): Promise<ClaimedJob[]> {
  await store.upsertSchedule(scheduleWrite(scheduleId, { nextFireAtMs: fires[0]! }));
  const [acquired] = await store.acquireDueSchedules({ nodeId: 'node-a', nowMs, leaseMs, limit: 1, horizonMs: fires.at(-1)! - nowMs });
  assert.ok(acquired, `schedule ${scheduleId} is due within the look-ahead`);
  const result = await releaseSchedule(
    store,
    releaseRequest(scheduleId, acquired.leaseToken, {
      nowMs,
      jobs: fires.map((fireAtMs, i) => fireJob(`${scheduleId}-job-${i}`, scheduleId, fireAtMs, { createdAtMs: nowMs })),
      nextFireAtMs: fires.at(-1)! + 60_000,
      lastFireAtMs: fires.at(-1)!,
      reserve: { nodeId: 'node-a', leaseMs },
    }),
  );
  assert.equal(result.released, true);
  return result.created;
}

export function defineReservationTests({ describe, test, peerTest }: SuiteApi): void {
  describe('reservations (jobs claimed ahead of their instant)', () => {
    test('claimJobs with aheadMs reserves the jobs due within the window, after the due ones', async (store) => {
      await store.enqueueJobs([
        newJob('due-1', { runAtMs: t0 }),
        newJob('ahead-late', { runAtMs: t0 + 1500, priority: 9 }),
        newJob('ahead-soon', { runAtMs: t0 + 500 }),
        newJob('far', { runAtMs: t0 + 5000 }),
      ]);
      const claimed = await claimAhead(store, t0);
      assert.deepEqual(
        claimed.map((job) => [job.id, job.status, job.attempt, job.fencingToken, job.leaseExpiresAtMs]),
        [
          ['due-1', 'running', 1, 1, t0 + leaseMs],
          ['ahead-soon', 'reserved', 1, 1, t0 + 500 + leaseMs],
          ['ahead-late', 'reserved', 1, 1, t0 + 1500 + leaseMs],
        ],
      );
      const stored = await store.getJob('ahead-soon');
      assert.ok(stored);
      assert.equal(stored.status, 'reserved');
      assert.equal(stored.attempt, 0, 'a reservation counts no attempt');
      assert.equal(stored.fencingToken, 1);
      assert.equal(stored.leaseOwner, 'node-a');
      assert.equal(stored.leaseExpiresAtMs, t0 + 500 + leaseMs);
      assert.equal(stored.startedAtMs, null);
      assert.deepEqual(stored.attempts, []);
      assert.equal((await store.getJob('far'))?.status, 'queued');
    });

    test('aheadLimit bounds the reservations, limit the due claims; without aheadMs nothing is reserved', async (store) => {
      await store.enqueueJobs([
        newJob('due-1'),
        newJob('due-2'),
        newJob('ahead-1', { runAtMs: t0 + 100 }),
        newJob('ahead-2', { runAtMs: t0 + 200 }),
        newJob('ahead-3', { runAtMs: t0 + 300 }),
      ]);
      assert.deepEqual((await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 1, tasks })).map((j) => j.id), ['due-1']);
      assert.deepEqual((await claimAhead(store, t0, { limit: 0, aheadLimit: 2 })).map((j) => [j.id, j.status]), [
        ['ahead-1', 'reserved'],
        ['ahead-2', 'reserved'],
      ]);
      assert.deepEqual((await claimAhead(store, t0, { limit: 5, aheadLimit: 5 })).map((j) => [j.id, j.status]), [
        ['due-2', 'running'],
        ['ahead-3', 'reserved'],
      ]);
    });

    test('a reserved job is never claimed again, even once due, and counts as active for its schedule', async (store) => {
      const [fire] = await reservedFires(store, 'sched-1', [t0 + 1000]);
      assert.equal(fire?.status, 'reserved');
      assert.deepEqual(await claimAhead(store, t0 + 5000, { nodeId: 'node-b' }), []);
      await store.updateSchedule('sched-1', { nextFireAtMs: t0 + 60_000 + 1000 }, t0 + 5000);
      const [again] = await store.acquireDueSchedules({ nodeId: 'node-b', nowMs: t0 + 70_000, leaseMs, limit: 1 });
      assert.equal(again?.activeJobs, 1);
    });

    test('renewing a reserved job that has not started extends its lease from its instant; with startedAtMs it runs, its attempt counted', async (store) => {
      await store.enqueueJobs([newJob('job-1', { runAtMs: t0 + 1000 })]);
      const [reserved] = await claimAhead(store, t0);
      assert.ok(reserved);
      const waiting = await store.renewLeases({ nodeId: 'node-a', nowMs: t0 + 10, leaseMs, leases: [{ jobId: 'job-1', fencingToken: 1 }] });
      assert.deepEqual(waiting, [{ jobId: 'job-1', held: true, cancelRequested: false }]);
      assert.equal((await store.getJob('job-1'))?.leaseExpiresAtMs, t0 + 1000 + leaseMs);
      assert.equal((await store.getJob('job-1'))?.status, 'reserved');
      assert.equal((await store.getJob('job-1'))?.updatedAtMs, t0);

      const started = await store.renewLeases({ nodeId: 'node-a', nowMs: t0 + 1200, leaseMs, leases: [{ jobId: 'job-1', fencingToken: 1, startedAtMs: t0 + 1000 }] });
      assert.deepEqual(started, [{ jobId: 'job-1', held: true, cancelRequested: false }]);
      const running = await store.getJob('job-1');
      assert.ok(running);
      assert.equal(running.status, 'running');
      assert.equal(running.attempt, 1);
      assert.equal(running.fencingToken, 1);
      assert.equal(running.startedAtMs, t0 + 1000);
      assert.equal(running.leaseExpiresAtMs, t0 + 1200 + leaseMs);
      // The change feed shows the start (a dashboard learns that it runs), a mere renewal does not.
      assert.equal(running.updatedAtMs, t0 + 1200);
      assert.deepEqual(
        (await store.listJobs({ updatedAfterMs: t0 + 1199 })).map((job) => [job.id, job.status]),
        [['job-1', 'running']],
      );
      assert.deepEqual(running.attempts, [
        { attempt: 1, nodeId: 'node-a', fencingToken: 1, startedAtMs: t0 + 1000, finishedAtMs: null, outcome: 'running', error: null },
      ]);
      // Another node, or a stale token, holds nothing.
      assert.deepEqual(
        (await store.renewLeases({ nodeId: 'node-b', nowMs: t0 + 1300, leaseMs, leases: [{ jobId: 'job-1', fencingToken: 1 }] })).map((r) => r.held),
        [false],
      );
    });

    test('completing a reserved job with startedAtMs counts its attempt from that instant', async (store) => {
      await store.enqueueJobs([newJob('job-1', { runAtMs: t0 + 1000 })]);
      await claimAhead(store, t0);
      const job = await completeAndRead(store, {
        jobId: 'job-1',
        fencingToken: 1,
        nowMs: t0 + 1050,
        startedAtMs: t0 + 1001,
        completion: { status: 'succeeded', result: 'done' },
      });
      assert.equal(job.status, 'succeeded');
      assert.equal(job.attempt, 1);
      assert.equal(job.startedAtMs, t0 + 1001);
      assert.equal(job.finishedAtMs, t0 + 1050);
      assert.deepEqual(job.attempts, [
        { attempt: 1, nodeId: 'node-a', fencingToken: 1, startedAtMs: t0 + 1001, finishedAtMs: t0 + 1050, outcome: 'succeeded', error: null },
      ]);
    });

    test('a reserved job given back (released) is queued again with its runAtMs and no attempt counted', async (store) => {
      await store.enqueueJobs([newJob('job-1', { runAtMs: t0 + 1000 })]);
      await claimAhead(store, t0);
      const job = await completeAndRead(store, { jobId: 'job-1', fencingToken: 1, nowMs: t0 + 10, completion: { status: 'released' } });
      assert.equal(job.status, 'queued');
      assert.equal(job.runAtMs, t0 + 1000);
      assert.equal(job.attempt, 0);
      assert.equal(job.leaseOwner, null);
      assert.equal(job.leaseExpiresAtMs, null);
      const [again] = await claimAhead(store, t0 + 20, { nodeId: 'node-b' });
      assert.deepEqual([again?.id, again?.status, again?.fencingToken, again?.attempt], ['job-1', 'reserved', 2, 1]);
    });

    test('a reserved fire discarded at its instant is deleted and counted as skipped or missed on its schedule', async (store) => {
      const fires = await reservedFires(store, 'sched-1', [t0 + 1000, t0 + 2000]);
      assert.equal((await store.getSchedule('sched-1'))?.firedCount, 2);
      await completeJob(store, { jobId: fires[0]!.id, fencingToken: 1, nowMs: t0 + 1000, completion: { status: 'discarded', countAs: 'skipped' } });
      await completeJob(store, { jobId: fires[1]!.id, fencingToken: 1, nowMs: t0 + 2500, completion: { status: 'discarded', countAs: 'missed' } });
      assert.equal(await store.getJob(fires[0]!.id), null);
      assert.equal(await store.getJob(fires[1]!.id), null);
      const schedule = await store.getSchedule('sched-1');
      assert.equal(schedule?.firedCount, 0);
      assert.equal(schedule?.skippedCount, 1);
      assert.equal(schedule?.missedCount, 1);
      const [stale] = await store.completeJobs([{ jobId: fires[0]!.id, fencingToken: 1, nowMs: t0 + 3000, completion: { status: 'released' } }]);
      assert.equal(stale?.completed, false);
    });

    test('a reserved job whose lease ran out (its node died) is found by findExpiredLeases', async (store) => {
      await store.enqueueJobs([newJob('job-1', { runAtMs: t0 + 1000 })]);
      await claimAhead(store, t0);
      assert.deepEqual(await store.findExpiredLeases({ nowMs: t0 + 1000 + leaseMs - 1, limit: 10 }), []);
      const [expired] = await store.findExpiredLeases({ nowMs: t0 + 1000 + leaseMs, limit: 10 });
      assert.deepEqual([expired?.id, expired?.status, expired?.leaseOwner], ['job-1', 'reserved', 'node-a']);
      assert.ok((await store.nextWakeAtMs())! <= t0 + 1000 + leaseMs);
    });

    test('cancelling a reserved job: not due yet, cancelled at once; due (it may have started), cancel requested', async (store) => {
      await store.enqueueJobs([newJob('job-later', { runAtMs: t0 + 1000 }), newJob('job-soon', { runAtMs: t0 + 100 })]);
      await claimAhead(store, t0);
      const later = await store.cancelJob({ jobId: 'job-later', nowMs: t0 + 50, reason: 'not needed' });
      assert.equal(later?.status, 'cancelled');
      assert.equal(later?.error?.message, 'not needed');
      assert.equal(later?.leaseOwner, null);
      const soon = await store.cancelJob({ jobId: 'job-soon', nowMs: t0 + 150, reason: 'stop' });
      assert.equal(soon?.status, 'reserved');
      assert.equal(soon?.cancelRequested, true);
      const renewals = await store.renewLeases({
        nodeId: 'node-a',
        nowMs: t0 + 160,
        leaseMs,
        leases: [
          { jobId: 'job-later', fencingToken: 1 },
          { jobId: 'job-soon', fencingToken: 1, startedAtMs: t0 + 100 },
        ],
      });
      assert.deepEqual(renewals, [
        { jobId: 'job-later', held: false, cancelRequested: false },
        { jobId: 'job-soon', held: true, cancelRequested: true },
      ]);
    });

    test('releaseSchedules with reserve creates the fires reserved by that node, answered as reservations', async (store) => {
      const created = await reservedFires(store, 'sched-1', [t0 + 500, t0 + 1500]);
      assert.deepEqual(
        created.map((job) => [job.id, job.status, job.fireAtMs, job.attempt, job.fencingToken, job.leaseExpiresAtMs]),
        [
          ['sched-1-job-0', 'reserved', t0 + 500, 1, 1, t0 + 500 + leaseMs],
          ['sched-1-job-1', 'reserved', t0 + 1500, 1, 1, t0 + 1500 + leaseMs],
        ],
      );
      const stored = await store.getJob('sched-1-job-0');
      assert.deepEqual([stored?.status, stored?.leaseOwner, stored?.attempt], ['reserved', 'node-a', 0]);
      // A fire due already is reserved too: its node starts it at once.
      const due = await reservedFires(store, 'sched-2', [t0 - 10], t0);
      assert.deepEqual(due.map((job) => [job.status, job.leaseExpiresAtMs]), [['reserved', t0 - 10 + leaseMs]]);
    });

    test('acquireDueSchedules with horizonMs takes the schedules due within the look-ahead only', async (store) => {
      await store.upsertSchedule(scheduleWrite('soon', { nextFireAtMs: t0 + 1500 }));
      await store.upsertSchedule(scheduleWrite('later', { nextFireAtMs: t0 + 2500 }));
      await store.upsertSchedule(scheduleWrite('due', { nextFireAtMs: t0 - 1 }));
      assert.deepEqual((await store.acquireDueSchedules({ nodeId: 'n', nowMs: t0, leaseMs, limit: 10 })).map((a) => a.schedule.id), ['due']);
      assert.deepEqual((await store.acquireDueSchedules({ nodeId: 'n', nowMs: t0, leaseMs, limit: 10, horizonMs: 2000 })).map((a) => a.schedule.id), ['soon']);
    });

    test('pausing a schedule deletes its reservations not due yet, and moves its next fire back to the earliest', async (store) => {
      const fires = await reservedFires(store, 'sched-1', [t0 + 500, t0 + 1000, t0 + 1500]);
      const paused = await store.updateSchedule('sched-1', { paused: true }, t0 + 700);
      assert.equal(paused?.paused, true);
      assert.equal(paused?.nextFireAtMs, t0 + 1000);
      assert.equal(paused?.firedCount, 1);
      assert.equal((await store.getJob(fires[0]!.id))?.status, 'reserved', 'a reservation due already may have started: it stays');
      assert.equal(await store.getJob(fires[1]!.id), null);
      assert.equal(await store.getJob(fires[2]!.id), null);
      const renewals = await store.renewLeases({ nodeId: 'node-a', nowMs: t0 + 710, leaseMs, leases: fires.map((job) => ({ jobId: job.id, fencingToken: 1 })) });
      assert.deepEqual(renewals.map((r) => r.held), [true, false, false]);
    });

    test('a changed definition deletes the reservations not due yet; an unchanged one keeps them', async (store) => {
      const fires = await reservedFires(store, 'sched-1', [t0 + 500, t0 + 1000]);
      const same = await store.upsertSchedule(scheduleWrite('sched-1', { nextFireAtMs: t0, keepNextFire: true, nowMs: t0 + 100 }));
      assert.equal(same.nextFireAtMs, t0 + 1000 + 60_000, 'an unchanged schedule keeps its next fire');
      assert.equal((await store.getJob(fires[0]!.id))?.status, 'reserved');
      assert.equal((await store.getJob(fires[1]!.id))?.status, 'reserved');

      const edited = await store.upsertSchedule(scheduleWrite('sched-1', { data: { v: 2 }, nextFireAtMs: t0, keepNextFire: true, nowMs: t0 + 200 }));
      assert.equal(await store.getJob(fires[0]!.id), null);
      assert.equal(await store.getJob(fires[1]!.id), null);
      assert.equal(edited.nextFireAtMs, t0 + 500, 'the fires are planned again under the new definition');
      assert.equal(edited.firedCount, 0);
    });

    test('removing a schedule deletes its reservations not due yet; a due one stays', async (store) => {
      const fires = await reservedFires(store, 'sched-1', [t0 + 500, t0 + 1000]);
      assert.equal(await store.removeSchedule('sched-1', t0 + 600), true);
      assert.equal((await store.getJob(fires[0]!.id))?.status, 'reserved');
      assert.equal(await store.getJob(fires[1]!.id), null);
    });

    test('a handler ending its schedule (endSchedule) deletes its reservations not due yet with it', async (store) => {
      const fires = await reservedFires(store, 'sched-1', [t0 + 500, t0 + 1000, t0 + 1500]);
      await completeJob(store, {
        jobId: fires[0]!.id,
        fencingToken: 1,
        nowMs: t0 + 600,
        startedAtMs: t0 + 500,
        completion: { status: 'succeeded', result: null },
        endSchedule: true,
      });
      assert.equal(await store.getSchedule('sched-1'), null);
      assert.equal((await store.getJob(fires[0]!.id))?.status, 'succeeded');
      assert.equal(await store.getJob(fires[1]!.id), null);
      assert.equal(await store.getJob(fires[2]!.id), null);
    });

    peerTest('two instances reserving ahead at once never reserve the same job', async (store, peer) => {
      await store.enqueueJobs(Array.from({ length: 40 }, (_, i) => newJob(`job-${String(i).padStart(2, '0')}`, { runAtMs: t0 + 100 + i })));
      const batches = await Promise.all(
        Array.from({ length: 8 }, (_, i) => claimAhead(i % 2 === 0 ? store : peer, t0, { nodeId: `node-${i}`, aheadLimit: 5 })),
      );
      const ids = batches.flat().map((job) => job.id);
      assert.equal(new Set(ids).size, ids.length);
      assert.equal(ids.length, 40);
    });
  });

  describe('completeAndClaim', () => {
    test('applies the completions, then claims, in one call', async (store) => {
      await store.enqueueJobs([newJob('job-1'), newJob('job-2'), newJob('job-3'), newJob('job-4', { runAtMs: t0 + 500 })]);
      const [first, second] = await store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 2, tasks });
      const result = await store.completeAndClaim({
        completions: [
          { jobId: first!.id, fencingToken: first!.fencingToken, nowMs: t0 + 5, completion: { status: 'succeeded', result: 1 } },
          { jobId: second!.id, fencingToken: second!.fencingToken + 1, nowMs: t0 + 5, completion: { status: 'succeeded', result: 2 } },
        ],
        claim: { nodeId: 'node-a', nowMs: t0 + 5, leaseMs, limit: 5, tasks, aheadMs: 1000, aheadLimit: 5 },
      });
      assert.deepEqual(result.completed, [
        { jobId: 'job-1', completed: true },
        { jobId: 'job-2', completed: false },
      ]);
      assert.deepEqual(result.claimed.map((job) => [job.id, job.status]), [
        ['job-3', 'running'],
        ['job-4', 'reserved'],
      ]);
      assert.equal((await store.getJob('job-1'))?.status, 'succeeded');
      assert.equal((await store.getJob('job-2'))?.status, 'running');
    });

    test('with nothing to complete it is a claim, and with nothing to claim a completion', async (store) => {
      await store.enqueueJobs([newJob('job-1')]);
      const claimed = await store.completeAndClaim({ completions: [], claim: { nodeId: 'n', nowMs: t0, leaseMs, limit: 1, tasks } });
      assert.deepEqual(claimed.completed, []);
      assert.deepEqual(claimed.claimed.map((job) => job.id), ['job-1']);
      const completed = await store.completeAndClaim({
        completions: [{ jobId: 'job-1', fencingToken: 1, nowMs: t0 + 1, completion: { status: 'succeeded', result: null } }],
        claim: { nodeId: 'n', nowMs: t0 + 1, leaseMs, limit: 0, tasks },
      });
      assert.deepEqual(completed, { completed: [{ jobId: 'job-1', completed: true }], claimed: [] });
    });
  });
}
