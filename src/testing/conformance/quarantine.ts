import assert from 'node:assert/strict';
import type { ClaimedJob } from '../../store/store.ts';
import { Scheduler } from '../../runtime/scheduler.ts';
import { task } from '../../tasks/task.ts';
import { at } from '../../triggers/at.ts';
import { every } from '../../triggers/every.ts';
import { leaseMs, newJob, scheduleWrite, t0 } from './fixtures.ts';
import type { Garbage } from './damage.ts';
import type { SuiteApi } from './suite-api.ts';

const jobDamage: Array<{ field: 'data' | 'attempts' | 'error' | 'result'; garbage: Garbage }> = [
  { field: 'data', garbage: 'not-json' },
  { field: 'attempts', garbage: 'not-json' },
  { field: 'attempts', garbage: 'wrong-shape' },
  { field: 'error', garbage: 'wrong-shape' },
  { field: 'result', garbage: 'not-json' },
];

const scheduleDamage: Array<{ field: 'data' | 'trigger'; garbage: Garbage }> = [
  { field: 'data', garbage: 'not-json' },
  { field: 'trigger', garbage: 'not-json' },
  { field: 'trigger', garbage: 'wrong-shape' },
];

// One damaged record is isolated — named in `unreadable`, listed, quarantined by the runtime —
// and never a reason for a call, a listing or a node to fail.
export function defineQuarantineTests({ describe, damageTest }: SuiteApi): void {
  describe('damaged records', () => {
    for (const { field, garbage } of jobDamage) {
      damageTest(`a job with ${garbage} in \`${field}\` is read and listed with the field named; its neighbours are untouched`, async (store, damage) => {
        await store.enqueueJobs([newJob('job-1', { data: { n: 1 } }), newJob('job-2', { data: { n: 2 } }), newJob('job-3', { data: { n: 3 } })]);
        if (!(await damage(store, { kind: 'job', id: 'job-2', field, garbage }))) return;
        const damaged = await store.getJob('job-2');
        assert.equal(damaged?.unreadable?.[0]?.field, field, JSON.stringify(damaged?.unreadable));
        assert.equal((await store.getJob('job-1'))?.unreadable, undefined);
        assert.deepEqual((await store.getJob('job-3'))?.data, { n: 3 });
        assert.deepEqual((await store.listJobs()).map((job) => job.id).sort(), ['job-1', 'job-2', 'job-3']);
        assert.deepEqual((await store.listJobs({ updatedAfterMs: t0 - 1 })).map((job) => job.id).sort(), ['job-1', 'job-2', 'job-3']);
      });

      damageTest(`a claim hands out a job with ${garbage} in \`${field}\` flagged beside healthy ones, and it can be dead-lettered`, async (store, damage) => {
        await store.enqueueJobs(Array.from({ length: 5 }, (_, i) => newJob(`job-${i}`, { data: { n: i } })));
        if (!(await damage(store, { kind: 'job', id: 'job-2', field, garbage }))) return;
        const claimed = await store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 10, tasks: ['task-a'] });
        assert.deepEqual(claimed.map((job) => job.id), ['job-0', 'job-1', 'job-2', 'job-3', 'job-4']);
        assert.deepEqual(claimed.map((job) => job.unreadable !== undefined), [false, false, true, false, false]);
        const results = await store.completeJobs(
          claimed.map((job: ClaimedJob) => ({
            jobId: job.id,
            fencingToken: job.fencingToken,
            nowMs: t0 + 1,
            completion: job.unreadable
              ? { status: 'dead' as const, error: { name: 'CorruptRecordError', message: 'unreadable', code: 'CORRUPT_RECORD' } }
              : { status: 'succeeded' as const, result: null },
          })),
        );
        assert.deepEqual(results.map((result) => result.completed), [true, true, true, true, true]);
        assert.deepEqual(
          await Promise.all(claimed.map(async (job) => (await store.getJob(job.id))?.status)),
          ['succeeded', 'succeeded', 'dead', 'succeeded', 'succeeded'],
        );
        const dead = await store.getJob('job-2');
        assert.equal(dead?.status, 'dead');
        assert.equal(dead?.error?.code ?? (field === 'error' ? 'CORRUPT_RECORD' : undefined), 'CORRUPT_RECORD');
        assert.deepEqual((await store.listJobs({ status: 'dead' })).map((job) => job.id), ['job-2']);
      });
    }

    for (const { field, garbage } of scheduleDamage) {
      damageTest(`a due schedule with ${garbage} in \`${field}\` is acquired flagged beside healthy ones, listed, and can be paused`, async (store, damage) => {
        for (const id of ['sched-1', 'sched-2', 'sched-3']) await store.upsertSchedule(scheduleWrite(id));
        if (!(await damage(store, { kind: 'schedule', id: 'sched-2', field, garbage }))) return;
        const acquired = await store.acquireDueSchedules({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 10 });
        assert.deepEqual(acquired.map(({ schedule }) => [schedule.id, schedule.unreadable?.[0]?.field]), [
          ['sched-1', undefined],
          ['sched-2', field],
          ['sched-3', undefined],
        ]);
        assert.equal((await store.updateSchedule('sched-2', { paused: true }, t0))?.paused, true);
        assert.deepEqual((await store.listSchedules()).map((schedule) => [schedule.id, schedule.paused]), [
          ['sched-1', false],
          ['sched-2', true],
          ['sched-3', false],
        ]);
        assert.deepEqual(await store.listSchedules({ paused: true }).then((list) => list.map((s) => s.id)), ['sched-2']);
      });
    }

    damageTest('a node runs every healthy job and fires every healthy schedule beside damaged ones, which it quarantines', async (store, damage) => {
      const ran: string[] = [];
      const work = task<{ n: number }>('task-a', { run: ({ job }) => void ran.push(job.id) });
      // The real clock: a store of another process's kind is driven by real I/O; the test waits for events.
      const scheduler = new Scheduler({ store, tasks: [work], logger: 'silent', pollInterval: '50ms', nodeId: 'quarantine-node' });
      try {
        const jobs = await scheduler.enqueueMany(Array.from({ length: 20 }, (_, n) => ({ task: work, data: { n }, runAt: t0 })));
        const broken = await scheduler.enqueue({ task: work, data: { n: 99 }, runAt: t0 });
        const badJobField = (await damage(store, { kind: 'job', id: broken.id, field: 'data', garbage: 'not-json' })) ? 'data' : 'attempts';
        if (badJobField === 'attempts') assert.ok(await damage(store, { kind: 'job', id: broken.id, field: 'attempts', garbage: 'wrong-shape' }));
        const now = Date.now();
        await scheduler.schedule({ id: 'healthy-1', task: work, data: { n: 1 }, trigger: at(now) });
        await scheduler.schedule({ id: 'healthy-2', task: work, data: { n: 2 }, trigger: at(now) });
        await scheduler.schedule({ id: 'broken', task: work, data: { n: 3 }, trigger: every('1s', { startAt: now }) });
        assert.ok(await damage(store, { kind: 'schedule', id: 'broken', field: 'trigger', garbage: 'wrong-shape' }));

        const quarantined: string[] = [];
        const allQuarantined = new Promise<void>((resolve) => {
          scheduler.on('record.quarantined', ({ kind, id }) => {
            quarantined.push(`${kind}:${id}`);
            if (quarantined.length === 2) resolve();
          });
        });
        let succeeded = 0;
        const allRan = new Promise<void>((resolve) => {
          scheduler.on('job.succeeded', () => {
            if (++succeeded === jobs.length + 2) resolve();
          });
        });
        await scheduler.start();
        await Promise.all([allQuarantined, allRan]);

        assert.deepEqual(quarantined.sort(), [`job:${broken.id}`, 'schedule:broken']);
        assert.equal(ran.length, jobs.length + 2);
        assert.ok(!ran.includes(broken.id));
        const dead = await scheduler.getJob(broken.id);
        assert.equal(dead?.status, 'dead');
        assert.equal(dead?.error?.code, 'CORRUPT_RECORD');
        assert.match(dead?.error?.message ?? '', new RegExp(`${broken.id}.*\`${badJobField}\``));
        const pausedSchedule = await scheduler.getSchedule('broken');
        assert.equal(pausedSchedule?.paused, true);
        assert.equal(pausedSchedule?.unreadable?.[0]?.field, 'trigger');
        assert.equal((await scheduler.listSchedules()).length, 1); // at() schedules ended after firing
        assert.equal((await scheduler.listJobs({ limit: 100 })).length, jobs.length + 3);

        // Scheduling it again repairs it: it fires with its new definition.
        const repaired = scheduler.waitFor('schedule.fired', ({ scheduleId }) => scheduleId === 'broken');
        await scheduler.schedule({ id: 'broken', task: work, data: { n: 3 }, trigger: at(Date.now()) });
        await repaired;
      } finally {
        await scheduler.stop();
      }
    });
  });
}
