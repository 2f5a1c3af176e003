import { afterEach, describe, expect, test } from 'vitest';
import { every, task, InvalidArgumentError, type OverlapPolicy, type Store } from '../../../src/index.ts';
import { VirtualClock } from '../../../src/testing/virtual-clock.ts';
import { createHarness, deferred, storeFactories, t0, unclosable, type Harness } from './harness.ts';

const s = 1_000;

/** A task whose jobs run until the test ends them (or their signal aborts), one gate per fire. */
function slowTask() {
  const gates = new Map<number, { resolve: () => void }>();
  const started: Array<{ fireAtMs: number | null; atMs: number }> = [];
  const aborted: Array<number | null> = [];
  let running = 0;
  let mostRunning = 0;
  let clock: VirtualClock | null = null;
  const definition = task('slow', {
    run: async ({ job, signal }) => {
      started.push({ fireAtMs: job.fireAtMs, atMs: clock!.now() });
      running++;
      mostRunning = Math.max(mostRunning, running);
      const gate = deferred<void>();
      gates.set(job.fireAtMs ?? -1, gate);
      try {
        await new Promise<void>((resolve, reject) => {
          void gate.promise.then(resolve);
          signal.addEventListener('abort', () => {
            aborted.push(job.fireAtMs);
            reject(signal.reason);
          });
        });
      } finally {
        running--;
      }
    },
  });
  return {
    definition,
    started,
    aborted,
    mostRunning: () => mostRunning,
    useClock: (c: VirtualClock) => void (clock = c),
    finish: (fireAtMs: number) => gates.get(fireAtMs)!.resolve(),
    /** Ends every handler still running (before the node stops). */
    finishAll: () => gates.forEach((gate) => gate.resolve()),
  };
}

