import { afterEach, describe, expect, test } from 'vitest';
import { at, every, task, type Store } from '../../../src/index.ts';
import { fireJob, newJob } from '../../../src/testing/conformance/index.ts';
import { createHarness, deferred, storeFactories, t0, unclosable, type Harness } from './harness.ts';

/** Records each store call with the clock's time in `log`, so a test can see what happened at an instant, in order. */
function recordCalls(store: Store, now: () => number, calls: Array<{ name: string; atMs: number }>): void {
  for (const name of ['claimJobs', 'completeAndClaim', 'completeJobs', 'acquireDueSchedules', 'releaseSchedules', 'renewLeases'] as const) {
    const original = (store[name] as (...args: unknown[]) => Promise<unknown>).bind(store);
    (store as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      calls.push({ name, atMs: now() });
      return original(...args);
    };
  }
}

describe.each(storeFactories)('reservations on the %s store', (_name, makeStore) => {
  const harnesses: Harness[] = [];
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.scheduler.stop({ timeout: 0 });
  });

  function harness(options: Parameters<typeof createHarness>[1], store = makeStore(), clock?: Harness['clock']): Harness {
    const h = createHarness(() => store, options, clock, store);
    harnesses.push(h);
    return h;
  }

  test("a schedule's fire is reserved a look-ahead early and starts at its instant, with no store call then", async () => {
    const starts: Array<{ atMs: number; fireAtMs: number | null }> = [];
    const log: Array<{ name: string; atMs: number }> = [];
    // A long lease: heartbeats (every third of it) do not fall on the fire instants.
    const h = harness({
      lookAhead: '2s',
      lease: '50s',
      tasks: [
        task('tick', {
          run: ({ job }) => {
            starts.push({ atMs: h.clock.now(), fireAtMs: job.fireAtMs });
            log.push({ name: 'handler', atMs: h.clock.now() });
          },
        }),
      ],
    });
    recordCalls(h.store, () => h.clock.now(), log);
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 'every-10s', task: 'tick', trigger: every('10s', { startAt: t0 + 10_000 }) });
    await h.clock.advance('31s');
    expect(starts).toEqual([10_000, 20_000, 30_000].map((ms) => ({ atMs: t0 + ms, fireAtMs: t0 + ms })));
    // Each job was created before its fire, and at the instant the handler ran before any store call.
    for (const { fireAtMs } of starts) {
      const [job] = await h.scheduler.listJobs({ scheduleId: 'every-10s', createdBeforeMs: fireAtMs!, limit: 10 });
      expect(job).toBeDefined();
      const atInstant = log.filter((entry) => entry.atMs === fireAtMs);
      expect(atInstant[0]?.name).toBe('handler');
    }
    const record = (await h.scheduler.listJobs({ scheduleId: 'every-10s', limit: 10 })).find((job) => job.fireAtMs === t0 + 10_000);
    expect(record?.createdAtMs).toBe(t0 + 8_000);
    expect(record?.attempts.map((a) => a.startedAtMs)).toEqual([t0 + 10_000]);
  });

  test('a delayed job is reserved ahead and starts at its runAt', async () => {
    const starts: number[] = [];
    const h = harness({ lookAhead: '2s', tasks: [task('later', { run: () => void starts.push(h.clock.now()) })] });
    await h.scheduler.start();
    const job = await h.scheduler.enqueue({ task: 'later', delay: '7s' });
    await h.clock.advance('6s');
    expect((await h.scheduler.getJob(job.id))?.status).toBe('reserved');
    await h.clock.advance('2s');
    expect(starts).toEqual([t0 + 7_000]);
    expect((await h.scheduler.getJob(job.id))?.status).toBe('succeeded');
  });

  test('pausing a schedule inside the look-ahead cancels its reserved fire: it does not run; resuming before the instant runs it', async () => {
    const starts: number[] = [];
    const h = harness({ lookAhead: '2s', tasks: [task('tick', { run: () => void starts.push(h.clock.now()) })] });
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 's', task: 'tick', trigger: every('10s', { startAt: t0 + 10_000 }) });
    await h.clock.advance('9s'); // the fire at +10 s is reserved
    expect((await h.scheduler.listJobs({ scheduleId: 's' })).map((job) => job.status)).toEqual(['reserved']);
    await h.scheduler.pause('s');
    await h.clock.advance('5s');
    expect(starts).toEqual([]);
    expect(await h.scheduler.listJobs({ scheduleId: 's' })).toEqual([]);
    await h.scheduler.resume('s');
    await h.clock.advance('7s');
    expect(starts).toEqual([t0 + 20_000]);
  });

  test('a schedule edited inside the look-ahead never fires under its old definition', async () => {
    const seen: unknown[] = [];
    const h = harness({ lookAhead: '2s', tasks: [task('tick', { run: ({ data }) => void seen.push(data) })] });
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 's', task: 'tick', data: { v: 1 }, trigger: every('10s', { startAt: t0 + 10_000 }) });
    await h.clock.advance('9s'); // reserved under v1
    await h.scheduler.schedule({ id: 's', task: 'tick', data: { v: 2 }, trigger: every('10s', { startAt: t0 + 10_000 }) });
    await h.clock.advance('2s');
    expect(seen).toEqual([{ v: 2 }]);
    expect((await h.scheduler.getSchedule('s'))?.firedCount).toBe(1);
  });

  test('maxRunning is judged when a reserved fire comes due, against what runs then', async () => {
    const gates = [deferred(), deferred()];
    let runs = 0;
    const h = harness({ lookAhead: '2s', concurrency: 5, tasks: [task('slow', { run: () => gates[runs++]?.promise })] });
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 's', task: 'slow', trigger: every('1s', { startAt: t0 + 1_000 }), maxRunning: 1 });
    await h.clock.advance('1s'); // the first fire runs (and holds)
    await h.clock.advance('2s'); // the fires at +2 s and +3 s come due while it runs: skipped
    expect(runs).toBe(1);
    gates[0]!.resolve();
    await h.clock.advance('1s'); // +4 s: nothing runs any more, it starts
    expect(runs).toBe(2);
    const schedule = await h.scheduler.getSchedule('s');
    expect(schedule?.skippedCount).toBe(2);
    expect(h.eventsOf('schedule.skipped').flatMap((e) => e.fireAtMs)).toEqual([t0 + 2_000, t0 + 3_000]);
    gates[1]!.resolve();
  });

  test("another node's reservation of a later fire, or a later fire queued, does not count against maxRunning at this fire's start", async () => {
    const store = makeStore();
    const ran: Array<number | null> = [];
    const h = harness({ nodeId: 'this', lookAhead: '2s', tasks: [task('tick', { run: ({ job }) => void ran.push(job.fireAtMs) })] }, store);
    await h.scheduler.start();
    // Another node runs a job of the schedule while this node plans its fire at +10 s, so the
    // fire's start must ask the store what still runs then.
    await store.enqueueJobs([fireJob('early', 's', t0, { task: 'elsewhere' })]);
    const [early] = await store.claimJobs({ nodeId: 'other', nowMs: t0, leaseMs: 60_000, limit: 1, tasks: ['elsewhere'] });
    await h.scheduler.schedule({ id: 's', task: 'tick', trigger: every('10s', { startAt: t0 + 10_000 }), maxRunning: 1 });
    await h.clock.advance('9s'); // the fire at +10 s is reserved here, with one job active elsewhere
    // By the instant, that job is done, and the other node holds a later fire reserved, not started.
    await store.completeJobs([{ jobId: 'early', fencingToken: early!.fencingToken, nowMs: h.clock.now(), completion: { status: 'succeeded', result: null } }]);
    await store.enqueueJobs([fireJob('later', 's', t0 + 11_000, { task: 'elsewhere' })]);
    const [later] = await store.claimJobs({ nodeId: 'other', nowMs: h.clock.now(), leaseMs: 60_000, limit: 0, tasks: ['elsewhere'], aheadMs: 5_000, aheadLimit: 1 });
    expect(later?.status).toBe('reserved');
    // And a later fire queued for any node (beyond what its node could reserve) has not started either.
    await store.enqueueJobs([fireJob('queued-later', 's', t0 + 12_000, { task: 'elsewhere' })]);
    await h.clock.advance('1s');
    expect(ran).toEqual([t0 + 10_000]);
    expect((await h.scheduler.getSchedule('s'))?.skippedCount).toBe(0);
  });

  test('beside another node, a node reserves no more fires than its slots can start, and the other node takes the rest', async () => {
    const store = unclosable(makeStore());
    const runs: Array<{ nodeId: string; atMs: number }> = [];
    const node = (nodeId: string, clock?: Harness['clock']): Harness => {
      const h: Harness = harness(
        { nodeId, concurrency: 2, lookAhead: '2s', tasks: [task('tick', { run: () => void runs.push({ nodeId, atMs: h.clock.now() }) })] },
        store,
        clock,
      );
      return h;
    };
    const a = node('a');
    const b = node('b', a.clock);
    await a.scheduler.start();
    await b.scheduler.start();
    for (let i = 0; i < 6; i++) await a.scheduler.schedule({ id: `s${i}`, task: 'tick', trigger: at(new Date(t0 + 10_000)) });
    await a.clock.advance('9s'); // the nodes know each other (they report every 5 s); the wave is within the look-ahead
    const reservedBy = (await store.listJobs({ status: 'reserved' })).map((job) => job.leaseOwner);
    expect(reservedBy.filter((owner) => owner === 'a').length).toBeLessThanOrEqual(2);
    expect(reservedBy.filter((owner) => owner === 'b').length).toBeLessThanOrEqual(2);
    await a.clock.advance('1s');
    expect(runs).toHaveLength(6);
    expect(runs.every((run) => run.atMs === t0 + 10_000)).toBe(true);
    expect(runs.filter((run) => run.nodeId === 'a').length).toBeGreaterThan(0);
    expect(runs.filter((run) => run.nodeId === 'b').length).toBeGreaterThan(0);
  });

  test('the misfire grace is judged when a reserved fire starts: a fire that waited too long for a slot is missed', async () => {
    const gate = deferred();
    const ran: Array<number | null> = [];
    const h = harness({
      lookAhead: '2s',
      concurrency: 1,
      tasks: [
        task('blocker', { run: () => gate.promise }),
        task('tick', { run: ({ job }) => void ran.push(job.fireAtMs) }),
      ],
    });
    await h.scheduler.start();
    await h.scheduler.enqueue({ task: 'blocker' }); // takes the only slot
    await h.scheduler.schedule({ id: 's', task: 'tick', trigger: every('10s', { startAt: t0 + 10_000 }), misfireGrace: '1s' });
    await h.clock.advance('12s'); // the fire at +10 s is due, but no slot frees until +12 s
    gate.resolve();
    await h.clock.advance('1s');
    expect(ran).toEqual([]);
    expect((await h.scheduler.getSchedule('s'))?.missedCount).toBe(1);
    expect(h.eventsOf('schedule.missed')).toEqual([{ scheduleId: 's', task: 'tick', fireAtMs: [t0 + 10_000], reason: 'misfire-grace' }]);
    await h.clock.advance('10s');
    expect(ran).toEqual([t0 + 20_000]);
  });

  test("a node's reservations go back at a graceful stop, and another node starts them at their instant", async () => {
    const store = makeStore();
    const first = harness({ nodeId: 'first', lookAhead: '2s', tasks: [task('later', { run: () => undefined })] }, unclosable(store));
    await first.scheduler.start();
    const job = await first.scheduler.enqueue({ task: 'later', delay: '5s' });
    await first.clock.advance('4s');
    expect((await store.getJob(job.id))?.status).toBe('reserved');
    await first.scheduler.stop();
    expect((await store.getJob(job.id))?.status).toBe('queued');
    expect(first.eventsOf('job.released').map((e) => [e.job.id, e.job.attempt])).toEqual([[job.id, 0]]);

    const starts: number[] = [];
    const second = harness({ nodeId: 'second', lookAhead: '2s', tasks: [task('later', { run: () => void starts.push(second.clock.now()) })] }, store, first.clock);
    await second.scheduler.start();
    await second.clock.advance('2s');
    expect(starts).toEqual([t0 + 5_000]);
    expect((await store.getJob(job.id))?.attempts.map((a) => [a.nodeId, a.attempt])).toEqual([['second', 1]]);
  });

  test('reservations of a node that died are taken over one lease after their instant, with no attempt consumed', async () => {
    const store = makeStore();
    await store.open();
    await store.enqueueJobs([newJob('job-1', { task: 'later', runAtMs: t0 + 1_000 })]);
    // A node reserved it, then died: it never renews nor starts it.
    const [reserved] = await store.claimJobs({ nodeId: 'dead-node', nowMs: t0, leaseMs: 3_000, limit: 0, tasks: ['later'], aheadMs: 2_000, aheadLimit: 10 });
    expect(reserved?.status).toBe('reserved');
    const starts: number[] = [];
    const h = harness({ nodeId: 'survivor', lease: '3s', lookAhead: '2s', tasks: [task('later', { run: () => void starts.push(h.clock.now()) })] }, store);
    await h.scheduler.start();
    await h.clock.advance('3900ms');
    expect(starts).toEqual([]);
    await h.clock.advance('600ms'); // the lease, counted from the instant, ran out at +4 s
    expect(starts).toHaveLength(1);
    expect(starts[0]).toBeLessThanOrEqual(t0 + 4_500);
    const job = await store.getJob('job-1');
    expect(job?.status).toBe('succeeded');
    expect(job?.attempts.map((a) => [a.nodeId, a.attempt])).toEqual([['survivor', 1]]);
  });

  test('with lookAhead 0, fires and delayed jobs become jobs when due and are claimed then', async () => {
    const starts: number[] = [];
    const h = harness({ lookAhead: 0, tasks: [task('tick', { run: () => void starts.push(h.clock.now()) })] });
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 's', task: 'tick', trigger: every('10s', { startAt: t0 + 10_000 }) });
    await h.clock.advance('9s');
    expect(await h.scheduler.listJobs({ scheduleId: 's' })).toEqual([]);
    await h.clock.advance('2s');
    expect(starts).toEqual([t0 + 10_000]);
  });
});
