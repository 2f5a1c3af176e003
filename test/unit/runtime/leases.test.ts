import { afterEach, describe, expect, test } from 'vitest';
import { task } from '../../../src/index.ts';
import { VirtualClock } from '../../../src/testing/virtual-clock.ts';
import { completeJob } from '../../../src/store/single-calls.ts';
import type { CompleteJobRequest, Store } from '../../../src/store/store.ts';
import { createHarness, deferred, storeFactories, t0, type Harness } from './harness.ts';

describe.each(storeFactories)('leases on the %s store', (_name, makeStore) => {
  const harnesses: Harness[] = [];
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.scheduler.stop({ timeout: 0 });
  });

  test('a job whose node stopped heartbeating is taken over within the lease time, under a newer fencing token', async () => {
    const clock = new VirtualClock(t0);
    const store = makeStore();
    await store.open();
    // A node that claimed the job and then died: it never renews nor completes.
    await store.enqueueJobs([{ id: 'j', task: 'work', data: null, origin: 'enqueue', scheduleId: null, fireAtMs: null, priority: 0, runAtMs: t0, maxAttempts: 3, dedupeKey: null, createdAtMs: t0 }]);
    const [claimed] = await store.claimJobs({ nodeId: 'dead-node', nowMs: t0, leaseMs: 3_000, limit: 1, tasks: ['work'] });
    const tokens: number[] = [];
    const h = createHarness(() => store, { tasks: [task('work', { run: ({ job }) => void tokens.push(job.fencingToken) })] }, clock, store);
    harnesses.push(h);
    await h.scheduler.start();
    await clock.advance('2900ms');
    expect(tokens).toEqual([]);
    await clock.advance('600ms'); // lease expired at 3 s; one poll later it is taken over
    expect(tokens).toEqual([claimed!.fencingToken + 1]);
    const job = await h.scheduler.getJob('j');
    expect(job?.status).toBe('succeeded');
    expect(job?.attempts.map((a) => [a.nodeId, a.outcome])).toEqual([
      ['dead-node', 'lease_expired'],
      [h.scheduler.nodeId, 'succeeded'],
    ]);
    expect(h.eventsOf('lease.expired')).toHaveLength(1);
  });

  test('heartbeats keep a long job alive far beyond the lease time', async () => {
    const release = deferred();
    const h = createHarness(makeStore, { lease: '3s', tasks: [task('long', { run: () => release.promise.then(() => 'finished') })] });
    harnesses.push(h);
    await h.scheduler.start();
    const job = await h.scheduler.enqueue({ task: 'long' });
    await h.clock.advance('1m');
    expect((await h.scheduler.getJob(job.id))?.status).toBe('running');
    release.resolve();
    await h.clock.settle();
    const done = await h.scheduler.getJob(job.id);
    expect(done?.status).toBe('succeeded');
    expect(done?.attempt).toBe(1);
    expect(h.eventsOf('lease.lost')).toHaveLength(0);
  });

  test('a node that lost its lease is aborted and cannot write its outcome', async () => {
    const clock = new VirtualClock(t0);
    const store = makeStore();
    const reasons: unknown[] = [];
    const h = createHarness(() => store, {
      tasks: [task('slow', { run: ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => { reasons.push(signal.reason); reject(signal.reason); })) })],
    }, clock, store);
    harnesses.push(h);
    await h.scheduler.start();
    const job = await h.scheduler.enqueue({ task: 'slow' });
    await clock.settle();
    // Another node takes the job over behind this node's back (as after a long pause of this process).
    const running = await store.getJob(job.id);
    await completeJob(store, { jobId: job.id, fencingToken: running!.fencingToken, nowMs: clock.now(), completion: { status: 'retry', error: { name: 'X', message: 'taken' }, retryAtMs: clock.now() + 3_600_000 } });
    await clock.advance('1500ms');
    expect(reasons).toHaveLength(1);
    expect((reasons[0] as Error).name).toBe('LeaseLostError');
    expect(h.eventsOf('lease.lost')).toHaveLength(1);
    expect((await store.getJob(job.id))?.status).toBe('failed');
  });

  test('stop() waits for running handlers, then aborts the rest and gives their jobs back', async () => {
    const finish = deferred();
    const h = createHarness(makeStore, {
      tasks: [
        task('quick', { run: () => finish.promise }),
        task('stuck', { run: () => new Promise(() => {}) }),
      ],
    });
    await h.scheduler.start();
    const quick = await h.scheduler.enqueue({ task: 'quick' });
    const stuck = await h.scheduler.enqueue({ task: 'stuck' });
    await h.clock.settle();
    const stopped = h.scheduler.stop({ timeout: '5s' });
    await h.clock.advance('1s');
    finish.resolve();
    await h.clock.advance('5s');
    await stopped;
    // Read the outcome through a fresh view of the same data where the store allows it.
    const events = h.events.map((e) => e.name);
    expect(events).toContain('job.released');
    const released = h.eventsOf('job.released')[0]!.job;
    expect(released.id).toBe(stuck.id);
    expect(released.status).toBe('queued');
    expect(released.attempt).toBe(0);
    expect(h.eventsOf('job.succeeded').map((e) => e.job.id)).toEqual([quick.id]);
  });

  test('a second stop() (SIGINT after SIGTERM) waits for the same drain', async () => {
    const finish = deferred();
    const h = createHarness(makeStore, { tasks: [task('slow', { run: () => finish.promise })] });
    harnesses.push(h);
    await h.scheduler.start();
    await h.scheduler.enqueue({ task: 'slow' });
    await h.clock.settle();
    let secondDone = false;
    const first = h.scheduler.stop({ timeout: '10s' });
    const second = h.scheduler.stop().then(() => (secondDone = true));
    await h.clock.advance('1s');
    expect(secondDone).toBe(false);
    finish.resolve();
    await h.clock.settle();
    await Promise.all([first, second]);
    expect(h.eventsOf('job.succeeded')).toHaveLength(1);
  });
});

