import { afterEach, describe, expect, test } from 'vitest';
import { JobFailedError, JobNotFoundError, NonRetryableError, ResultTimeoutError, Scheduler, task } from '../../../src/index.ts';
import type { ClusterEventMeta, Store } from '../../../src/index.ts';
import { MemoryStore } from '../../../src/memory/index.ts';
import { VirtualClock } from '../../../src/testing/virtual-clock.ts';

const t0 = Date.UTC(2026, 0, 1);

const double = task('double', { queue: 'workers', retry: { attempts: 1 }, run: ({ data }) => (data as number) * 2 });
const explode = task('explode', { queue: 'workers', retry: { attempts: 1 }, run: () => { throw new NonRetryableError('boom'); } });
const tasks = [double, explode];

/** A store whose event-log reads can be made to fail (an outage seen by one node only). */
function flaky(store: Store): Store & { failReads: boolean } {
  const state = { failReads: false };
  return new Proxy(store, {
    get(target, key) {
      if (key === 'failReads') return state.failReads;
      if (key === 'readEvents') {
        return async (request: Parameters<Store['readEvents']>[0]) => {
          if (state.failReads) throw new Error('connection lost');
          return target.readEvents(request);
        };
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set(_target, key, value) {
      if (key !== 'failReads') return false;
      state.failReads = value as boolean;
      return true;
    },
  }) as Store & { failReads: boolean };
}

let running: Scheduler[] = [];
afterEach(async () => {
  for (const scheduler of running) await scheduler.stop({ timeout: 0 });
  running = [];
});

async function cluster(options: { apiStore?: (store: Store) => Store } = {}) {
  const clock = new VirtualClock(t0);
  const store = new MemoryStore();
  // A controller node that runs the 'workers' queue, and an API node that serves no queue of them.
  const worker = new Scheduler({ store, clock, tasks, nodeId: 'worker', logger: 'silent', pollInterval: '100ms', lookAhead: 0 });
  const api = new Scheduler({ store: options.apiStore?.(store) ?? store, clock, tasks, queues: ['api'], nodeId: 'api', logger: 'silent', pollInterval: '100ms', lookAhead: 0 });
  running.push(worker, api);
  await worker.start();
  await api.start();
  await clock.settle();
  return { clock, store, worker, api };
}

describe('routing by queue', () => {
  test('a node runs only the jobs of the queues it serves; the API node enqueues, the worker runs', async () => {
    const { clock, api, worker } = await cluster();
    const startedOn: string[] = [];
    worker.on('job.started', () => startedOn.push('worker'));
    api.on('job.started', () => startedOn.push('api'));
    const job = await api.enqueue({ task: double, data: 21 });
    await clock.advance('1s');
    expect(startedOn).toEqual(['worker']);
    expect((await api.getJob(job.id))?.status).toBe('succeeded');
  });

  test('with no node serving its queue, a job stays queued', async () => {
    const clock = new VirtualClock(t0);
    const store = new MemoryStore();
    const api = new Scheduler({ store, clock, tasks, queues: ['api'], nodeId: 'api', logger: 'silent', lookAhead: 0 });
    running.push(api);
    await api.start();
    const job = await api.enqueue({ task: double, data: 1 });
    await clock.advance('1m');
    expect((await api.getJob(job.id))?.status).toBe('queued');
    const [node] = await store.listNodes();
    expect(node?.tasks).toEqual([]);
  });

  test('a bad queue name is refused at the boundary', () => {
    expect(() => task('t', { queue: 'no spaces', run: () => {} })).toThrow(/queue/);
    expect(() => new Scheduler({ store: new MemoryStore(), queues: ['ok', ''] })).toThrow(/queue/);
  });
});

describe('result() across nodes', () => {
  test('resolves on the API node with the value the worker node computed', async () => {
    const { clock, api } = await cluster();
    const job = await api.enqueue({ task: double, data: 21 });
    const result = api.result(job.id, { timeout: '10s' });
    await clock.advance('1s');
    await expect(result).resolves.toBe(42);
  });

  test('is pushed through the event log once the worker knows the API node waits', async () => {
    const { clock, api, store } = await cluster();
    const first = api.result((await api.enqueue({ task: double, data: 1 })).id);
    await clock.advance('2s');
    await first;
    // Interest is known now: the next result arrives on the event (worker poll + feed poll, 100 ms
    // each with this store, which pushes no wake-ups), before the first safety read (250 ms).
    const before = await store.eventCursor();
    const job = await api.enqueue({ task: double, data: 5 });
    let value: unknown;
    void api.result(job.id).then((v) => (value = v));
    await clock.advance('240ms');
    expect(value).toBe(10);
    expect(await store.eventCursor()).toBeGreaterThan(before);
  });

  test("a fresh node's first waits read sooner, before the other nodes know it waits", async () => {
    const { clock, api, store } = await cluster();
    const job = await api.enqueue({ task: double, data: 2 });
    let value: unknown;
    void api.result(job.id).then((v) => (value = v));
    // The worker runs it within its 100 ms poll but appends nothing yet (it does not know); the
    // warm-up reads (25, 75, 175 ms) find it — a quarter-second first read would not.
    await clock.advance('200ms');
    expect(value).toBe(4);
    expect(await store.eventCursor()).toBe(0);
  });

  test('answers at once for a job already finished', async () => {
    const { clock, api } = await cluster();
    const job = await api.enqueue({ task: double, data: 4 });
    await clock.advance('1s');
    await expect(api.result(job.id)).resolves.toBe(8);
  });

  test('rejects with JobFailedError for a dead job, carrying its error', async () => {
    const { clock, api } = await cluster();
    const job = await api.enqueue({ task: explode, data: null });
    const result = api.result(job.id);
    const caught = result.catch((error: unknown) => error);
    await clock.advance('1s');
    const error = await caught;
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error).toMatchObject({ code: 'JOB_FAILED', jobId: job.id, status: 'dead', jobError: { name: 'NonRetryableError', message: 'boom' } });
  });

  test('rejects with JobFailedError (cancelled) when the job is cancelled', async () => {
    const clock = new VirtualClock(t0);
    const api = new Scheduler({ store: new MemoryStore(), clock, tasks, queues: ['api'], logger: 'silent', lookAhead: 0 });
    running.push(api);
    await api.start();
    const job = await api.enqueue({ task: double, data: 1 });
    const caught = api.result(job.id).catch((error: unknown) => error);
    await api.cancelJob(job.id);
    await clock.advance('1s');
    expect(await caught).toMatchObject({ status: 'cancelled' });
  });

  test('times out with ResultTimeoutError; an unknown job is JobNotFoundError; an abort rejects with its reason', async () => {
    const clock = new VirtualClock(t0);
    const api = new Scheduler({ store: new MemoryStore(), clock, tasks, queues: ['api'], logger: 'silent', lookAhead: 0 });
    running.push(api);
    await api.start();
    const job = await api.enqueue({ task: double, data: 1 });
    const timedOut = api.result(job.id, { timeout: '3s' }).catch((error: unknown) => error);
    await clock.advance('2999ms');
    const controller = new AbortController();
    const aborted = api.result(job.id, { signal: controller.signal }).catch((error: unknown) => error);
    controller.abort(new Error('caller gave up'));
    await clock.advance('1ms');
    expect(await timedOut).toBeInstanceOf(ResultTimeoutError);
    expect(await aborted).toEqual(new Error('caller gave up'));
    await expect(api.result('0190c2a0-0000-7000-8000-000000000000')).rejects.toBeInstanceOf(JobNotFoundError);
  });
});

describe('cluster events', () => {
  test("a cluster listener on one node gets another node's events, in order, with their node", async () => {
    const { clock, api } = await cluster();
    const seen: Array<[string, string, number]> = [];
    api.on('job.started', ({ job }, meta: ClusterEventMeta) => seen.push(['started', meta.nodeId, job.data as number]), { scope: 'cluster' });
    api.on('job.succeeded', ({ job, result }, meta) => seen.push([`succeeded#${job.attempt}`, meta.nodeId, result as number]), { scope: 'cluster' });
    await clock.advance('2s'); // the worker learns what the API node listens to
    await api.enqueue({ task: double, data: 3 });
    await clock.advance('1s');
    expect(seen).toEqual([
      ['started', 'worker', 3],
      ['succeeded#1', 'worker', 6],
    ]);
  });

  test('nothing is appended to the log while no node listens', async () => {
    const { clock, api, store } = await cluster();
    for (let i = 0; i < 5; i++) await api.enqueue({ task: double, data: i });
    await clock.advance('5s');
    expect(await store.eventCursor()).toBe(0);
    expect((await store.listNodes()).map((node) => node.clusterEvents)).toEqual([[], []]);
  });

  test('a local-only event cannot be listened to across the cluster', async () => {
    const { api } = await cluster();
    expect(() => api.on('error' as never, () => {}, { scope: 'cluster' })).toThrow(/not delivered across the cluster/);
  });

  test('after an outage of its reads, a node resumes from its cursor: no gap, no repeat', async () => {
    let flakyStore: (Store & { failReads: boolean }) | undefined;
    const { clock, api } = await cluster({ apiStore: (store) => (flakyStore = flaky(store)) });
    const results: number[] = [];
    api.on('job.succeeded', ({ result }) => results.push(result as number), { scope: 'cluster' });
    await clock.advance('2s');
    await api.enqueue({ task: double, data: 1 });
    await clock.advance('1s');
    flakyStore!.failReads = true;
    for (let i = 2; i <= 6; i++) await api.enqueue({ task: double, data: i });
    await clock.advance('3s');
    expect(results).toEqual([2]);
    flakyStore!.failReads = false;
    await clock.advance('1s');
    expect(results).toEqual([2, 4, 6, 8, 10, 12]);
  });

  test('events trimmed before a node read them are announced as lost, and waits still resolve', async () => {
    let flakyStore: (Store & { failReads: boolean }) | undefined;
    const { clock, api, store } = await cluster({ apiStore: (s) => (flakyStore = flaky(s)) });
    const lost: Array<{ afterSeq: number; trimmedThroughSeq: number }> = [];
    api.on('cluster.eventsLost', (payload) => lost.push(payload));
    api.on('job.succeeded', () => {}, { scope: 'cluster' });
    await clock.advance('2s');
    flakyStore!.failReads = true;
    const job = await api.enqueue({ task: double, data: 7 });
    const result = api.result(job.id);
    await clock.advance('1s');
    const cursorBefore = api.clusterCursor;
    await store.trimEvents({ beforeMs: clock.now() + 1 });
    flakyStore!.failReads = false;
    await clock.advance('1s');
    expect(lost).toHaveLength(1);
    expect(lost[0]!.afterSeq).toBe(cursorBefore);
    expect(lost[0]!.trimmedThroughSeq).toBeGreaterThan(cursorBefore);
    await expect(result).resolves.toBe(14);
  });

  test('a listener added long after the start gets what comes after it, not the backlog', async () => {
    const { clock, api, worker } = await cluster();
    // Someone listens (the worker) for a while, so events are appended; the API node does not.
    worker.on('job.succeeded', () => {}, { scope: 'cluster' });
    await clock.advance('2s');
    for (let i = 0; i < 3; i++) await api.enqueue({ task: double, data: i });
    await clock.advance('2s');
    const seen: number[] = [];
    api.on('job.succeeded', ({ result }) => seen.push(result as number), { scope: 'cluster' });
    await clock.advance('1s');
    expect(seen).toEqual([]);
    await api.enqueue({ task: double, data: 50 });
    await clock.advance('1s');
    expect(seen).toEqual([100]);
  });

  test('a node that listens to nothing never reads the log, whatever others append', async () => {
    let reads = 0;
    const counting = (store: Store): Store =>
      new Proxy(store, {
        get(target, key) {
          if (key === 'readEvents') {
            return (request: Parameters<Store['readEvents']>[0]) => {
              reads++;
              return target.readEvents(request);
            };
          }
          const value = Reflect.get(target, key) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
    const { clock, api, worker } = await cluster({ apiStore: counting });
    worker.on('job.succeeded', () => {}, { scope: 'cluster' });
    await clock.advance('2s');
    for (let i = 0; i < 3; i++) await api.enqueue({ task: double, data: i });
    await clock.advance('5s');
    expect(reads).toBe(0);
  });
});
