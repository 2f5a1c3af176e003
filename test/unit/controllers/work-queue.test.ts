import { describe, expect, test } from 'vitest';
import { itemExponentialRateLimiter, WorkQueue } from '../../../src/controllers/index.ts';
import { VirtualClock } from '../../../src/testing/virtual-clock.ts';

/** Whether `promise` has settled after the clock let pending work run. */
async function settled<T>(clock: VirtualClock, promise: Promise<T>): Promise<{ done: boolean; value?: T }> {
  let state: { done: boolean; value?: T } = { done: false };
  void promise.then((value) => (state = { done: true, value }));
  await clock.settle();
  return state;
}

/** Every key handed out now, without waiting (each marked done at once unless `hold`). */
async function drain(clock: VirtualClock, queue: WorkQueue, hold = false): Promise<string[]> {
  const keys: string[] = [];
  while (queue.length > 0) {
    const key = await queue.get();
    if (key === null) break;
    keys.push(key);
    if (!hold) queue.done(key);
  }
  await clock.settle();
  return keys;
}

describe('WorkQueue', () => {
  test('a key added while queued is queued once (dedupe)', async () => {
    const clock = new VirtualClock();
    const queue = new WorkQueue({ clock });
    queue.add('a');
    queue.add('b');
    queue.add('a');
    queue.add('a');
    expect(queue.length).toBe(2);
    expect(await drain(clock, queue)).toEqual(['a', 'b']);
    expect(queue.stats().adds).toBe(2);
  });

  test('a key added while processed is marked dirty, not handed out, and queued again at done()', async () => {
    const clock = new VirtualClock();
    const queue = new WorkQueue({ clock });
    queue.add('a');
    expect(await queue.get()).toBe('a');
    queue.add('a');
    queue.add('a');
    expect(queue.length).toBe(0);
    expect(queue.stats().depth).toBe(1);
    const second = queue.get();
    expect((await settled(clock, second)).done).toBe(false); // not to a second worker while the first holds it
    queue.done('a');
    expect(await settled(clock, second)).toEqual({ done: true, value: 'a' });
    queue.done('a');
    expect(queue.stats()).toMatchObject({ depth: 0, processing: 0, adds: 2 });
  });

  test('a key done without a re-add is not queued again; done() of a key not processed is ignored', async () => {
    const clock = new VirtualClock();
    const queue = new WorkQueue({ clock });
    queue.add('a');
    const key = await queue.get();
    queue.done(key as string);
    queue.done('never-got');
    expect(queue.length).toBe(0);
  });

  test('get() waits for an add; waiting workers are served in turn', async () => {
    const clock = new VirtualClock();
    const queue = new WorkQueue({ clock });
    const first = queue.get();
    const second = queue.get();
    expect((await settled(clock, first)).done).toBe(false);
    queue.add('x');
    queue.add('y');
    expect(await first).toBe('x');
    expect(await second).toBe('y');
  });

  test('addAfter holds a key until its instant; the earlier instant wins', async () => {
    const clock = new VirtualClock();
    const queue = new WorkQueue({ clock });
    queue.addAfter('a', 1000);
    queue.addAfter('a', 100);
    queue.addAfter('b', 100);
    queue.addAfter('b', 1000);
    queue.addAfter('now', 0);
    expect(await drain(clock, queue)).toEqual(['now']);
    expect(queue.stats().waiting).toBe(2);
    await clock.advance(99);
    expect(queue.length).toBe(0);
    await clock.advance(1);
    expect((await drain(clock, queue)).toSorted()).toEqual(['a', 'b']);
    await clock.advance('10s');
    expect(queue.length).toBe(0); // the later instants were dropped, not kept as a second wait
    expect(queue.stats()).toMatchObject({ waiting: 0, retries: 5 });
  });

  test('addRateLimited waits 5, 10, 20, 40 ms for a key that keeps failing; forget() starts it over', async () => {
    const clock = new VirtualClock();
    const queue = new WorkQueue({ clock, rateLimiter: itemExponentialRateLimiter() });
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const addedAt = clock.now();
      expect(queue.addRateLimited('a')).toBe(5 * 2 ** i);
      while (queue.length === 0) await clock.advance(1);
      waits.push(clock.now() - addedAt);
      await drain(clock, queue);
    }
    expect(waits).toEqual([5, 10, 20, 40]);
    expect(queue.retries('a')).toBe(4);
    queue.forget('a');
    expect(queue.retries('a')).toBe(0);
    expect(queue.addRateLimited('a')).toBe(5);
  });

  test('shutDown: adds are ignored, delayed keys dropped, queued keys still handed out, then get() gives null', async () => {
    const clock = new VirtualClock();
    const queue = new WorkQueue({ clock });
    const waiting = queue.get();
    queue.add('a');
    expect(await waiting).toBe('a');
    queue.add('b');
    queue.addAfter('later', 10);
    const idle = queue.get(); // gets b
    const blocked = queue.get();
    queue.shutDown();
    queue.add('c');
    queue.addAfter('d', 0);
    expect(await idle).toBe('b');
    expect(await blocked).toBeNull();
    await clock.advance('1s');
    expect(await queue.get()).toBeNull();
    expect(queue.stats()).toMatchObject({ shuttingDown: true, waiting: 0 });
  });

  test('shutDownWithDrain resolves once the keys being processed are done', async () => {
    const clock = new VirtualClock();
    const queue = new WorkQueue({ clock });
    queue.add('a');
    queue.add('b');
    await queue.get();
    await queue.get();
    const draining = queue.shutDownWithDrain();
    queue.done('a');
    expect((await settled(clock, draining)).done).toBe(false);
    queue.done('b');
    expect((await settled(clock, draining)).done).toBe(true);
  });

  test('shutDown() ends the wait of an earlier shutDownWithDrain', async () => {
    const clock = new VirtualClock();
    const queue = new WorkQueue({ clock });
    queue.add('stuck');
    await queue.get();
    const draining = queue.shutDownWithDrain();
    expect((await settled(clock, draining)).done).toBe(false);
    queue.shutDown();
    expect((await settled(clock, draining)).done).toBe(true);
  });

  test('stats and hooks: depth, adds, retries, queue latency, work duration, unfinished work, longest running', async () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    const queue = new WorkQueue({
      clock,
      hooks: {
        onAdded: (key) => seen.push(`added ${key}`),
        onTaken: (key, latencyMs) => seen.push(`taken ${key} after ${latencyMs}`),
        onDone: (key, durationMs) => seen.push(`done ${key} in ${durationMs}`),
        onRetried: (key, delayMs) => seen.push(`retried ${key} in ${delayMs}`),
      },
    });
    queue.add('a');
    queue.add('b');
    queue.add('a'); // deduped: no second add
    await clock.advance(30);
    expect(await queue.get()).toBe('a');
    await clock.advance(20);
    expect(await queue.get()).toBe('b');
    await clock.advance(10);
    queue.addAfter('c', 5);
    expect(queue.stats()).toEqual({
      depth: 0,
      waiting: 1,
      processing: 2,
      adds: 2,
      retries: 1,
      unfinishedWorkMs: 30 + 10,
      longestRunningMs: 30,
      shuttingDown: false,
    });
    queue.done('a');
    queue.done('b');
    await clock.advance(5);
    expect(queue.stats()).toMatchObject({ depth: 1, processing: 0, adds: 3, unfinishedWorkMs: 0, longestRunningMs: 0 });
    expect(seen).toEqual([
      'added a',
      'added b',
      'taken a after 30',
      'taken b after 50',
      'retried c in 5',
      'done a in 30',
      'done b in 10',
      'added c',
    ]);
  });
});
