import { afterEach, describe, expect, test } from 'vitest';
import { task } from '../../../src/index.ts';
import type { Store } from '../../../src/index.ts';
import { createHarness, deferred, storeFactories, type Harness } from './harness.ts';

/** Counts the store's claim round trips (a claim alone, or with outcomes: complete-and-claim). */
function countClaims(store: Store): { calls: number } {
  const counter = { calls: 0 };
  const claimJobs = store.claimJobs.bind(store);
  const completeAndClaim = store.completeAndClaim.bind(store);
  let inCombined = false;
  store.claimJobs = async (request) => {
    // A store may build complete-and-claim on its own claimJobs: one round trip, counted once.
    if (!inCombined) counter.calls++;
    return claimJobs(request);
  };
  store.completeAndClaim = async (request) => {
    counter.calls++;
    inCombined = true;
    try {
      return await completeAndClaim(request);
    } finally {
      inCombined = false;
    }
  };
  return counter;
}

describe.each(storeFactories)('prefetch on the %s store', (_name, makeStore) => {
  let h: Harness;
  afterEach(async () => {
    await h?.scheduler.stop({ timeout: 0 });
  });

  test('one claim serves several slots: jobs held ahead start as slots free, in claim order', async () => {
    const claimsWith = async (prefetch: number): Promise<number> => {
      const store = makeStore();
      const claims = countClaims(store);
      const order: number[] = [];
      h = createHarness(() => store, { concurrency: 2, prefetch, tasks: [task<number>('n', { run: ({ data }) => void order.push(data) })] }, undefined, store);
      await h.scheduler.enqueueMany(Array.from({ length: 20 }, (_, i) => ({ task: 'n', data: i, priority: 20 - i })));
      await h.scheduler.start();
      await h.clock.settle();
      expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
      await h.scheduler.stop();
      return claims.calls;
    };
    const without = await claimsWith(0);
    const withPrefetch = await claimsWith(8);
    // At concurrency 2 without prefetch, a claim takes at most 2 jobs: 10 round trips or more.
    expect(without).toBeGreaterThanOrEqual(10);
    expect(withPrefetch * 2).toBeLessThanOrEqual(without);
  });

  test('without prefetch a node claims only its free slots', async () => {
    const release = deferred();
    h = createHarness(makeStore, { concurrency: 1, tasks: [task('wait', { run: () => release.promise })] });
    await h.scheduler.enqueueMany([{ task: 'wait' }, { task: 'wait' }, { task: 'wait' }]);
    await h.scheduler.start();
    await h.clock.settle();
    expect((await h.scheduler.listJobs({ status: 'running' })).length).toBe(1);
    release.resolve();
  });

  test('held jobs are given back at shutdown without counting an attempt', async () => {
    h = createHarness(makeStore, { concurrency: 1, prefetch: 2, tasks: [task('stuck', { run: () => new Promise(() => {}) })] });
    const jobs = await h.scheduler.enqueueMany([{ task: 'stuck' }, { task: 'stuck' }, { task: 'stuck' }]);
    await h.scheduler.start();
    await h.clock.settle();
    expect(h.eventsOf('job.started')).toHaveLength(1);
    const stopped = h.scheduler.stop({ timeout: '1s' });
    await h.clock.advance('1s');
    await stopped;
    const released = h.eventsOf('job.released').map((e) => e.job);
    expect(released.map((j) => j.id).sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(released.every((j) => j.status === 'queued' && j.attempt === 0)).toBe(true);
  });

  test('a held job that is cancelled ends as cancelled without running', async () => {
    const release = deferred();
    const ran: string[] = [];
    h = createHarness(makeStore, {
      concurrency: 1,
      prefetch: 1,
      tasks: [task<string>('t', { run: ({ data }) => { ran.push(data); return data === 'first' ? release.promise : undefined; } })],
    });
    const [, second] = await h.scheduler.enqueueMany([{ task: 't', data: 'first' }, { task: 't', data: 'second' }]);
    await h.scheduler.start();
    await h.clock.settle();
    expect((await h.scheduler.getJob(second!.id))?.status).toBe('running'); // held by this node
    await h.scheduler.cancelJob(second!.id);
    await h.clock.advance('1s'); // the heartbeat hears of it
    release.resolve();
    await h.clock.settle();
    expect(ran).toEqual(['first']);
    expect((await h.scheduler.getJob(second!.id))?.status).toBe('cancelled');
  });
});