describe.each(storeFactories)('overlap policies on the %s store', (_name, makeStore) => {
  const harnesses: Harness[] = [];
  const slows: Array<ReturnType<typeof slowTask>> = [];
  afterEach(async () => {
    for (const slow of slows.splice(0)) slow.finishAll();
    for (const h of harnesses.splice(0)) await h.scheduler.stop({ timeout: 0 });
  });

  async function start(overlap: OverlapPolicy | undefined, options: { lookAhead?: 0 } = {}): Promise<Harness & { slow: ReturnType<typeof slowTask> }> {
    const slow = slowTask();
    const h = createHarness(makeStore, { tasks: [slow.definition], ...options });
    harnesses.push(h);
    slows.push(slow);
    slow.useClock(h.clock);
    await h.scheduler.schedule({ id: 'sched', task: 'slow', trigger: every('10s'), maxRunning: 1, ...(overlap ? { overlap } : {}) });
    await h.scheduler.start();
    return { ...h, slow };
  }

  const waitingFires = async (store: Store) => (await store.listJobs({ scheduleId: 'sched', status: 'waiting' })).map((job) => job.fireAtMs);

  test("is stored with the schedule ('skip' by default); anything else is refused with InvalidArgumentError", async () => {
    const h = createHarness(makeStore, { tasks: [task('slow', { run: () => {} })] });
    harnesses.push(h);
    expect((await h.scheduler.schedule({ id: 'a', task: 'slow', trigger: every('1m') })).overlap).toBe('skip');
    await h.scheduler.schedule({ id: 'b', task: 'slow', trigger: every('1m'), overlap: 'bufferAll' });
    expect((await h.scheduler.getSchedule('b'))?.overlap).toBe('bufferAll');
    for (const bad of ['allow', 'BufferOne', '', null, 1]) {
      await expect(h.scheduler.schedule({ id: 'c', task: 'slow', trigger: every('1m'), overlap: bad as OverlapPolicy })).rejects.toThrow(InvalidArgumentError);
    }
    await expect(h.scheduler.schedule({ id: 'c', task: 'slow', trigger: every('1m'), overlap: 'queue' as OverlapPolicy })).rejects.toThrow(
      `Expected \`overlap\` of schedule "c" to be 'skip', 'bufferOne', 'bufferAll' or 'cancelOther', got "queue"`,
    );
  });

  test('skip: fires due while the job runs are skipped, without reading the schedule\'s jobs', async () => {
    // Without look-ahead the fires are judged (and skipped) when planned, not at a reserved start.
    const h = await start(undefined, { lookAhead: 0 });
    const listJobs = h.store.listJobs.bind(h.store);
    let overlapReads = 0;
    h.store.listJobs = (query) => {
      if (Array.isArray(query?.status) && query.status.includes('waiting')) overlapReads++;
      return listJobs(query);
    };
    await h.clock.advance('10s');
    await h.clock.advance('30s'); // fires at 20 s, 30 s, 40 s come due while the first runs
    expect(await waitingFires(h.store)).toEqual([]);
    h.slow.finish(t0 + 10 * s);
    await h.clock.advance('10s');
    expect(h.slow.started.map(({ fireAtMs }) => fireAtMs)).toEqual([t0 + 10 * s, t0 + 50 * s]);
    expect(await h.scheduler.getSchedule('sched')).toMatchObject({ skippedCount: 3, firedCount: 2 });
    expect(overlapReads).toBe(0);
  });

  test('bufferOne: one fire is buffered at a time and starts right after the active job ends', async () => {
    const h = await start('bufferOne');
    await h.clock.advance('10s');
    await h.clock.advance('10s');
    expect(await waitingFires(h.store)).toEqual([t0 + 20 * s]);
    await h.clock.advance('20s'); // 30 s and 40 s: skipped while the 20 s fire waits
    expect(await waitingFires(h.store)).toEqual([t0 + 20 * s]);
    await h.clock.advance('5s');
    h.slow.finish(t0 + 10 * s);
    await h.clock.advance(0);
    expect(h.slow.started).toEqual([
      { fireAtMs: t0 + 10 * s, atMs: t0 + 10 * s },
      { fireAtMs: t0 + 20 * s, atMs: t0 + 45 * s },
    ]);
    // The buffered job is active now: the next fire is buffered behind it.
    await h.clock.advance('5s');
    expect(await waitingFires(h.store)).toEqual([t0 + 50 * s]);
    expect(await h.scheduler.getSchedule('sched')).toMatchObject({ skippedCount: 2, firedCount: 3 });
    expect(h.eventsOf('schedule.fired').map(({ fireAtMs }) => fireAtMs)).toEqual([t0 + 10 * s, t0 + 20 * s, t0 + 50 * s]);
    expect(h.slow.mostRunning()).toBe(1);
  });

  test('bufferAll: every fire is buffered and they run one after another, in fire order', async () => {
    const h = await start('bufferAll');
    await h.clock.advance('10s');
    await h.clock.advance('30s');
    expect(await waitingFires(h.store)).toEqual(expect.arrayContaining([t0 + 20 * s, t0 + 30 * s, t0 + 40 * s]));
    for (const fire of [10, 20, 30]) {
      await h.clock.advance('1s');
      h.slow.finish(t0 + fire * s);
      await h.clock.advance(0);
    }
    expect(h.slow.started.map(({ fireAtMs }) => fireAtMs)).toEqual([10, 20, 30, 40].map((fire) => t0 + fire * s));
    expect(h.slow.started.slice(1).map(({ atMs }) => atMs)).toEqual([41, 42, 43].map((at) => t0 + at * s));
    expect(h.slow.mostRunning()).toBe(1);
    expect(await h.scheduler.getSchedule('sched')).toMatchObject({ skippedCount: 0, firedCount: 4 });
  });

  test("cancelOther: the running job's signal aborts and the newer fire runs once it has ended", async () => {
    const h = await start('cancelOther');
    await h.clock.advance('10s');
    const [first] = await h.store.listJobs({ scheduleId: 'sched' });
    await h.clock.advance('10s');
    expect(await waitingFires(h.store)).toEqual([t0 + 20 * s]);
    await h.clock.advance('5s'); // the next lease renewal delivers the cancel request
    expect(h.slow.aborted).toEqual([t0 + 10 * s]);
    expect((await h.store.getJob(first!.id))?.status).toBe('cancelled');
    expect(h.slow.started.map(({ fireAtMs }) => fireAtMs)).toEqual([t0 + 10 * s, t0 + 20 * s]);
    expect(h.slow.mostRunning()).toBe(1);
    expect(await h.scheduler.getSchedule('sched')).toMatchObject({ skippedCount: 0, firedCount: 2 });
  });

  test('a schedule with a policy other than skip is not reserved ahead', async () => {
    const h = await start('bufferOne');
    await h.scheduler.schedule({ id: 'ahead', task: 'slow', trigger: every('10s'), maxRunning: 1 });
    await h.clock.advance('9s');
    expect(await h.store.listJobs({ scheduleId: 'sched' })).toEqual([]);
    expect(await h.store.listJobs({ scheduleId: 'ahead', status: 'reserved' })).toHaveLength(1);
  });

  test('bufferOne on two nodes sharing a store never holds two buffered fires', async () => {
    const clock = new VirtualClock(t0);
    const store = makeStore();
    const both = [slowTask(), slowTask()];
    slows.push(...both);
    const nodes = both.map((slow) => {
      slow.useClock(clock);
      const h = createHarness(() => unclosable(store), { tasks: [slow.definition] }, clock, unclosable(store));
      harnesses.push(h);
      return h;
    });
    await nodes[0]!.scheduler.schedule({ id: 'sched', task: 'slow', trigger: every('10s'), maxRunning: 1, overlap: 'bufferOne' });
    for (const h of nodes) await h.scheduler.start();
    const finishAll = (fireAtMs: number) => both.forEach((slow) => slow.started.some((run) => run.fireAtMs === fireAtMs) && slow.finish(fireAtMs));
    for (let fire = 1; fire <= 12; fire++) {
      await clock.advance('10s');
      expect((await waitingFires(store)).length).toBeLessThanOrEqual(1);
      // Every third fire, the running job ends: the buffered one starts, the next fire is buffered.
      if (fire % 3 === 0) {
        const [running] = await store.listJobs({ scheduleId: 'sched', status: ['running', 'reserved'] });
        finishAll(running!.fireAtMs!);
        await clock.advance(0);
      }
    }
    const started = both.flatMap((slow) => slow.started.map(({ fireAtMs }) => fireAtMs));
    expect(started.length).toBeGreaterThanOrEqual(4);
    expect(new Set(started).size).toBe(started.length);
    const schedule = await store.getSchedule('sched');
    expect(schedule!.firedCount + schedule!.skippedCount).toBe(12);
  });
});
