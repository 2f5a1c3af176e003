import { afterEach, describe, expect, test } from 'vitest';
import { InvalidArgumentError, task } from '../../../src/index.ts';
import { createHarness, storeFactories, t0, type Harness } from './harness.ts';

describe.each(storeFactories)('node registry and write options on the %s store', (_name, makeStore) => {
  let h: Harness;
  afterEach(async () => {
    await h?.scheduler.stop({ timeout: 0 });
  });

  test('a started node reports itself in the store, and refreshes its report while it runs', async () => {
    h = createHarness(makeStore, { nodeId: 'node-a', concurrency: 4, tasks: [task('b', { run: () => {} }), task('a', { run: () => {} })] });
    await h.scheduler.start();
    await h.clock.settle();
    const [node] = await h.store.listNodes();
    expect(node).toMatchObject({
      id: 'node-a',
      pid: process.pid,
      roles: { schedules: true, jobs: true },
      tasks: ['a', 'b'],
      concurrency: 4,
      startedAtMs: t0,
      lastSeenAtMs: t0,
    });
    expect(node?.version).toMatch(/^\d+\.\d+\.\d+/);
    await h.scheduler.enqueue({ task: 'a', runAt: t0 + 60_000 }); // something to wake for
    await h.clock.advance('1m');
    // Refreshed when the node last looked at the store: it reserved the job a look-ahead early.
    const lastSeenAtMs = (await h.store.listNodes())[0]?.lastSeenAtMs ?? 0;
    expect(lastSeenAtMs).toBeGreaterThanOrEqual(t0 + 55_000);
    expect(lastSeenAtMs).toBeLessThanOrEqual(t0 + 60_000);
  });

  test('a stopped node removes itself from the registry', async () => {
    const store = makeStore();
    h = createHarness(() => store, { nodeId: 'node-b' }, undefined, store);
    await h.scheduler.start();
    await h.clock.settle();
    expect((await store.listNodes()).map((n) => n.id)).toEqual(['node-b']);
    // Look at the registry just before the store closes.
    const close = store.close.bind(store);
    let nodesAtClose: string[] = [];
    store.close = async () => {
      nodesAtClose = (await store.listNodes()).map((n) => n.id);
      await close();
    };
    await h.scheduler.stop();
    expect(nodesAtClose).toEqual([]);
  });

  test('a store without transactional writes refuses { tx } and writes nothing', async () => {
    h = createHarness(makeStore, { tasks: [task('t', { run: () => {} })] });
    await expect(h.scheduler.enqueue({ task: 't' }, { tx: {} })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(h.scheduler.schedule({ id: 's', task: 't', trigger: { type: 'interval', everyMs: 1000, startAtMs: null, endAtMs: null, jitterMs: 0 } }, { tx: {} })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await h.scheduler.listJobs()).toEqual([]);
    expect(await h.scheduler.listSchedules()).toEqual([]);
  });
});
