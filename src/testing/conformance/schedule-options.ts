import assert from 'node:assert/strict';
import type { ScheduleRecord } from '../../domain/schedule.ts';
import type { CronTriggerSpec } from '../../domain/trigger.ts';
import { leaseMs, newJob, scheduleWrite, t0 } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

// A schedule's options come back as written from every read a node makes: what the API shows
// (getSchedule, listSchedules) and what fire planning reads (acquireDueSchedules). An option a
// store drops there is silently replaced by its default in planFires.

const strictCron: CronTriggerSpec = { type: 'cron', expr: '0 30 2 * * *', tz: 'Europe/Berlin', dst: 'strict', startAtMs: null, endAtMs: null, jitterMs: 0 };

/** The options under test, as every read of the schedule must show them. */
function options(record: ScheduleRecord | null | undefined): { catchUpLimit: number; overlap: string; trigger: unknown } | undefined {
  return record ? { catchUpLimit: record.catchUpLimit, overlap: record.overlap, trigger: record.trigger } : undefined;
}

export function defineScheduleOptionTests({ describe, test }: SuiteApi): void {
  describe('schedule options round trip', () => {
    test("catchUpLimit, overlap and a cron trigger's dst survive upsert, getSchedule, listSchedules and acquireDueSchedules", async (store) => {
      const written = await store.upsertSchedule(scheduleWrite('sched-1', { trigger: strictCron, catchUpLimit: 7, overlap: 'bufferAll', nextFireAtMs: t0 }));
      const expected = { catchUpLimit: 7, overlap: 'bufferAll', trigger: strictCron };
      assert.deepEqual(options(written), expected, 'upsertSchedule');
      assert.deepEqual(options(await store.getSchedule('sched-1')), expected, 'getSchedule');
      assert.deepEqual(options((await store.listSchedules()).find(({ id }) => id === 'sched-1')), expected, 'listSchedules');
      const [acquired] = await store.acquireDueSchedules({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 10 });
      assert.deepEqual(options(acquired?.schedule), expected, 'acquireDueSchedules');
    });

    test('a write without catchUpLimit stores 1000; a replacement changes it', async (store) => {
      assert.equal((await store.upsertSchedule(scheduleWrite('sched-1')))?.catchUpLimit, 1000);
      assert.equal((await store.getSchedule('sched-1'))?.catchUpLimit, 1000);
      await store.upsertSchedule(scheduleWrite('sched-1', { catchUpLimit: 25, keepNextFire: true, nowMs: t0 - 30_000 }));
      assert.equal((await store.getSchedule('sched-1'))?.catchUpLimit, 25);
      const [acquired] = await store.acquireDueSchedules({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 10 });
      assert.equal(acquired?.schedule.catchUpLimit, 25);
    });

    test("a write without overlap stores 'skip'; a replacement that changes only overlap keeps the reservations", async (store) => {
      assert.equal((await store.upsertSchedule(scheduleWrite('sched-1', { nextFireAtMs: t0 })))?.overlap, 'skip');
      assert.equal((await store.getSchedule('sched-1'))?.overlap, 'skip');
      const [leased] = await store.acquireDueSchedules({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 10 });
      const fireAtMs = t0 + 60_000;
      const [released] = await store.releaseSchedules([
        {
          scheduleId: 'sched-1',
          leaseToken: leased!.leaseToken,
          nowMs: t0,
          nextFireAtMs: t0 + 120_000,
          lastFireAtMs: fireAtMs,
          jobs: [newJob('fire-1', { origin: 'schedule', scheduleId: 'sched-1', fireAtMs, runAtMs: fireAtMs })],
          skipped: 0,
          missed: 0,
          end: false,
          reserve: { nodeId: 'node-a', leaseMs },
        },
      ]);
      assert.equal(released?.created.length, 1);
      await store.upsertSchedule(scheduleWrite('sched-1', { overlap: 'cancelOther', keepNextFire: true, nextFireAtMs: t0, nowMs: t0 + 1 }));
      const after = await store.getSchedule('sched-1');
      assert.equal(after?.overlap, 'cancelOther');
      assert.equal(after?.firedCount, 1, 'not a definition change: the reservation stays');
      assert.equal((await store.listJobs({ scheduleId: 'sched-1', status: 'reserved' })).length, 1);
      const [acquired] = await store.acquireDueSchedules({ nodeId: 'node-a', nowMs: t0 + 120_000, leaseMs, limit: 10 });
      assert.equal(acquired?.schedule.overlap, 'cancelOther');
    });

    test('a release counts its `buffered` fires (jobs created before it) as fired, with the jobs it creates', async (store) => {
      await store.upsertSchedule(scheduleWrite('sched-1', { overlap: 'bufferAll', nextFireAtMs: t0 }));
      const [leased] = await store.acquireDueSchedules({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: 10 });
      const request = { scheduleId: 'sched-1', leaseToken: leased!.leaseToken, nowMs: t0, nextFireAtMs: t0 + 60_000, lastFireAtMs: t0, skipped: 1, missed: 0, end: false };
      const [released] = await store.releaseSchedules([{ ...request, jobs: [newJob('fire-1', { origin: 'schedule', scheduleId: 'sched-1', fireAtMs: t0 })], buffered: 2 }]);
      assert.equal(released?.released, true);
      const after = await store.getSchedule('sched-1');
      assert.deepEqual([after?.firedCount, after?.skippedCount], [3, 1]);
    });

    test('upsertSchedules, where the store has it, stores each write its own catchUpLimit', async (store) => {
      if (store.upsertSchedules === undefined) return;
      const written = await store.upsertSchedules([
        scheduleWrite('a', { catchUpLimit: 3, overlap: 'bufferOne' }),
        scheduleWrite('b', { trigger: strictCron }),
        scheduleWrite('c', { catchUpLimit: 100_000 }),
      ]);
      assert.deepEqual(written.map((record) => [record.id, record.catchUpLimit]), [['a', 3], ['b', 1000], ['c', 100_000]]);
      assert.deepEqual(written.map((record) => record.overlap), ['bufferOne', 'skip', 'skip']);
      const listed = await store.listSchedules();
      assert.deepEqual(listed.map((record) => [record.id, record.catchUpLimit, record.trigger.type === 'cron' ? record.trigger.dst : null]), [
        ['a', 3, null],
        ['b', 1000, 'strict'],
        ['c', 100_000, null],
      ]);
    });
  });
}
