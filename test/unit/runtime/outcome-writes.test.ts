import { afterEach, describe, expect, test } from 'vitest';
import { task } from '../../../src/index.ts';
import type { CompleteJobRequest, CompleteJobResult, Store } from '../../../src/index.ts';
import { createHarness, deferred, storeFactories, type Harness } from './harness.ts';

/** Holds every write of outcomes (completeJobs, completeAndClaim) until the test lets them through. */
function holdCompletions(store: Store): { held: number; release(): void } {
  const gate = { held: 0, open: deferred(), release: () => gate.open.resolve() };
  const completeJobs = store.completeJobs.bind(store);
  const completeAndClaim = store.completeAndClaim.bind(store);
  store.completeJobs = async (requests: readonly CompleteJobRequest[]): Promise<CompleteJobResult[]> => {
    gate.held += requests.length;
    await gate.open.promise;
    return completeJobs(requests);
  };
  // A claim that carries outcomes waits with them (one round trip for both).
  store.completeAndClaim = async (request) => {
    gate.held += request.completions.length;
    await gate.open.promise;
    return completeAndClaim(request);
  };
  return gate;
}

/** Settles the clock until `progress` stops changing: a thousand jobs take more than one settle(). */
async function settleWhile(h: Harness, progress: () => number): Promise<void> {
  let before: number;
  do {
    before = progress();
    await h.clock.settle();
  } while (progress() !== before);
}

describe.each(storeFactories)('outcome writes on the %s store', (_name, makeStore) => {
  let h: Harness;
  afterEach(async () => {
    await h?.scheduler.stop({ timeout: 0 });
  });

  test('a slot is free when its handler ends, before the outcome is written; stop() waits for the writes', async () => {
    const store = makeStore();
    const gate = holdCompletions(store);
    const ran: number[] = [];
    // One slot, two held ahead: one claim takes all three, and each handler starts as the slot frees.
    h = createHarness(() => store, { concurrency: 1, prefetch: 2, tasks: [task<number>('n', { run: ({ data }) => void ran.push(data) })] }, undefined, store);
    await h.scheduler.enqueueMany([1, 2, 3].map((data) => ({ task: 'n', data })));
    await h.scheduler.start();
    await h.clock.settle();
    // All three handlers ran one after the other on the one slot, while no outcome was written yet.
    expect(ran).toEqual([1, 2, 3]);
    expect(gate.held).toBe(3);
    expect(h.eventsOf('job.succeeded')).toHaveLength(0);

    expect((await store.listJobs({ status: 'running' })).length).toBe(3);
    let stopped = false;
    const stopping = h.scheduler.stop({ timeout: '1m' }).then(() => (stopped = true));
    await h.clock.settle();
    expect(stopped, 'stop() waits for outcomes still being written').toBe(false);
    gate.release();
    await stopping;
    expect(h.eventsOf('job.succeeded')).toHaveLength(3);
  });

  test('a claim carries the outcomes written so far: while the store does not take them, nothing more is claimed (backpressure)', async () => {
    const store = makeStore();
    const gate = holdCompletions(store);
    let ran = 0;
    h = createHarness(() => store, { concurrency: 1, prefetch: 4, tasks: [task('n', { run: () => void ran++ })] }, undefined, store);
    await h.scheduler.enqueueMany(Array.from({ length: 50 }, () => ({ task: 'n' })));
    await h.scheduler.start();
    await settleWhile(h, () => ran);
    // The first claim took five; the next one carries their outcomes and waits with them.
    expect(ran).toBe(5);
    expect(gate.held).toBe(5);
    expect((await store.listJobs({ status: 'queued', limit: 100 })).length).toBe(45);
    gate.release();
    await settleWhile(h, () => ran);
    expect(ran).toBe(50);
  });
});
