import assert from 'node:assert/strict';
import type { ScheduleRecord } from '../../domain/schedule.ts';
import { fireJob, leaseMs, releaseRequest, scheduleWrite, t0 } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';
import { releaseSchedule } from '../../store/single-calls.ts';

export function defineScheduleTests({ describe, test }: SuiteApi): void {
  describe('schedules', () => {
    test('upsertSchedule inserts a new schedule with zeroed counters and no lease', async (store) => {
      const write = scheduleWrite('sched-1', { priority: 5, maxRunning: 2, misfireGraceMs: 1000, coalesce: 'all', nowMs: t0 - 5 });
      const record = await store.upsertSchedule(write);
      const expected: ScheduleRecord = {
        id: 'sched-1',
        task: 'task-a',
        data: { from: 'sched-1' },
        trigger: write.trigger,
        priority: 5,
        maxRunning: 2,
        misfireGraceMs: 1000,
        coalesce: 'all',
        catchUpLimit: 1000,
        overlap: 'skip',
        paused: false,
        nextFireAtMs: t0,
        lastFireAtMs: null,
        createdAtMs: t0 - 5,
        updatedAtMs: t0 - 5,
        leaseOwner: null,
        leaseExpiresAtMs: null,
        leaseToken: 0,
        firedCount: 0,
        skippedCount: 0,
        missedCount: 0,
      };
      assert.deepEqual(record, expected);
      assert.deepEqual(await store.getSchedule('sched-1'), expected);
    });

    test('upsertSchedule with keepNextFire keeps the stored next fire when the stored trigger is the same', async (store) => {
      const trigger = { type: 'cron', expr: '*/5 * * * *', tz: 'Europe/Berlin', dst: 'strict', startAtMs: null, endAtMs: null, jitterMs: 0 } as const;
      await store.upsertSchedule(scheduleWrite('sched-1', { trigger, nextFireAtMs: t0 }));
      // Another node fired it meanwhile: its next fire moved on.
      const [acquired] = await store.acquireDueSchedules({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 1 });
      await releaseSchedule(store, releaseRequest('sched-1', acquired!.leaseToken, { nextFireAtMs: t0 + 300_000 }));
      // A node that read the schedule before that writes it back with the next fire it read.
      const kept = await store.upsertSchedule(scheduleWrite('sched-1', { trigger: { ...trigger }, nextFireAtMs: t0, keepNextFire: true, data: { v: 2 } }));
      assert.equal(kept.nextFireAtMs, t0 + 300_000);
      assert.deepEqual(kept.data, { v: 2 });
      // Another trigger takes the given next fire, keepNextFire or not.
      const moved = await store.upsertSchedule(scheduleWrite('sched-1', { trigger: { ...trigger, expr: '*/10 * * * *' }, nextFireAtMs: t0 + 600_000, keepNextFire: true }));
      assert.equal(moved.nextFireAtMs, t0 + 600_000);
      // Without keepNextFire the write's next fire stands.
      assert.equal((await store.upsertSchedule(scheduleWrite('sched-1', { trigger: { ...trigger, expr: '*/10 * * * *' }, nextFireAtMs: t0 + 1 }))).nextFireAtMs, t0 + 1);
      // A new schedule takes the given next fire.
      assert.equal((await store.upsertSchedule(scheduleWrite('sched-2', { trigger, nextFireAtMs: t0 + 7, keepNextFire: true }))).nextFireAtMs, t0 + 7);
    });

    test('upsertSchedule with paused null keeps the stored flag, and a new schedule starts unpaused', async (store) => {
      assert.equal((await store.upsertSchedule(scheduleWrite('sched-1', { paused: null }))).paused, false);
      await store.updateSchedule('sched-1', { paused: true }, t0);
      assert.equal((await store.upsertSchedule(scheduleWrite('sched-1', { paused: null, priority: 3 }))).paused, true);
      assert.equal((await store.upsertSchedule(scheduleWrite('sched-1', { paused: false }))).paused, false);
      assert.equal((await store.upsertSchedule(scheduleWrite('sched-1', { paused: true }))).paused, true);
    });

    test('upsertSchedule round-trips every trigger type exactly', async (store) => {
      const triggers = [
        { type: 'date', runAtMs: t0 + 1 },
        { type: 'interval', everyMs: 1500, startAtMs: t0, endAtMs: t0 + 10_000, jitterMs: 250 },
        { type: 'cron', expr: '0 */5 * * * *', tz: 'Europe/Paris', startAtMs: null, endAtMs: null, jitterMs: 0 },
        { type: 'cron', expr: '30 2 * * *', tz: 'America/New_York', dst: 'strict', startAtMs: t0, endAtMs: t0 + 86_400_000 * 30, jitterMs: 1000 },
        { type: 'cron', expr: '30 2 * * *', tz: null, dst: 'vixie', startAtMs: null, endAtMs: null, jitterMs: 0 },
      ] as const;
      for (const [i, trigger] of triggers.entries()) {
        await store.upsertSchedule(scheduleWrite(`sched-${i}`, { trigger: { ...trigger } }));
        assert.deepEqual((await store.getSchedule(`sched-${i}`))?.trigger, trigger);
      }
    });

    test('upsertSchedule of an existing id replaces the definition and keeps createdAtMs, counters, lastFireAtMs and lease', async (store) => {
      await store.upsertSchedule(scheduleWrite('sched-1', { nowMs: t0 - 100 }));
      const [acquired] = await store.acquireDueSchedules({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 10 });
      assert.ok(acquired);
      await releaseSchedule(store, 
        releaseRequest('sched-1', acquired.leaseToken, { jobs: [fireJob('job-1', 'sched-1', t0)], skipped: 2, missed: 3, lastFireAtMs: t0 }),
      );
      const [again] = await store.acquireDueSchedules({ nodeId: 'node-a', nowMs: t0 + 60_000, leaseMs, limit: 10 });
      assert.ok(again);

      const replacement = scheduleWrite('sched-1', {
        task: 'task-b',
        data: { v: 2 },
        trigger: { type: 'cron', expr: '* * * * *', tz: null, startAtMs: null, endAtMs: null, jitterMs: 0 },
        priority: 7,
        maxRunning: 1,
        misfireGraceMs: 500,
        coalesce: 'earliest',
        paused: true,
        nextFireAtMs: t0 + 999,
        nowMs: t0 + 60_001,
      });
      const record = await store.upsertSchedule(replacement);
      assert.deepEqual(record, {
        id: 'sched-1',
        task: 'task-b',
        data: { v: 2 },
        trigger: replacement.trigger,
        priority: 7,
        maxRunning: 1,
        misfireGraceMs: 500,
        coalesce: 'earliest',
        catchUpLimit: 1000,
        overlap: 'skip',
        paused: true,
        nextFireAtMs: t0 + 999,
        lastFireAtMs: t0,
        createdAtMs: t0 - 100,
        updatedAtMs: t0 + 60_001,
        leaseOwner: 'node-a',
        leaseExpiresAtMs: t0 + 60_000 + leaseMs,
        leaseToken: again.leaseToken,
        firedCount: 1,
        skippedCount: 2,
        missedCount: 3,
      } satisfies ScheduleRecord);
      assert.deepEqual(await store.getSchedule('sched-1'), record);
      assert.equal((await store.listSchedules()).length, 1, 'upsert duplicated the schedule');
    });

    test('upsertSchedules, where the store has it, writes each as upsertSchedule would, in order', async (store) => {
      if (store.upsertSchedules === undefined) return;
      const trigger = { type: 'interval', everyMs: 60_000, startAtMs: null, endAtMs: null, jitterMs: 0 } as const;
      await store.upsertSchedule(scheduleWrite('b', { trigger, nextFireAtMs: t0 + 60_000, nowMs: t0 - 10 }));
      await store.updateSchedule('b', { paused: true }, t0 - 10);
      const written = await store.upsertSchedules([
        scheduleWrite('c', { nextFireAtMs: t0 + 5, nowMs: t0 }),
        scheduleWrite('b', { trigger: { ...trigger }, nextFireAtMs: t0 + 1, keepNextFire: true, paused: null, data: { v: 2 }, nowMs: t0 }),
        scheduleWrite('a', { paused: true, nowMs: t0 }),
      ]);
      assert.deepEqual(
        written.map((s) => [s.id, s.nextFireAtMs, s.paused, s.createdAtMs, s.data]),
        [
          ['c', t0 + 5, false, t0, { from: 'c' }],
          ['b', t0 + 60_000, true, t0 - 10, { v: 2 }],
          ['a', t0, true, t0, { from: 'a' }],
        ],
      );
      assert.deepEqual(await store.getSchedule('b'), written[1]);
      assert.deepEqual(await store.upsertSchedules([]), []);
    });

    test('getSchedule of an unknown id returns null', async (store) => {
      assert.equal(await store.getSchedule('nope'), null);
    });

    test('listSchedules is ordered by id ascending', async (store) => {
      for (const id of ['s-c', 's-a', 's-b']) await store.upsertSchedule(scheduleWrite(id));
      assert.deepEqual((await store.listSchedules()).map((s) => s.id), ['s-a', 's-b', 's-c']);
    });

    test('listSchedules filters by task, paused and idPrefix', async (store) => {
      await store.upsertSchedule(scheduleWrite('a-1', { task: 'x' }));
      await store.upsertSchedule(scheduleWrite('a-2', { task: 'y', paused: true }));
      await store.upsertSchedule(scheduleWrite('b-1', { task: 'x', paused: true }));
      await store.upsertSchedule(scheduleWrite('ab-1', { task: 'y' }));
      const ids = async (query: Parameters<typeof store.listSchedules>[0]) => (await store.listSchedules(query)).map((s) => s.id);
      assert.deepEqual(await ids({ task: 'x' }), ['a-1', 'b-1']);
      assert.deepEqual(await ids({ paused: true }), ['a-2', 'b-1']);
      assert.deepEqual(await ids({ paused: false }), ['a-1', 'ab-1']);
      assert.deepEqual(await ids({ idPrefix: 'a-' }), ['a-1', 'a-2']);
      assert.deepEqual(await ids({ idPrefix: 'a' }), ['a-1', 'a-2', 'ab-1']);
      assert.deepEqual(await ids({ idPrefix: 'a', task: 'y', paused: false }), ['ab-1']);
    });

    test('listSchedules treats idPrefix literally (no wildcards)', async (store) => {
      await store.upsertSchedule(scheduleWrite('a%b'));
      await store.upsertSchedule(scheduleWrite('axb'));
      await store.upsertSchedule(scheduleWrite('a_c'));
      await store.upsertSchedule(scheduleWrite('abc'));
      assert.deepEqual((await store.listSchedules({ idPrefix: 'a%' })).map((s) => s.id), ['a%b']);
      assert.deepEqual((await store.listSchedules({ idPrefix: 'a_' })).map((s) => s.id), ['a_c']);
    });

    test('listSchedules pages with afterId and limit', async (store) => {
      for (let i = 1; i <= 5; i++) await store.upsertSchedule(scheduleWrite(`s-${i}`));
      assert.deepEqual((await store.listSchedules({ limit: 2 })).map((s) => s.id), ['s-1', 's-2']);
      assert.deepEqual((await store.listSchedules({ afterId: 's-2', limit: 2 })).map((s) => s.id), ['s-3', 's-4']);
      assert.deepEqual((await store.listSchedules({ afterId: 's-4', limit: 2 })).map((s) => s.id), ['s-5']);
      assert.deepEqual((await store.listSchedules({ afterId: 's-5' })).map((s) => s.id), []);
    });

    test('listSchedules returns at most 100 by default', async (store) => {
      for (let i = 0; i < 105; i++) await store.upsertSchedule(scheduleWrite(`s-${String(i).padStart(3, '0')}`));
      const page = await store.listSchedules();
      assert.equal(page.length, 100);
      assert.equal(page[99]?.id, 's-099');
    });

    test('removeSchedule returns true, then false; the schedule is gone and its jobs stay', async (store) => {
      await store.upsertSchedule(scheduleWrite('sched-1'));
      await store.enqueueJobs([fireJob('job-1', 'sched-1', t0)]);
      assert.equal(await store.removeSchedule('sched-1', t0), true);
      assert.equal(await store.getSchedule('sched-1'), null);
      assert.equal(await store.removeSchedule('sched-1', t0), false);
      const job = await store.getJob('job-1');
      assert.equal(job?.scheduleId, 'sched-1');
      assert.equal(job?.status, 'queued');
    });

    test('updateSchedule sets paused and nextFireAtMs, and updatedAtMs', async (store) => {
      await store.upsertSchedule(scheduleWrite('sched-1', { nowMs: t0 - 10 }));
      const paused = await store.updateSchedule('sched-1', { paused: true }, t0 + 1);
      assert.equal(paused?.paused, true);
      assert.equal(paused?.nextFireAtMs, t0, 'a patch without nextFireAtMs must keep it');
      assert.equal(paused?.updatedAtMs, t0 + 1);
      assert.equal(paused?.createdAtMs, t0 - 10);
      const moved = await store.updateSchedule('sched-1', { nextFireAtMs: t0 + 500 }, t0 + 2);
      assert.equal(moved?.paused, true, 'a patch without paused must keep it');
      assert.equal(moved?.nextFireAtMs, t0 + 500);
      const both = await store.updateSchedule('sched-1', { paused: false, nextFireAtMs: null }, t0 + 3);
      assert.equal(both?.paused, false);
      assert.equal(both?.nextFireAtMs, null);
      assert.deepEqual(await store.getSchedule('sched-1'), both);
    });

    test('updateSchedule of an unknown id returns null', async (store) => {
      assert.equal(await store.updateSchedule('nope', { paused: true }, t0), null);
      assert.equal(await store.getSchedule('nope'), null);
    });
  });
}
