import { afterEach, describe, expect, test } from 'vitest';
import {
  controller,
  itemExponentialRateLimiter,
  TerminalError,
  type Controller,
  type ControllerEvents,
  type ControllerOptions,
  type ReconcileContext,
} from '../../../src/controllers/index.ts';
import { InvalidArgumentError, ShutdownError } from '../../../src/errors.ts';
import { silentLogger } from '../../../src/runtime/logger.ts';
import { sleep } from '../../../src/time/clock.ts';
import { VirtualClock } from '../../../src/testing/virtual-clock.ts';

const started: Controller[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.stop()));
});

/** A controller on a virtual clock that records every call and event; stopped after each test. */
function harness(options: Partial<ControllerOptions> & Pick<ControllerOptions, 'reconcile'>) {
  const clock = new VirtualClock(0);
  const calls: Array<{ key: string; atMs: number; retries: number }> = [];
  const { reconcile } = options;
  const ctl = controller({
    name: 'test',
    clock,
    logger: silentLogger,
    ...options,
    reconcile(key, ctx) {
      calls.push({ key, atMs: clock.now(), retries: ctx.retries });
      return reconcile(key, ctx);
    },
  });
  const events = {
    reconciled: [] as Array<ControllerEvents['controller.reconciled']>,
    failed: [] as Array<ControllerEvents['controller.failed']>,
    resynced: [] as Array<ControllerEvents['controller.resynced']>,
  };
  ctl.on('controller.reconciled', (e) => events.reconciled.push(e));
  ctl.on('controller.failed', (e) => events.failed.push(e));
  ctl.on('controller.resynced', (e) => events.resynced.push(e));
  const start = async (signal?: AbortSignal) => {
    started.push(ctl);
    await ctl.start(signal);
    await clock.settle();
  };
  return { clock, ctl, calls, events, start };
}

