import { afterEach, describe, expect, test } from 'vitest';
import {
  JobCancelledError,
  JobTimeoutError,
  NonRetryableError,
  PayloadNotSerializableError,
  PayloadValidationError,
  UnknownTaskError,
  task,
  type StandardSchemaV1,
} from '../../../src/index.ts';
import { createHarness, deferred, storeFactories, t0, type Harness } from './harness.ts';

/** A hand-written Standard Schema validator: `{ workerId: string }`. */
const workerRef: StandardSchemaV1<unknown, { workerId: string }> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) =>
      typeof value === 'object' && value !== null && typeof (value as { workerId?: unknown }).workerId === 'string'
        ? { value: value as { workerId: string } }
        : { issues: [{ message: 'workerId must be a string', path: ['workerId'] }] },
  },
};

describe.each(storeFactories)('jobs on the %s store', (_name, makeStore) => {
  let h: Harness;
  afterEach(async () => {
    await h?.scheduler.stop({ timeout: 0 });
  });

  test('an enqueued job runs now with its data, services and job info', async () => {
    const seen: unknown[] = [];
    const services = { greeting: 'hello' };
    h = createHarness(makeStore, {
      services,
      tasks: [task<{ name: string }, typeof services>('greet', { run: ({ data, services: s, job, attempt }) => {
        seen.push({ text: `${s.greeting} ${data.name}`, attempt, origin: job.origin, token: job.fencingToken });
        return { ok: true };
      } })],
    });
    await h.scheduler.start();
    const job = await h.scheduler.enqueue({ task: 'greet', data: { name: 'Ada' } });
    await h.clock.settle();
    expect(seen).toEqual([{ text: 'hello Ada', attempt: 1, origin: 'enqueue', token: 1 }]);
    const stored = await h.scheduler.getJob(job.id);
    expect(stored?.status).toBe('succeeded');
    expect(stored?.result).toEqual({ ok: true });
    expect(stored?.attempts.map((a) => a.outcome)).toEqual(['succeeded']);
  });

  test('runAt, delay and priority order the work', async () => {
    const order: string[] = [];
    h = createHarness(makeStore, { concurrency: 1, tasks: [task<string>('log', { run: ({ data }) => void order.push(data) })] });
    await h.scheduler.enqueue({ task: 'log', data: 'later', runAt: t0 + 10_000 });
    await h.scheduler.enqueue({ task: 'log', data: 'delayed', delay: '5s' });
    await h.scheduler.enqueue({ task: 'log', data: 'low', priority: -1 });
    await h.scheduler.enqueue({ task: 'log', data: 'high', priority: 5 });
    await h.scheduler.start();
    await h.clock.advance('1s');
    expect(order).toEqual(['high', 'low']);
    await h.clock.advance('10s');
    expect(order).toEqual(['high', 'low', 'delayed', 'later']);
  });

  test('a dedupeKey returns the unfinished job instead of creating another', async () => {
    h = createHarness(makeStore, { tasks: [task('refresh', { run: () => {} })] });
    const first = await h.scheduler.enqueue({ task: 'refresh', data: { id: 1 }, dedupeKey: 'refresh:1' });
    const second = await h.scheduler.enqueue({ task: 'refresh', data: { id: 1 }, dedupeKey: 'refresh:1' });
    expect(second.id).toBe(first.id);
    expect(await h.scheduler.listJobs()).toHaveLength(1);
  });

  test('bad payloads and unknown tasks are refused at the boundary, with typed errors', async () => {
    h = createHarness(makeStore, { tasks: [task('metrics', { schema: workerRef, run: () => {} })] });
    await expect(h.scheduler.enqueue({ task: 'metrics', data: { workerId: 42 } })).rejects.toBeInstanceOf(PayloadValidationError);
    await expect(h.scheduler.enqueue({ task: 'metrics', data: { workerId: 'w', client: new Map() } as never })).rejects.toBeInstanceOf(
      PayloadNotSerializableError,
    );
    await expect(h.scheduler.enqueue({ task: 'nope' })).rejects.toBeInstanceOf(UnknownTaskError);
    await expect(h.scheduler.enqueue({ task: 'metrics', data: { workerId: 'w-1' } })).resolves.toMatchObject({ status: 'queued' });
    expect(await h.scheduler.listJobs()).toHaveLength(1);
  });

  test('a failing job is retried with exponential backoff, each attempt recorded, until it succeeds', async () => {
    let calls = 0;
    h = createHarness(makeStore, {
      random: () => 0,
      tasks: [task('flaky', {
        retry: { attempts: 4, backoff: { type: 'exponential', delay: '1s', max: '1m', jitter: 0 } },
        run: () => { if (++calls < 3) throw new Error(`boom ${calls}`); return 'ok'; },
      })],
    });
    await h.scheduler.start();
    const job = await h.scheduler.enqueue({ task: 'flaky' });
    await h.clock.settle();
    const retries = h.eventsOf('job.failed');
    expect(retries).toHaveLength(1);
    expect(retries[0]!.retryAtMs).toBe(t0 + 1_000);
    await h.clock.advance('1s');
    expect(h.eventsOf('job.failed')[1]!.retryAtMs).toBe(t0 + 1_000 + 2_000);
    await h.clock.advance('2s');
    const stored = await h.scheduler.getJob(job.id);
    expect(stored?.status).toBe('succeeded');
    expect(stored?.attempt).toBe(3);
    expect(stored?.attempts.map((a) => [a.attempt, a.outcome, a.error?.message ?? null])).toEqual([
      [1, 'failed', 'boom 1'],
      [2, 'failed', 'boom 2'],
      [3, 'succeeded', null],
    ]);
  });

  test('a job out of attempts is dead, with its error and stack kept', async () => {
    h = createHarness(makeStore, {
      tasks: [task('bad', { retry: { attempts: 2, backoff: { type: 'fixed', delay: '1s', jitter: 0 } }, run: () => { throw new Error('always'); } })],
    });
    await h.scheduler.start();
    const job = await h.scheduler.enqueue({ task: 'bad' });
    await h.clock.advance('2s');
    const stored = await h.scheduler.getJob(job.id);
    expect(stored?.status).toBe('dead');
    expect(stored?.error?.message).toBe('always');
    expect(stored?.error?.stack).toContain('always');
    expect(h.eventsOf('job.dead')).toHaveLength(1);
  });

  test('a NonRetryableError goes to dead at once', async () => {
    h = createHarness(makeStore, { tasks: [task('bad', { retry: { attempts: 5 }, run: () => { throw new NonRetryableError('bad input'); } })] });
    await h.scheduler.start();
    const job = await h.scheduler.enqueue({ task: 'bad' });
    await h.clock.settle();
    expect((await h.scheduler.getJob(job.id))?.status).toBe('dead');
    expect(h.eventsOf('job.failed')).toHaveLength(0);
  });

  test('a timeout aborts the handler through its signal and counts as a failed attempt', async () => {
    const reasons: unknown[] = [];
    h = createHarness(makeStore, {
      tasks: [task('slow', {
        timeout: '2s',
        retry: { attempts: 1 },
        run: ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => { reasons.push(signal.reason); reject(signal.reason); })),
      })],
    });
    await h.scheduler.start();
    const job = await h.scheduler.enqueue({ task: 'slow' });
    await h.clock.advance('2s');
    expect(reasons[0]).toBeInstanceOf(JobTimeoutError);
    const stored = await h.scheduler.getJob(job.id);
    expect(stored?.status).toBe('dead');
    expect(stored?.attempts[0]?.outcome).toBe('timed_out');
  });

  test('a handler that ignores its signal still frees its slot at the timeout', async () => {
    h = createHarness(makeStore, { concurrency: 1, tasks: [
      task('stuck', { timeout: '1s', retry: { attempts: 1 }, run: () => new Promise(() => {}) }),
      task('next', { run: () => 'ran' }),
    ] });
    await h.scheduler.start();
    await h.scheduler.enqueue({ task: 'stuck' });
    await h.scheduler.enqueue({ task: 'next' });
    await h.clock.advance('1500ms');
    expect(h.eventsOf('job.succeeded').map((e) => e.result)).toEqual(['ran']);
  });

  test('cancelling a running job aborts its handler and marks it cancelled', async () => {
    const started = deferred();
    const reasons: unknown[] = [];
    h = createHarness(makeStore, {
      tasks: [task('long', { run: ({ signal }) => new Promise((_, reject) => {
        started.resolve();
        signal.addEventListener('abort', () => { reasons.push(signal.reason); reject(signal.reason); });
      }) })],
    });
    await h.scheduler.start();
    const job = await h.scheduler.enqueue({ task: 'long' });
    await started.promise;
    const requested = await h.scheduler.cancelJob(job.id);
    expect(requested?.cancelRequested).toBe(true);
    await h.clock.advance('2s'); // the next heartbeat delivers the cancel request
    expect(reasons[0]).toBeInstanceOf(JobCancelledError);
    expect((await h.scheduler.getJob(job.id))?.status).toBe('cancelled');
  });

  test('a queued job is cancelled at once, and a dead job can be retried', async () => {
    h = createHarness(makeStore, { tasks: [task('x', { retry: { attempts: 1 }, run: ({ attempt }) => { if (attempt === 1) throw new Error('first'); } })] });
    const queued = await h.scheduler.enqueue({ task: 'x', runAt: t0 + 60_000 });
    expect((await h.scheduler.cancelJob(queued.id))?.status).toBe('cancelled');
    await h.scheduler.start();
    const job = await h.scheduler.enqueue({ task: 'x' });
    await h.clock.settle();
    expect((await h.scheduler.getJob(job.id))?.status).toBe('dead');
    await h.scheduler.retryJob(job.id);
    await h.clock.settle();
    expect((await h.scheduler.getJob(job.id))?.status).toBe('succeeded');
  });

  test('a job of a task this node does not run stays queued for a node that does (rolling deploys)', async () => {
    h = createHarness(makeStore, { nodeId: 'old-node', tasks: [task('known', { run: () => 'fine' })] });
    await h.scheduler.start();
    await h.store.enqueueJobs([{ id: 'newer', task: 'new-task', data: null, origin: 'enqueue', scheduleId: null, fireAtMs: null, priority: 0, runAtMs: t0, maxAttempts: 3, dedupeKey: null, createdAtMs: t0 }]);
    await h.scheduler.enqueue({ task: 'known' });
    await h.clock.advance('1m');
    expect(h.eventsOf('job.succeeded')).toHaveLength(1);
    expect(await h.scheduler.getJob('newer')).toMatchObject({ status: 'queued', attempt: 0 });

    const ran: string[] = [];
    const newer = createHarness(() => h.store, { nodeId: 'new-node', tasks: [task('new-task', { run: ({ job }) => void ran.push(job.nodeId) })] }, h.clock, h.store);
    await newer.scheduler.start();
    await h.clock.advance('1s');
    expect(ran).toEqual(['new-node']);
    expect(await h.scheduler.getJob('newer')).toMatchObject({ status: 'succeeded', attempt: 1 });
    await newer.scheduler.stop({ timeout: 0 });
  });

  test('the schema runs before each attempt and its output is what the handler sees', async () => {
    const trimmed: StandardSchemaV1<unknown, string> = {
      '~standard': { version: 1, vendor: 'test', validate: (v) => (typeof v === 'string' ? { value: v.trim() } : { issues: [{ message: 'string expected' }] }) },
    };
    const seen: string[] = [];
    h = createHarness(makeStore, { tasks: [task('trim', { schema: trimmed, run: ({ data }) => void seen.push(data) })] });
    await h.scheduler.start();
    const job = await h.scheduler.enqueue({ task: 'trim', data: '  padded  ' });
    await h.clock.settle();
    expect(seen).toEqual(['padded']);
    expect((await h.scheduler.getJob(job.id))?.data).toBe('  padded  ');
  });

  test('finished jobs are kept for their retention time, then purged', async () => {
    h = createHarness(makeStore, {
      history: { succeeded: '1h', failed: '1d' },
      tasks: [task('ok', { run: () => 'ok' }), task('bad', { retry: { attempts: 1 }, run: () => { throw new Error('no'); } })],
    });
    await h.scheduler.start();
    const ok = await h.scheduler.enqueue({ task: 'ok' });
    const bad = await h.scheduler.enqueue({ task: 'bad' });
    await h.clock.settle();
    // Keep the loop waking so the hourly purge gets its chance.
    await h.scheduler.schedule({ id: 'tick', task: 'ok', trigger: { type: 'interval', everyMs: 600_000, startAtMs: null, endAtMs: null, jitterMs: 0 } });
    await h.clock.advance('59m');
    expect(await h.scheduler.getJob(ok.id)).not.toBeNull();
    // The purge runs when the loop wakes (here at each 10-minute fire): at 70m the job is past 1h.
    await h.clock.advance('12m');
    expect(await h.scheduler.getJob(ok.id)).toBeNull();
    expect((await h.scheduler.getJob(bad.id))?.status).toBe('dead');
    await h.clock.advance('1d');
    expect(await h.scheduler.getJob(bad.id)).toBeNull();
  });
});
