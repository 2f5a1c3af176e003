import { afterEach, describe, expect, test } from 'vitest';
import { Scheduler, every, task, type BreakerOptions, type SchedulerEvents } from '../../../src/index.ts';
import { createHarness, storeFactories, unclosable, type Harness } from '../runtime/harness.ts';

const breaker: BreakerOptions = { failureRate: 0.5, minimumCalls: 4, window: '10s', openFor: '5s', halfOpenProbes: 2 };

/** A task that fails while `health.failing` is set, recording what ran. */
function flakyTask(health: { failing: boolean; ran: string[] }, options: { breaker?: BreakerOptions } = { breaker }) {
  return task<string>('call-cloud', {
    retry: { attempts: 1 },
    ...options,
    run: ({ data }) => {
      health.ran.push(data);
      if (health.failing) throw new Error('503 from the cloud API');
    },
  });
}

describe.each(storeFactories)('circuit breaker on the %s store', (_name, makeStore) => {
  let h: Harness;
  let other: Scheduler<unknown> | null = null;
  afterEach(async () => {
    await other?.stop({ timeout: 0 });
    other = null;
    await h?.scheduler.stop({ timeout: 0 });
  });

  async function failFour(health: { failing: boolean; ran: string[] }): Promise<void> {
    for (const name of ['a', 'b', 'c', 'd']) await h.scheduler.enqueue({ task: 'call-cloud', data: name });
    await h.clock.settle();
    expect(health.ran).toEqual(['a', 'b', 'c', 'd']);
    // The next check (at most a bucket later) counts the failures and opens it.
    await h.clock.advance('1s');
  }

  test('opens when the failure rate passes the threshold; its jobs wait, neither failed nor lost', async () => {
    const health = { failing: true, ran: [] as string[] };
    h = createHarness(makeStore, { tasks: [flakyTask(health)] });
    const changes: Array<SchedulerEvents['breaker.changed']> = [];
    h.scheduler.on('breaker.changed', (change) => changes.push(change));
    await h.scheduler.start();
    await failFour(health);
    expect(changes.map(({ from, to, reason }) => [from, to, reason])).toEqual([['closed', 'open', 'failure-rate']]);
    expect(changes[0]!.calls).toEqual({ succeeded: 0, failed: 4 });
    const waiting = await h.scheduler.enqueue({ task: 'call-cloud', data: 'e' });
    await h.clock.advance('4s');
    expect(health.ran).toEqual(['a', 'b', 'c', 'd']);
    expect((await h.scheduler.getJob(waiting.id))?.status).toBe('queued');
    const [record] = await h.scheduler.breakers();
    expect(record).toMatchObject({ task: 'call-cloud', state: 'open', forced: null });
  });

  test('half-open after openFor lets the probes through; their success closes it', async () => {
    const health = { failing: true, ran: [] as string[] };
    h = createHarness(makeStore, { tasks: [flakyTask(health)], concurrency: 1 });
    const changes: Array<SchedulerEvents['breaker.changed']> = [];
    h.scheduler.on('breaker.changed', (change) => changes.push(change));
    await h.scheduler.start();
    await failFour(health);
    health.failing = false;
    for (const name of ['p1', 'p2', 'q1', 'q2']) await h.scheduler.enqueue({ task: 'call-cloud', data: name });
    await h.clock.advance('6s');
    await h.clock.advance('2s');
    expect(changes.map(({ to, reason }) => `${to}:${reason}`)).toEqual(['open:failure-rate', 'half-open:open-for-passed', 'closed:probes-succeeded']);
    expect(health.ran.slice(4)).toEqual(['p1', 'p2', 'q1', 'q2']);
  });

  test('a failed probe opens it again for openFor', async () => {
    const health = { failing: true, ran: [] as string[] };
    h = createHarness(makeStore, { tasks: [flakyTask(health)], concurrency: 1 });
    const changes: string[] = [];
    h.scheduler.on('breaker.changed', ({ to, reason }) => changes.push(`${to}:${reason}`));
    await h.scheduler.start();
    await failFour(health);
    for (const name of ['p1', 'p2']) await h.scheduler.enqueue({ task: 'call-cloud', data: name });
    await h.clock.advance('6s');
    expect(changes).toEqual(['open:failure-rate', 'half-open:open-for-passed', 'open:probe-failed']);
    // One probe ran and failed; the second waits for the next half-open.
    expect(health.ran.slice(4)).toEqual(['p1']);
  });

  test('too few calls never open it (minimumCalls)', async () => {
    const health = { failing: true, ran: [] as string[] };
    h = createHarness(makeStore, { tasks: [flakyTask(health)] });
    await h.scheduler.start();
    for (const name of ['a', 'b', 'c']) await h.scheduler.enqueue({ task: 'call-cloud', data: name });
    await h.clock.advance('2s');
    await h.scheduler.enqueue({ task: 'call-cloud', data: 'd' });
    await h.clock.settle();
    expect(health.ran).toEqual(['a', 'b', 'c', 'd']);
  });

  test('a breaker opened by one node holds on every node sharing the store', async () => {
    const health = { failing: true, ran: [] as string[] };
    const otherHealth = { failing: false, ran: [] as string[] };
    h = createHarness(makeStore, { tasks: [flakyTask(health)], nodeId: 'node-a' });
    other = new Scheduler({ logger: 'silent', pollInterval: '1h', store: unclosable(h.store), clock: h.clock, nodeId: 'node-b', tasks: [flakyTask(otherHealth)] });
    await h.scheduler.start();
    await failFour(health);
    await other.start();
    for (const name of ['e', 'f']) await other.enqueue({ task: 'call-cloud', data: name });
    await h.clock.advance('3s');
    expect([...health.ran, ...otherHealth.ran]).toEqual(['a', 'b', 'c', 'd']);
  });

  test('an operator can force it open and hand it back', async () => {
    const health = { failing: false, ran: [] as string[] };
    h = createHarness(makeStore, { tasks: [flakyTask(health)] });
    const changes: Array<SchedulerEvents['breaker.changed']> = [];
    h.scheduler.on('breaker.changed', (change) => changes.push(change));
    await h.scheduler.start();
    await h.scheduler.forceBreaker('call-cloud', 'open');
    await h.clock.advance('1s');
    await h.scheduler.enqueue({ task: 'call-cloud', data: 'held' });
    await h.clock.advance('1m');
    expect(health.ran).toEqual([]);
    const released = await h.scheduler.forceBreaker('call-cloud', null);
    expect(released).toMatchObject({ state: 'closed', forced: null });
    await h.clock.advance('2s');
    expect(health.ran).toEqual(['held']);
    expect(changes.map(({ to, reason, forced }) => [to, reason, forced])).toEqual([
      ['open', 'operator', 'open'],
      ['closed', 'operator', null],
    ]);
  });

  test("a schedule's fires wait behind an open breaker too (never reserved past it)", async () => {
    const health = { failing: false, ran: [] as string[] };
    h = createHarness(makeStore, { tasks: [flakyTask(health)] });
    await h.scheduler.start();
    await h.scheduler.forceBreaker('call-cloud', 'open');
    await h.clock.advance('1s');
    await h.scheduler.schedule({ id: 'poll', task: 'call-cloud', data: 'fire', trigger: every('1s'), maxRunning: null });
    await h.clock.advance('5s');
    expect(health.ran).toEqual([]);
    expect((await h.scheduler.listJobs({ scheduleId: 'poll' })).every((job) => job.status === 'queued')).toBe(true);
    await h.scheduler.forceBreaker('call-cloud', null);
    await h.clock.advance('2s');
    expect(health.ran.length).toBeGreaterThan(0);
  });

  test('forced closed, failures never open it', async () => {
    const health = { failing: true, ran: [] as string[] };
    h = createHarness(makeStore, { tasks: [flakyTask(health)] });
    await h.scheduler.start();
    await h.scheduler.forceBreaker('call-cloud', 'closed');
    await failFour(health);
    await h.scheduler.enqueue({ task: 'call-cloud', data: 'e' });
    await h.clock.settle();
    expect(health.ran).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('a task without a breaker is claimed as before, beside one with a breaker', async () => {
    const health = { failing: true, ran: [] as string[] };
    const plain: string[] = [];
    h = createHarness(makeStore, { tasks: [flakyTask(health), task<string>('plain', { run: ({ data }) => void plain.push(data) })] });
    await h.scheduler.start();
    await failFour(health);
    await h.scheduler.enqueue({ task: 'call-cloud', data: 'e' });
    await h.scheduler.enqueue({ task: 'plain', data: 'x' });
    await h.clock.settle();
    expect(plain).toEqual(['x']);
    expect(health.ran).toHaveLength(4);
  });

  test('bad breaker options are refused with a typed error', () => {
    expect(() => task('t', { breaker: { failureRate: 2 }, run: () => {} })).toThrow(/failureRate/);
    expect(() => task('t', { breaker: { minimumCalls: 0 }, run: () => {} })).toThrow(/minimumCalls/);
    expect(() => task('t', { breaker: { window: '-1s' }, run: () => {} })).toThrow(/window/);
  });
});