describe('controller', () => {
  test('lists the keys at start and reconciles each; a key that returns nothing is forgotten', async () => {
    const { ctl, calls, events, start, clock } = harness({ list: () => ['a', 'b'], reconcile: () => {} });
    await start();
    expect(calls.map((c) => c.key)).toEqual(['a', 'b']);
    expect(events.resynced).toEqual([{ controller: 'test', keys: 2 }]);
    expect(events.reconciled.map((e) => e.key)).toEqual(['a', 'b']);
    expect(events.reconciled[0]).toEqual({ controller: 'test', key: 'a', durationMs: 0 });
    await clock.advance('1h');
    expect(calls).toHaveLength(2);
    expect(ctl.status()).toMatchObject({ running: true, reconciles: 2, errors: 0, retries: 0 });
  });

  test('never reconciles one key in two workers at once, even with maxConcurrent 4 and idle workers', async () => {
    let running = 0;
    let maxRunning = 0;
    const runningKeys = new Set<string>();
    const overlaps: string[] = [];
    const { ctl, calls, clock, start } = harness({
      maxConcurrent: 4,
      async reconcile(key, { clock: c }) {
        if (runningKeys.has(key)) overlaps.push(key);
        runningKeys.add(key);
        maxRunning = Math.max(maxRunning, ++running);
        await sleep(c, key === 'a' ? 1000 : 100);
        running--;
        runningKeys.delete(key);
      },
    });
    await start();
    for (const key of ['a', 'b', 'c', 'd', 'e']) ctl.enqueue(key);
    await clock.advance(200);
    // b..e are done and three workers idle while 'a' still runs; 'a' is added again and again:
    // it must wait for its own reconcile to end, not go to an idle worker.
    for (let i = 0; i < 5; i++) {
      ctl.enqueue('a');
      await clock.advance(100);
    }
    expect(ctl.status()).toMatchObject({ inFlight: 1, depth: 1 });
    await clock.advance('10s');
    expect(overlaps).toEqual([]);
    expect(maxRunning).toBe(4);
    expect(calls.filter((c) => c.key === 'a').map((c) => c.atMs)).toEqual([0, 1000]);
    expect(calls).toHaveLength(6);
  });

  test('a key that keeps failing is retried after 5, 10, 20, 40, 80 ms', async () => {
    const { ctl, calls, events, clock, start } = harness({
      reconcile() {
        throw new Error('database unreachable');
      },
    });
    await start();
    ctl.enqueue('a');
    await clock.advance(5 + 10 + 20 + 40 + 80);
    expect(calls.map((c) => c.atMs)).toEqual([0, 5, 15, 35, 75, 155]);
    expect(calls.map((c) => c.retries)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(events.failed.map((e) => e.retryInMs)).toEqual([5, 10, 20, 40, 80, 160]);
    expect(events.failed[0]).toMatchObject({ controller: 'test', key: 'a', retries: 0, error: new Error('database unreachable') });
  });

  test('{ requeueAfter } brings the key back after that delay, with its backoff forgotten', async () => {
    let failFirst = true;
    const { ctl, calls, events, clock, start } = harness({
      reconcile() {
        if (failFirst) {
          failFirst = false;
          throw new Error('once');
        }
        return { requeueAfter: '30s' };
      },
    });
    await start();
    ctl.enqueue('a');
    await clock.advance(5); // the retry after the failure
    expect(events.reconciled).toEqual([{ controller: 'test', key: 'a', durationMs: 0, requeueAfterMs: 30_000 }]);
    await clock.advance(29_999);
    expect(calls).toHaveLength(2);
    await clock.advance(1);
    expect(calls.map((c) => [c.atMs, c.retries])).toEqual([
      [0, 0],
      [5, 1],
      [30_005, 0],
    ]);
    expect(ctl.status().retries).toBe(3); // one rate-limited retry, two requeueAfter
  });

  test('{ requeue: true } comes back after the rate limiter delay, which grows', async () => {
    const { ctl, calls, events, clock, start } = harness({ reconcile: () => ({ requeue: true }) });
    await start();
    ctl.enqueue('a');
    await clock.advance(5 + 10 + 20);
    expect(calls.map((c) => c.atMs)).toEqual([0, 5, 15, 35]);
    expect(events.reconciled.map((e) => e.requeueAfterMs)).toEqual([5, 10, 20, 40]);
    expect(ctl.status().errors).toBe(0);
  });

  test('a TerminalError (or an error caused by one) is reported and not retried', async () => {
    const { ctl, calls, events, clock, start } = harness({
      reconcile(key) {
        if (key === 'wrapped') throw new Error('while syncing', { cause: new TerminalError('bad spec') });
        throw new TerminalError('bad spec');
      },
    });
    await start();
    ctl.enqueue('a');
    ctl.enqueue('wrapped');
    await clock.advance('1h');
    expect(calls.map((c) => c.key)).toEqual(['a', 'wrapped']);
    expect(events.failed.map((e) => [e.key, e.retryInMs])).toEqual([
      ['a', null],
      ['wrapped', null],
    ]);
    expect(ctl.status()).toMatchObject({ errors: 2, retries: 0 });
    expect(ctl.status().errorsByKey.map((e) => e.key).toSorted()).toEqual(['a', 'wrapped']);
    ctl.enqueue('a'); // something adds it again: it runs again
    await clock.settle();
    expect(calls).toHaveLength(3);
  });

  test('an invalid requeueAfter is handled as a failure of the reconcile', async () => {
    const { ctl, events, clock, start } = harness({ reconcile: () => ({ requeueAfter: '-5s' }) });
    await start();
    ctl.enqueue('a');
    await clock.settle();
    expect(events.failed[0]?.error).toBeInstanceOf(InvalidArgumentError);
    expect(events.failed[0]?.retryInMs).toBe(5);
  });

  test('resyncs every resyncEvery: list() runs again and each key is added', async () => {
    let keys = ['a', 'b'];
    const { calls, events, clock, start } = harness({ list: async () => keys, resyncEvery: '1m', reconcile: () => {} });
    await start();
    await clock.advance('1m');
    keys = ['a', 'b', 'c'];
    await clock.advance('2m');
    expect(events.resynced.map((e) => e.keys)).toEqual([2, 2, 3, 3]);
    expect(calls.filter((c) => c.key === 'a').map((c) => c.atMs)).toEqual([0, 60_000, 120_000, 180_000]);
    expect(calls.filter((c) => c.key === 'c').map((c) => c.atMs)).toEqual([120_000, 180_000]);
  });

  test('a resync that throws is logged and the next one still runs', async () => {
    let fail = false;
    const errors: string[] = [];
    const { events, clock, start } = harness({
      list: () => {
        if (fail) throw new Error('list down');
        return ['a'];
      },
      resyncEvery: '1m',
      reconcile: () => {},
      logger: { ...silentLogger, error: (message) => errors.push(message) },
    });
    await start();
    fail = true;
    await clock.advance('1m');
    fail = false;
    await clock.advance('1m');
    expect(events.resynced).toHaveLength(2);
    expect(errors).toEqual(['controller test: list() failed during resync: list down']);
  });

  test('stop() aborts ctx.signal of running reconciles, waits for them, starts no queued key, and a stopped controller ignores enqueue', async () => {
    const signals: AbortSignal[] = [];
    const { ctl, calls, events, clock, start } = harness({
      async reconcile(_key, ctx: ReconcileContext) {
        signals.push(ctx.signal);
        await sleep(ctx.clock, 60_000, ctx.signal);
      },
    });
    await start();
    ctl.enqueue('a');
    ctl.enqueue('queued'); // waits behind 'a' (maxConcurrent 1): dropped by the stop, not reconciled
    await clock.settle();
    expect(ctl.status()).toMatchObject({ inFlight: 1, depth: 1 });
    let stopped = false;
    const stopping = ctl.stop().then(() => (stopped = true));
    await stopping;
    expect(stopped).toBe(true);
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toBeInstanceOf(ShutdownError);
    expect(events.failed).toEqual([]); // ended by the stop: not a failure
    expect(ctl.status()).toMatchObject({ running: false, inFlight: 0, depth: 0 });
    ctl.enqueue('b');
    await clock.advance('1h');
    expect(calls.map((c) => c.key)).toEqual(['a']);
  });

  test('a restart after stop() gets a fresh queue: delayed keys and backoff of the last term are gone', async () => {
    const { ctl, calls, clock, start } = harness({
      list: () => ['listed'],
      reconcile(key) {
        if (key === 'flaky') throw new Error('nope');
      },
    });
    await start();
    ctl.enqueueAfter('delayed', '1m');
    ctl.enqueue('flaky');
    await clock.advance(5 + 10); // flaky failed 3 times: next retry in 40 ms
    await ctl.stop();
    await start();
    expect(ctl.status()).toMatchObject({ running: true, depth: 0 });
    await clock.advance('1h');
    expect(calls.filter((c) => c.key === 'delayed')).toEqual([]);
    expect(calls.filter((c) => c.key === 'listed')).toHaveLength(2);
    ctl.enqueue('flaky');
    await clock.settle();
    expect(calls.filter((c) => c.key === 'flaky').at(-1)?.retries).toBe(0);
    await ctl.stop();
    await ctl.stop(); // idempotent
  });

  test('a rateLimiter instance keeps its backoff across restarts; a factory starts each term afresh', async () => {
    const fail = () => {
      throw new Error('down');
    };
    const shared = harness({ reconcile: fail, rateLimiter: itemExponentialRateLimiter({ baseMs: 100 }) });
    const fresh = harness({ reconcile: fail, rateLimiter: () => itemExponentialRateLimiter({ baseMs: 100 }) });
    for (const { ctl, clock, start } of [shared, fresh]) {
      await start();
      ctl.enqueue('a');
      await clock.advance(100); // failed twice
      await ctl.stop();
      await start();
      ctl.enqueue('a');
      await clock.settle();
    }
    expect(shared.calls.map((c) => c.retries)).toEqual([0, 1, 2]);
    expect(fresh.calls.map((c) => c.retries)).toEqual([0, 1, 0]);
  });

  test('start is idempotent, and the start signal stops the controller when it aborts', async () => {
    const { ctl, calls, start, clock } = harness({ list: () => ['a'], reconcile: () => {} });
    const abort = new AbortController();
    await start(abort.signal);
    await ctl.start(abort.signal);
    expect(calls).toHaveLength(1);
    abort.abort();
    await clock.settle();
    expect(ctl.status().running).toBe(false);
  });

  test('a stop during the initial list rejects start() with a ShutdownError; a failing list rejects it with its error', async () => {
    let release = () => {};
    const { ctl, start } = harness({ list: () => new Promise<string[]>((resolve) => (release = () => resolve(['a']))), reconcile: () => {} });
    const starting = start();
    const stopping = ctl.stop();
    release();
    await expect(starting).rejects.toBeInstanceOf(ShutdownError);
    await stopping;
    const broken = harness({ list: () => Promise.reject(new Error('no list')), reconcile: () => {} });
    await expect(broken.start()).rejects.toThrow('no list');
    expect(broken.ctl.status().running).toBe(false);
  });

  test('errorsByKey: count and last error per failing key, cleared when the key reconciles fine, at most 100 keys', async () => {
    const failing = new Set(['a']);
    const { ctl, clock, start } = harness({
      reconcile(key, { retries }) {
        if (failing.has(key)) throw new RangeError(`${key} failed ${retries + 1}x`);
      },
    });
    await start();
    ctl.enqueue('a');
    await clock.advance(5);
    expect(ctl.status().errorsByKey).toEqual([{ key: 'a', count: 2, lastError: { name: 'RangeError', message: 'a failed 2x' }, lastAtMs: 5 }]);
    failing.delete('a');
    await clock.advance(10);
    expect(ctl.status().errorsByKey).toEqual([]);
    for (let i = 0; i < 150; i++) failing.add(`k${i}`);
    for (let i = 0; i < 150; i++) ctl.enqueue(`k${i}`);
    await clock.settle();
    const { errorsByKey } = ctl.status();
    expect(errorsByKey).toHaveLength(100);
    expect(errorsByKey[0]?.key).toBe('k149');
    expect(errorsByKey.at(-1)?.key).toBe('k50');
  });

  test('status(): counters, in-flight, last reconcile, queue latency and work duration percentiles', async () => {
    const { ctl, clock, start } = harness({
      async reconcile(key, { clock: c }) {
        await sleep(c, Number(key));
        if (key === '300') throw new Error('slow and wrong');
      },
    });
    await start();
    expect(ctl.status()).toEqual({
      name: 'test',
      running: true,
      depth: 0,
      adds: 0,
      retries: 0,
      inFlight: 0,
      reconciles: 0,
      errors: 0,
      lastReconcileAtMs: null,
      queueLatencyMs: { p50: null, p99: null },
      workDurationMs: { p50: null, p99: null },
      errorsByKey: [],
    });
    for (const key of ['100', '200', '300']) ctl.enqueue(key);
    await clock.advance(50);
    expect(ctl.status()).toMatchObject({ depth: 2, inFlight: 1, adds: 3 });
    await clock.advance(550); // 100 + 200 + 300 ms one after the other (maxConcurrent 1)
    const status = ctl.status();
    expect(status).toMatchObject({ depth: 0, inFlight: 0, reconciles: 3, errors: 1, retries: 1, lastReconcileAtMs: 600 });
    // Queue latency: 0, 100, 300 ms; work: 100, 200, 300 ms.
    expect(status.queueLatencyMs).toEqual({ p50: 100, p99: 300 });
    expect(status.workDurationMs).toEqual({ p50: 200, p99: 300 });
    expect(ctl.health()).toEqual({ live: true, ready: true });
  });

  test('a throwing event listener does not break the controller', async () => {
    const errors: string[] = [];
    const { ctl, calls, clock, start } = harness({ reconcile: () => {}, logger: { ...silentLogger, error: (m) => errors.push(m) } });
    ctl.on('controller.reconciled', () => {
      throw new Error('listener bug');
    });
    await start();
    ctl.enqueue('a');
    ctl.enqueue('b');
    await clock.settle();
    expect(calls).toHaveLength(2);
    expect(errors).toEqual([
      'controller test: a listener of controller.reconciled threw: listener bug',
      'controller test: a listener of controller.reconciled threw: listener bug',
    ]);
  });

  test('rejects invalid options with a message naming them', () => {
    const reconcile = () => {};
    expect(() => controller({ name: '', reconcile })).toThrow('Expected `name` to be a non-empty string');
    expect(() => controller({ name: 'x', reconcile, maxConcurrent: 0 })).toThrow('Expected `maxConcurrent` to be a positive integer, got 0');
    expect(() => controller({ name: 'x', reconcile, resyncEvery: '1m' })).toThrow('Expected `list` next to `resyncEvery`');
    expect(() => controller({ name: 'x', reconcile, list: () => [], resyncEvery: '-1m' })).toThrow(InvalidArgumentError);
  });
});
