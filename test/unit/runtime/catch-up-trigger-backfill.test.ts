import { afterEach, describe, expect, test } from 'vitest';
import { at, cron, every, task, InvalidArgumentError, ScheduleBusyError, ScheduleNotFoundError } from '../../../src/index.ts';
import { planFires } from '../../../src/domain/fire-plan.ts';
import { createHarness, deferred, storeFactories, t0, type Harness } from './harness.ts';

const hourMs = 3_600_000;

describe.each(storeFactories)('catch-up limit, manual triggers and backfill on the %s store', (_name, makeStore) => {
  let h: Harness;
  afterEach(async () => {
    await h?.scheduler.stop({ timeout: 0 });
  });

  describe('catchUpLimit', () => {
    test('is stored with the schedule (1000 by default); anything but a positive integer is refused', async () => {
      h = createHarness(makeStore, { tasks: [task('noop', { run: () => {} })] });
      expect((await h.scheduler.schedule({ id: 'a', task: 'noop', trigger: every('1m') })).catchUpLimit).toBe(1000);
      await h.scheduler.schedule({ id: 'b', task: 'noop', trigger: every('1m'), catchUpLimit: 5 });
      expect((await h.scheduler.getSchedule('b'))?.catchUpLimit).toBe(5);
      for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10' as unknown as number, null as unknown as number]) {
        await expect(h.scheduler.schedule({ id: 'c', task: 'noop', trigger: every('1m'), catchUpLimit: bad })).rejects.toThrow(InvalidArgumentError);
      }
      await expect(h.scheduler.schedule({ id: 'c', task: 'noop', trigger: every('1m'), catchUpLimit: 0 })).rejects.toThrow(
        'Expected `catchUpLimit` of schedule "c" to be a positive integer, got 0',
      );
      expect(await h.scheduler.getSchedule('c')).toBeNull();
    });

    test("planFires considers only the schedule's newest catchUpLimit fires after a downtime", async () => {
      const fires: Array<number | null> = [];
      h = createHarness(makeStore, { tasks: [task('tick', { run: ({ job }) => void fires.push(job.fireAtMs) })] });
      await h.scheduler.schedule({ id: 'tick', task: 'tick', trigger: every('1s'), coalesce: 'all', maxRunning: null, catchUpLimit: 3 });
      // Down for ten fires, then a node starts.
      await h.clock.advance('10s');
      await h.scheduler.start();
      await h.clock.advance(0);
      expect(fires).toEqual([t0 + 8_000, t0 + 9_000, t0 + 10_000]);
      expect((await h.scheduler.getSchedule('tick'))?.missedCount).toBe(7);

      // The pure plan reads the limit from the schedule, unless the input gives one.
      const schedule = (await h.scheduler.getSchedule('tick'))!;
      const due = { ...schedule, nextFireAtMs: t0, lastFireAtMs: null };
      expect(planFires({ schedule: due, nowMs: t0 + 9_000, activeJobs: 0 })).toMatchObject({ run: [t0 + 7_000, t0 + 8_000, t0 + 9_000], missedUnlisted: 7 });
      expect(planFires({ schedule: due, nowMs: t0 + 9_000, activeJobs: 0, maxCatchUp: 1 })).toMatchObject({ run: [t0 + 9_000], missedUnlisted: 9 });
    });
  });

  describe('trigger', () => {
    test('refuses with ScheduleBusyError while the schedule has maxRunning active jobs, unless overlap is allowed', async () => {
      const gate = deferred();
      let started = 0;
      h = createHarness(makeStore, { tasks: [task('slow', { run: async () => { started++; await gate.promise; } })] });
      await h.scheduler.start();
      await h.scheduler.schedule({ id: 's', task: 'slow', trigger: every('1h'), maxRunning: 1 });
      const first = await h.scheduler.trigger('s');
      await h.clock.advance(0);
      expect(started).toBe(1);

      const refused = await h.scheduler.trigger('s').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ScheduleBusyError);
      expect(refused).toMatchObject({ code: 'SCHEDULE_BUSY', scheduleId: 's', activeJobs: 1, maxRunning: 1 });
      expect((await h.scheduler.listJobs({ scheduleId: 's' })).map((job) => job.id)).toEqual([first.id]);

      const allowed = await h.scheduler.trigger('s', { overlap: 'allow' });
      expect(allowed).toMatchObject({ origin: 'manual', scheduleId: 's' });
      await h.clock.advance(0);
      expect(started).toBe(2);
      await expect(h.scheduler.trigger('s', { overlap: 'sometimes' as 'allow' })).rejects.toThrow(InvalidArgumentError);

      gate.resolve();
      await h.clock.advance('1s');
      // Both finished: a trigger starts a job again.
      expect((await h.scheduler.trigger('s')).origin).toBe('manual');
    });

    test('counts queued jobs too (a client that runs nothing); maxRunning null never refuses', async () => {
      h = createHarness(makeStore);
      await h.scheduler.schedule({ id: 'two', task: 'remote', trigger: every('1h'), maxRunning: 2 });
      await h.scheduler.trigger('two');
      await h.scheduler.trigger('two');
      await expect(h.scheduler.trigger('two')).rejects.toMatchObject({ activeJobs: 2, maxRunning: 2 });
      await h.scheduler.schedule({ id: 'free', task: 'remote', trigger: every('1h'), maxRunning: null });
      for (let i = 0; i < 3; i++) await h.scheduler.trigger('free');
      expect(await h.scheduler.listJobs({ scheduleId: 'free' })).toHaveLength(3);
      await expect(h.scheduler.trigger('nope')).rejects.toBeInstanceOf(ScheduleNotFoundError);
    });
  });

  describe('backfill', () => {
    test("creates the trigger's past fires once each: not those that ran live, none on a second call; the schedule is untouched", async () => {
      const fires: Array<number | null> = [];
      h = createHarness(makeStore, { tasks: [task('report', { run: ({ job }) => void fires.push(job.fireAtMs) })] });
      await h.scheduler.start();
      await h.scheduler.schedule({ id: 'r', task: 'report', trigger: every('1h'), data: { region: 'eu' }, priority: 3 });
      await h.clock.advance('2h');
      expect(fires).toEqual([t0 + hourMs, t0 + 2 * hourMs]);
      const before = (await h.scheduler.getSchedule('r'))!;

      // The live grid (t0 + k hours) extended into the past; the last two fires ran live.
      const result = await h.scheduler.backfill('r', { from: new Date(t0 - 5 * hourMs - 1), to: t0 + 2 * hourMs });
      expect(result).toEqual({ created: 6, existing: 2 });
      const jobs = await h.scheduler.listJobs({ scheduleId: 'r', limit: 100 });
      expect(jobs.map((job) => job.fireAtMs).sort((a, b) => a! - b!)).toEqual([-5, -4, -3, -2, -1, 0, 1, 2].map((k) => t0 + k * hourMs));
      const backfilled = jobs.filter((job) => job.fireAtMs! <= t0);
      expect(backfilled.every((job) => job.origin === 'schedule' && job.task === 'report' && job.priority === 3 && JSON.stringify(job.data) === '{"region":"eu"}')).toBe(true);

      await h.clock.advance(0);
      expect(fires.slice(2).sort((a, b) => a! - b!)).toEqual([-5, -4, -3, -2, -1, 0].map((k) => t0 + k * hourMs));
      expect(await h.scheduler.backfill('r', { from: t0 - 5 * hourMs, to: t0 + 2 * hourMs })).toEqual({ created: 0, existing: 8 });
      const after = (await h.scheduler.getSchedule('r'))!;
      expect([after.nextFireAtMs, after.lastFireAtMs, after.firedCount, after.skippedCount, after.missedCount]).toEqual([
        before.nextFireAtMs, before.lastFireAtMs, before.firedCount, before.skippedCount, before.missedCount,
      ]);
      // Live firing goes on as before.
      await h.clock.advance('1h');
      expect(fires.at(-1)).toBe(t0 + 3 * hourMs);
      expect(fires).toHaveLength(9);
    });

    test('cron and date triggers: the fires within [from, to], both ends included', async () => {
      h = createHarness(makeStore);
      await h.clock.advance('6h');
      await h.scheduler.schedule({ id: 'hourly', task: 'remote', trigger: cron('0 * * * *') });
      expect(await h.scheduler.backfill('hourly', { from: t0 + hourMs, to: t0 + 4 * hourMs })).toEqual({ created: 4, existing: 0 });
      expect((await h.scheduler.listJobs({ scheduleId: 'hourly' })).map((job) => job.fireAtMs).sort()).toEqual([1, 2, 3, 4].map((k) => t0 + k * hourMs));
      await h.scheduler.schedule({ id: 'once', task: 'remote', trigger: at(new Date(t0 + 7 * hourMs)) });
      expect(await h.scheduler.backfill('once', { from: t0, to: t0 + 6 * hourMs })).toEqual({ created: 0, existing: 0 });
      await h.clock.advance('2h');
      expect(await h.scheduler.backfill('once', { from: t0, to: t0 + 7 * hourMs })).toEqual({ created: 1, existing: 0 });
    });

    test('refuses a range in the future, reversed, not a time, or with more than 10,000 fires, and creates nothing', async () => {
      h = createHarness(makeStore);
      await h.scheduler.schedule({ id: 'sec', task: 'remote', trigger: every('1s') });
      await h.clock.advance('3h');
      const now = h.clock.now();
      const refused: Array<[object, string]> = [
        [{ from: now - 1_000, to: now + 1 }, 'to be in the past'],
        [{ from: now, to: now - 1 }, 'to be at or before'],
        [{ from: new Date(Number.NaN), to: now }, 'valid Date or epoch milliseconds'],
        [{ from: now - 10_000_000, to: now }, 'more than 10000 fires'],
      ];
      for (const [range, message] of refused) {
        await expect(h.scheduler.backfill('sec', range as { from: number; to: number })).rejects.toThrow(message);
      }
      expect(await h.scheduler.listJobs({ scheduleId: 'sec' })).toHaveLength(0);
      // Exactly 10,000 is allowed.
      expect(await h.scheduler.backfill('sec', { from: now - 9_999_000, to: now })).toEqual({ created: 10_000, existing: 0 });
      await expect(h.scheduler.backfill('nope', { from: now - 1, to: now })).rejects.toBeInstanceOf(ScheduleNotFoundError);
    });
  });
});