/**
 * Outcomes reach the store at once, but the store's answer comes back only when `answer` settles
 * (as on a store with several connections), whichever call carries them: completeJobs, or
 * completeAndClaim with a claim. `before` runs first, with the outcomes about to be written.
 */
function delayAnswers(store: Store, answer: Promise<void>, before: (requests: readonly CompleteJobRequest[]) => Promise<void> = async () => {}): void {
  const completeJobs = store.completeJobs.bind(store);
  const completeAndClaim = store.completeAndClaim.bind(store);
  store.completeJobs = async (requests) => {
    await before(requests);
    const results = await completeJobs(requests);
    await answer;
    return results;
  };
  store.completeAndClaim = async (request) => {
    await before(request.completions);
    const result = await completeAndClaim(request);
    await answer;
    return result;
  };
}

describe.each(storeFactories)('lease renewals racing completions on the %s store', (_name, makeStore) => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.scheduler.stop({ timeout: 0 });
  });

  test('a renewal that finds the job already completed by its own outcome is not a lost lease', async () => {
    const store = makeStore();
    // The completion reaches the store at once, but its answer comes back only when the test says:
    // meanwhile a heartbeat renews the job, as on a store with several connections.
    const answer = deferred();
    delayAnswers(store, answer.promise);
    h = createHarness(() => store, { lease: '3s', tasks: [task('quick', { run: () => 'done' })] }, undefined, store);
    await h.scheduler.start();
    const job = await h.scheduler.enqueue({ task: 'quick' });
    await h.clock.settle();
    expect((await store.getJob(job.id))?.status).toBe('succeeded');
    await h.clock.advance('1s'); // a heartbeat: the store no longer holds the lease
    answer.resolve();
    await h.clock.settle();
    expect(h.eventsOf('job.succeeded').map((e) => e.job.id)).toEqual([job.id]);
    expect(h.eventsOf('lease.lost')).toEqual([]);
  });

  test('an outcome refused because the lease really was lost still reports lease.lost, once', async () => {
    const store = makeStore();
    const answer = deferred();
    const completeJobs = store.completeJobs.bind(store);
    let stolen = false;
    delayAnswers(store, answer.promise, async (requests) => {
      if (stolen || requests.length === 0) return;
      // Another node took the job over (the lease expired) before the outcome arrived.
      stolen = true;
      const [req] = requests;
      await completeJobs([{ ...req!, completion: { status: 'retry', error: { name: 'LeaseExpiredError', message: 'x' }, retryAtMs: req!.nowMs } }]);
      await store.claimJobs({ nodeId: 'other', nowMs: req!.nowMs, leaseMs: 60_000, limit: 1, tasks: ['quick'] });
    });
    h = createHarness(() => store, { lease: '3s', tasks: [task('quick', { run: () => 'done' })] }, undefined, store);
    await h.scheduler.start();
    await h.scheduler.enqueue({ task: 'quick' });
    await h.clock.settle();
    await h.clock.advance('1s');
    answer.resolve();
    await h.clock.settle();
    expect(h.eventsOf('lease.lost')).toHaveLength(1);
    expect(h.eventsOf('job.succeeded')).toEqual([]);
  });
});
