import { afterEach, describe, expect, test } from 'vitest';
import { task } from '../../../src/index.ts';
import type { CompleteJobRequest, CompleteJobResult, Store } from '../../../src/index.ts';
import { createHarness, deferred, storeFactories, type Harness } from './harness.ts';

/** Holds every completeJobs call until the test lets them through. */
function holdCompletions(store: Store): { held: number; release(): void } {
  const gate = { held: 0, open: deferred(), release: () => gate.open.resolve() };
  const completeJobs = store.completeJobs.bind(store);
  store.completeJobs = async (requests: readonly CompleteJobRequest[]): Promise<CompleteJobResult[]> => {
    gate.held += requests.length;
    await gate.open.promise;
    return completeJobs(requests);
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
    h = createHarness(() => store, { concurrency: 1, tasks: [task<number>('n', { run: ({ data }) => void ran.push(data) })] }, undefined, store);
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

  test('outcomes piling up unwritten stop the claims (backpressure)', async () => {
    const store = makeStore();
    const gate = holdCompletions(store);
    let ran = 0;
    h = createHarness(() => store, { concurrency: 1, tasks: [task('n', { run: () => void ran++ })] }, undefined, store);
    await h.scheduler.enqueueMany(Array.from({ length: 1_200 }, () => ({ task: 'n' })));
    await h.scheduler.start();
    await settleWhile(h, () => ran);
    // 1,000 outcomes in writing: no more claims until the store takes them.
    expect(ran).toBe(1_000);
    expect((await store.listJobs({ status: 'queued', limit: 1_000 })).length).toBe(200);
    gate.release();
    await settleWhile(h, () => ran);
    expect(ran).toBe(1_200);
  });
});
