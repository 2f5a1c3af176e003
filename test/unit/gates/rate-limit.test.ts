import { afterEach, describe, expect, test } from 'vitest';
import { Scheduler, task, type SchedulerEvents } from '../../../src/index.ts';
import { createHarness, deferred, storeFactories, t0, unclosable, type Harness } from '../runtime/harness.ts';

describe.each(storeFactories)('rate limits and cluster caps on the %s store', (_name, makeStore) => {
  let h: Harness;
  let other: Scheduler<unknown> | null = null;
  afterEach(async () => {
    await other?.stop({ timeout: 0 });
    other = null;
    await h?.scheduler.stop({ timeout: 0 });
  });

  test('a task limit spaces starts to `limit` per `per` after the burst; jobs wait, none fails', async () => {
    const startedAt: number[] = [];
    h = createHarness(makeStore, { concurrency: 10, tasks: [task('poll-api', { rateLimit: { limit: 5, per: '1s' }, run: () => void startedAt.push(h.clock.now() - t0) })] });
    await h.scheduler.enqueueMany(Array.from({ length: 20 }, () => ({ task: 'poll-api' })));
    await h.scheduler.start();
    await h.clock.settle();
    expect(startedAt).toHaveLength(5); // the burst
    await h.clock.advance('1s');
    expect(startedAt).toHaveLength(10);
    await h.clock.advance('2s');
    expect(startedAt).toHaveLength(20);
    // After the burst, one token every 200 ms: never two starts closer than that.
    const after = startedAt.slice(5);
    for (let i = 1; i < after.length; i++) expect(after[i]! - after[i - 1]!).toBeGreaterThanOrEqual(200);
    expect((await h.scheduler.listJobs({ status: 'succeeded', limit: 100 })).length).toBe(20);
  });

  test('at 1,000/s the node wakes for every next token, never waiting out a poll interval', async () => {
    let started = 0;
    h = createHarness(makeStore, { concurrency: 50, tasks: [task('fast-api', { rateLimit: { limit: 1000, per: '1s', burst: 10 }, run: () => void started++ })] });
    await h.scheduler.enqueueMany(Array.from({ length: 300 }, () => ({ task: 'fast-api' })));
    await h.scheduler.start();
    for (let i = 0; i < 40; i++) await h.clock.advance('5ms');
    // 10 at once, then one per millisecond: 210 by 200 ms (the harness polls only every hour).
    expect(started).toBeGreaterThanOrEqual(200);
    expect(started).toBeLessThanOrEqual(211);
  });

  test('a limit per key gives each key its own bucket; jobs over it start later with one attempt', async () => {
    const started: Array<[string, number]> = [];
    h = createHarness(makeStore, {
      concurrency: 10,
      tasks: [
        task<{ account: string }>('describe-instances', {
          rateLimit: { limit: 2, per: '1s', key: (data) => (data as { account: string }).account },
          run: ({ data }) => void started.push([data.account, h.clock.now() - t0]),
        }),
      ],
    });
    const deferrals: Array<SchedulerEvents['rateLimit.deferred']> = [];
    h.scheduler.on('rateLimit.deferred', (event) => deferrals.push(event));
    const jobs = await h.scheduler.enqueueMany([...'AAAAB'].map((account) => ({ task: 'describe-instances', data: { account } })));
    await h.scheduler.start();
    await h.clock.settle();
    expect(started.filter(([account]) => account === 'A')).toHaveLength(2);
    expect(started.filter(([account]) => account === 'B')).toHaveLength(1);
    expect(deferrals).toEqual([{ task: 'describe-instances', jobs: 2, delayMs: 500 }]);
    await h.clock.advance('1100ms');
    expect(started.filter(([account]) => account === 'A').map(([, atMs]) => atMs)).toEqual([0, 0, 500, 1000]);
    for (const job of jobs) {
      const stored = await h.scheduler.getJob(job.id);
      expect(stored?.status).toBe('succeeded');
      expect(stored?.attempts).toHaveLength(1);
    }
  });

  test('maxConcurrent caps the running jobs across nodes, not per node', async () => {
    const release = deferred();
    let running = 0;
    let most = 0;
    const capped = () =>
      task('export', {
        maxConcurrent: 2,
        run: async () => {
          most = Math.max(most, ++running);
          await release.promise;
          running--;
        },
      });
    h = createHarness(makeStore, { concurrency: 5, nodeId: 'node-a', tasks: [capped()] });
    other = new Scheduler({ logger: 'silent', pollInterval: '1h', store: unclosable(h.store), clock: h.clock, nodeId: 'node-b', concurrency: 5, tasks: [capped()] });
    await h.scheduler.enqueueMany(Array.from({ length: 6 }, () => ({ task: 'export' })));
    await h.scheduler.start();
    await other.start();
    await h.clock.advance('5s');
    expect(running).toBe(2);
    expect((await h.scheduler.listJobs({ status: 'queued' })).length).toBe(4);
    release.resolve();
    await h.clock.advance('5s');
    expect(most).toBe(2);
    expect((await h.scheduler.listJobs({ status: 'succeeded' })).length).toBe(6);
  });

  test('bad rate-limit options are refused with a typed error', () => {
    expect(() => task('t', { rateLimit: { limit: 0, per: '1s' }, run: () => {} })).toThrow(/limit/);
    expect(() => task('t', { rateLimit: { limit: 1, per: 'soon' }, run: () => {} })).toThrow(/per/);
    expect(() => task('t', { maxConcurrent: 1.5, run: () => {} })).toThrow(/maxConcurrent/);
  });
});
