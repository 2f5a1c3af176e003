import { afterEach, describe, expect, test } from 'vitest';
import { at, cron, every, task, ScheduleNotFoundError } from '../../../src/index.ts';
import { jitterOffsetMs } from '../../../src/triggers/next-fire.ts';
import { createHarness, deferred, storeFactories, t0, type Harness } from './harness.ts';

describe.each(storeFactories)('schedules on the %s store', (_name, makeStore) => {
  let h: Harness;
  afterEach(async () => {
    await h?.scheduler.stop({ timeout: 0 });
  });

  test('an interval schedule fires once per interval, each job with its nominal fire time', async () => {
    const fires: Array<number | null> = [];
    const tick = task('tick', { run: ({ job }) => void fires.push(job.fireAtMs) });
    h = createHarness(makeStore, { tasks: [tick] });
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 'tick:1', task: 'tick', trigger: every('5s') });
    await h.clock.advance('16s');
    expect(fires).toEqual([t0 + 5_000, t0 + 10_000, t0 + 15_000]);
    expect(h.eventsOf('job.succeeded')).toHaveLength(3);
    expect((await h.scheduler.getSchedule('tick:1'))?.nextFireAtMs).toBe(t0 + 20_000);
  });

  test('scheduling the same id again replaces the schedule and keeps its next fire when the trigger is unchanged', async () => {
    h = createHarness(makeStore, { tasks: [task('noop', { run: () => {} })] });
    await h.scheduler.schedule({ id: 'a', task: 'noop', trigger: every('1m'), data: { v: 1 } });
    await h.clock.advance('30s');
    const again = await h.scheduler.schedule({ id: 'a', task: 'noop', trigger: every('1m'), data: { v: 2 } });
    expect(again.nextFireAtMs).toBe(t0 + 60_000);
    expect(again.data).toEqual({ v: 2 });
    const changed = await h.scheduler.schedule({ id: 'a', task: 'noop', trigger: every('2m') });
    expect(changed.nextFireAtMs).toBe(t0 + 30_000 + 120_000);
    expect(await h.scheduler.listSchedules()).toHaveLength(1);
  });

  test('a jittered schedule runs each job at its fire time plus its deterministic offset; an unjittered one at the fire time', async () => {
    const runs: Array<{ scheduleId: string | null; fireAtMs: number | null; runAtMs: number; ranAtMs: number }> = [];
    h = createHarness(makeStore, {
      tasks: [task('spread', { run: ({ job }) => void runs.push({ scheduleId: job.scheduleId, fireAtMs: job.fireAtMs, runAtMs: job.runAt.getTime(), ranAtMs: h.clock.now() }) })],
    });
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 'plain', task: 'spread', trigger: every('1m') });
    await h.scheduler.schedule({ id: 'jittered', task: 'spread', trigger: every('1m', { jitter: '30s' }) });
    await h.scheduler.schedule({ id: 'jittered-cron', task: 'spread', trigger: cron('* * * * *', { jitter: '20s' }) });
    const fireAtMs = t0 + 60_000;
    const offsetMs = jitterOffsetMs('jittered', fireAtMs, 30_000);
    const cronOffsetMs = jitterOffsetMs('jittered-cron', fireAtMs, 20_000);
    // The FNV-1a hash of "<schedule id>:<fire time>" scaled into [0, jitter] (checked by hand).
    expect([offsetMs, cronOffsetMs]).toEqual([14_005, 15_002]);

    await h.clock.advanceTo(fireAtMs);
    expect(runs).toEqual([{ scheduleId: 'plain', fireAtMs, runAtMs: fireAtMs, ranAtMs: fireAtMs }]);
    await h.clock.advanceTo(fireAtMs + offsetMs - 1);
    expect(runs).toHaveLength(1);
    await h.clock.advanceTo(fireAtMs + cronOffsetMs);
    expect(runs.slice(1)).toEqual([
      { scheduleId: 'jittered', fireAtMs, runAtMs: fireAtMs + offsetMs, ranAtMs: fireAtMs + offsetMs },
      { scheduleId: 'jittered-cron', fireAtMs, runAtMs: fireAtMs + cronOffsetMs, ranAtMs: fireAtMs + cronOffsetMs },
    ]);
    // The next fire of the jittered schedule is on the grid, not shifted by the jitter.
    expect((await h.scheduler.getSchedule('jittered'))?.nextFireAtMs).toBe(t0 + 120_000);
  });

  test('a cron schedule in a time zone fires at the local wall time', async () => {
    const fires: number[] = [];
    h = createHarness(makeStore, { tasks: [task('daily', { run: ({ job }) => void fires.push(job.fireAtMs!) })] });
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 'd', task: 'daily', trigger: cron('0 30 9 * * *', { tz: 'America/New_York' }) });
    await h.clock.advance('2d');
    // 09:30 in New York in January is 14:30 UTC.
    expect(fires).toEqual([Date.UTC(2026, 0, 1, 14, 30), Date.UTC(2026, 0, 2, 14, 30)]);
  });

  test('a one-shot schedule fires once and then ends', async () => {
    h = createHarness(makeStore, { tasks: [task('once', { run: () => 'done' })] });
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 'once', task: 'once', trigger: at(t0 + 1_000) });
    await h.clock.advance('5s');
    expect(h.eventsOf('job.succeeded').map((e) => e.result)).toEqual(['done']);
    expect(h.eventsOf('schedule.ended')).toEqual([{ scheduleId: 'once', reason: 'trigger-exhausted' }]);
    expect(await h.scheduler.getSchedule('once')).toBeNull();
  });

  test('with maxRunning 1, fires while the previous job still runs are skipped and counted', async () => {
    const release = deferred();
    let runs = 0;
    h = createHarness(makeStore, {
      tasks: [task('slow', { run: async () => { runs++; await release.promise; } })],
    });
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 's', task: 'slow', trigger: every('1s') });
    await h.clock.advance('3500ms');
    expect(runs).toBe(1);
    const skipped = h.eventsOf('schedule.skipped').flatMap((e) => e.fireAtMs);
    expect(skipped).toEqual([t0 + 2_000, t0 + 3_000]);
    expect((await h.scheduler.getSchedule('s'))?.skippedCount).toBe(2);
    release.resolve();
    await h.clock.advance('1s');
    expect(runs).toBe(2);
  });

  test('after downtime, fires older than the misfire grace are missed and the rest coalesce into one job', async () => {
    const fires: number[] = [];
    h = createHarness(makeStore, { tasks: [task('m', { run: ({ job }) => void fires.push(job.fireAtMs!) })] });
    await h.scheduler.schedule({ id: 'm', task: 'm', trigger: every('1m'), misfireGrace: '150s' });
    await h.clock.advance('10m'); // nobody runs: the scheduler has not started
    await h.scheduler.start();
    await h.clock.advance('1s');
    expect(fires).toEqual([t0 + 600_000]);
    const missed = h.eventsOf('schedule.missed');
    expect(missed.find((e) => e.reason === 'misfire-grace')?.fireAtMs).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((minute) => t0 + minute * 60_000),
    );
    expect(missed.find((e) => e.reason === 'coalesced')?.fireAtMs).toEqual([t0 + 480_000, t0 + 540_000]);
    expect((await h.scheduler.getSchedule('m'))?.nextFireAtMs).toBe(t0 + 660_000);
  });

  test('coalesce "all" runs each fire within the grace time', async () => {
    const fires: number[] = [];
    h = createHarness(makeStore, { tasks: [task('m', { run: ({ job }) => void fires.push(job.fireAtMs!) })] });
    await h.scheduler.schedule({ id: 'm', task: 'm', trigger: every('1m'), coalesce: 'all', maxRunning: null });
    await h.clock.advance('3m');
    await h.scheduler.start();
    await h.clock.advance('1s');
    expect(fires.sort()).toEqual([t0 + 60_000, t0 + 120_000, t0 + 180_000]);
  });

  test('a paused schedule does not fire, and resuming does not run the fires that fell in the pause', async () => {
    let runs = 0;
    h = createHarness(makeStore, { tasks: [task('p', { run: () => void runs++ })] });
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 'p', task: 'p', trigger: every('1m') });
    await h.scheduler.pause('p');
    await h.clock.advance('5m');
    expect(runs).toBe(0);
    const resumed = await h.scheduler.resume('p');
    expect(resumed.nextFireAtMs).toBe(t0 + 300_000);
    await h.clock.advance('1s');
    expect(runs).toBe(1);
    await expect(h.scheduler.pause('nope')).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });

  test('trigger now runs a schedule once as a manual job and keeps its next fire', async () => {
    const origins: string[] = [];
    h = createHarness(makeStore, { tasks: [task('t', { run: ({ job }) => void origins.push(job.origin) })] });
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 't', task: 't', trigger: every('1h') });
    const job = await h.scheduler.trigger('t');
    expect(job.origin).toBe('manual');
    expect(job.scheduleId).toBe('t');
    await h.clock.advance('1s');
    expect(origins).toEqual(['manual']);
    expect((await h.scheduler.getSchedule('t'))?.nextFireAtMs).toBe(t0 + 3_600_000);
  });

  test('a handler ends its own schedule by returning stopSchedule()', async () => {
    let runs = 0;
    h = createHarness(makeStore, {
      tasks: [task('watch', { run: (ctx) => (++runs === 2 ? ctx.stopSchedule('worker is gone') : undefined) })],
    });
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 'w', task: 'watch', trigger: every('1s') });
    await h.clock.advance('5s');
    expect(runs).toBe(2);
    expect(await h.scheduler.getSchedule('w')).toBeNull();
    expect(h.eventsOf('schedule.ended')).toEqual([{ scheduleId: 'w', reason: 'stopped-by-handler' }]);
    expect(h.eventsOf('job.succeeded')).toHaveLength(2);
  });

  test('a handler may also throw the stop signal', async () => {
    h = createHarness(makeStore, {
      tasks: [task('watch', { run: (ctx) => { throw ctx.stopSchedule(); } })],
    });
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 'w', task: 'watch', trigger: every('1s') });
    await h.clock.advance('3s');
    expect(await h.scheduler.getSchedule('w')).toBeNull();
    expect(h.eventsOf('job.dead')).toHaveLength(0);
  });

  test('unschedule removes the schedule and keeps its jobs', async () => {
    h = createHarness(makeStore, { tasks: [task('u', { run: () => {} })] });
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 'u', task: 'u', trigger: every('1s') });
    await h.clock.advance('1s');
    expect(await h.scheduler.unschedule('u')).toBe(true);
    expect(await h.scheduler.unschedule('u')).toBe(false);
    await h.clock.advance('3s');
    expect(await h.scheduler.listJobs({ scheduleId: 'u' })).toHaveLength(1);
  });

  test('scheduleMany writes many schedules at once, each as schedule() would, and refuses a batch with a bad one whole', async () => {
    const fires: string[] = [];
    h = createHarness(makeStore, { tasks: [task('tick', { run: ({ job }) => void fires.push(`${job.scheduleId}@${job.fireAtMs! - t0}`) })] });
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 'kept', task: 'tick', trigger: every('10s') });
    await h.clock.advance('4s');
    const changes: string[] = [];
    h.scheduler.on('schedule.created', ({ schedule }) => void changes.push(`created ${schedule.id}`));
    h.scheduler.on('schedule.updated', ({ schedule }) => void changes.push(`updated ${schedule.id}`));
    const written = await h.scheduler.scheduleMany([
      { id: 'kept', task: 'tick', trigger: every('10s'), data: { v: 2 } },
      { id: 'new', task: 'tick', trigger: at(t0 + 6_000) },
      { id: 'paused', task: 'tick', trigger: every('1s'), paused: true },
    ]);
    expect(written.map((s) => [s.id, s.nextFireAtMs === null ? null : s.nextFireAtMs - t0, s.paused])).toEqual([
      ['kept', 10_000, false],
      ['new', 6_000, false],
      ['paused', 5_000, true],
    ]);
    expect(changes).toEqual(['updated kept', 'created new', 'created paused']);
    await expect(
      h.scheduler.scheduleMany([
        { id: 'ok', task: 'tick', trigger: every('1s') },
        { id: 'bad', task: 'no-such-task', trigger: every('1s') },
      ]),
    ).rejects.toThrow(/no-such-task/);
    await expect(h.scheduler.scheduleMany([{ id: 'twice', task: 'tick', trigger: every('1s') }, { id: 'twice', task: 'tick', trigger: every('2s') }])).rejects.toThrow(/twice/);
    expect(await h.scheduler.getSchedule('ok')).toBeNull();
    await h.clock.advance('7s');
    expect(fires.sort()).toEqual(['kept@10000', 'new@6000']);
  });
});
