import { afterEach, describe, expect, test } from 'vitest';
import { StoreSchemaError, StoreUnavailableError, task } from '../../../src/index.ts';
import { MemoryStore } from '../../../src/memory/index.ts';
import { createHarness, t0, type Harness } from './harness.ts';

/** A MemoryStore whose open() fails while `down` says so, counting the attempts. */
class FlakyStore extends MemoryStore {
  down: Error | null = new StoreUnavailableError('connect ECONNREFUSED 127.0.0.1:5432');
  attempts = 0;
  override async open(): Promise<void> {
    this.attempts++;
    if (this.down) throw this.down;
    await super.open();
  }
}

const run = task('run', { run: () => 'ok' });

describe('a scheduler whose store is unreachable at start', () => {
  let h: Harness;
  let store: FlakyStore;
  afterEach(async () => {
    await h?.scheduler.stop({ timeout: 0 });
  });

  function setup(): void {
    store = new FlakyStore();
    h = createHarness(() => store, { tasks: [run] }, undefined, store);
  }

  test('start() resolves, reports not ready, and keeps trying with growing waits', async () => {
    setup();
    const failures: Array<{ attempt: number; retryInMs: number }> = [];
    h.scheduler.on('store.openFailed', ({ attempt, retryInMs }) => failures.push({ attempt, retryInMs }));
    await h.scheduler.start();
    expect(h.scheduler.health()).toEqual({ state: 'connecting', ready: false, storeError: 'connect ECONNREFUSED 127.0.0.1:5432', live: true });
    await h.clock.advance('10s');
    expect(store.attempts).toBeGreaterThanOrEqual(5);
    expect(failures.map((f) => f.attempt)).toEqual(failures.map((_, i) => i + 1));
    // Exponential: each wait is longer than the one before (jitter is ±20 %, the base doubles).
    for (let i = 1; i < failures.length; i++) expect(failures[i]!.retryInMs).toBeGreaterThan(failures[i - 1]!.retryInMs);
  });

  test('API calls made meanwhile fail fast with STORE_UNAVAILABLE, and succeed once the store answers', async () => {
    setup();
    await h.scheduler.start();
    await h.clock.advance('1s');
    const attemptsBefore = store.attempts;
    await expect(h.scheduler.enqueue({ task: run })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(h.scheduler.listJobs()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(store.attempts).toBe(attemptsBefore); // failing fast: no attempt of their own

    store.down = null;
    const opened = h.scheduler.waitFor('store.opened');
    const started = h.scheduler.waitFor('scheduler.started');
    await h.clock.advance('30s');
    expect((await opened).attempts).toBe(store.attempts);
    await started;
    expect(h.scheduler.health()).toEqual({ state: 'running', ready: true, storeError: null, live: true });

    const job = await h.scheduler.enqueue({ task: run });
    await h.clock.settle();
    expect((await h.scheduler.getJob(job.id))?.status).toBe('succeeded');
  });

  test('a scheduler that is never started (a client) is not stuck with its first failure', async () => {
    setup();
    await expect(h.scheduler.enqueue({ task: run })).rejects.toBeInstanceOf(StoreUnavailableError);
    store.down = null;
    const job = await h.scheduler.enqueue({ task: run, runAt: t0 + 1 });
    expect(job.status).toBe('queued');
    expect(store.attempts).toBe(2);
  });

  test('a store that refuses its data fails start() at once, and start() can be called again', async () => {
    setup();
    store.down = new StoreSchemaError('written by a newer Sundial');
    await expect(h.scheduler.start()).rejects.toBeInstanceOf(StoreSchemaError);
    expect(h.scheduler.health().state).toBe('idle');
    await h.clock.advance('1m');
    expect(store.attempts).toBe(1); // not retried in the background
    store.down = null;
    await h.scheduler.start();
    expect(h.scheduler.health().ready).toBe(true);
  });

  test('stop() while waiting for the store ends the retries', async () => {
    setup();
    await h.scheduler.start();
    await h.clock.advance('1s');
    await h.scheduler.stop();
    const attempts = store.attempts;
    await h.clock.advance('1m');
    expect(store.attempts).toBe(attempts);
    expect(h.scheduler.health().state).toBe('stopped');
  });
});
