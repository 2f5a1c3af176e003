import { ValueType } from '@opentelemetry/api';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { MemoryStore } from '../../../src/memory/index.ts';
import { at, every, task, type SchedulerOptions, type Store } from '../../../src/index.ts';
import { completeJob } from '../../../src/store/single-calls.ts';
import { VirtualClock } from '../../../src/testing/virtual-clock.ts';
import { openTelemetry, sundialMetrics, type OpenTelemetryOptions } from '../../../src/telemetry/index.ts';
import { createHarness, deferred, t0, unclosable, type Harness } from '../runtime/harness.ts';
import { createOtel, type Otel } from './otel-harness.ts';

const store = { 'sundial.store': 'memory' } as const;

describe('metrics', () => {
  let otel: Otel;
  const harnesses: Harness[] = [];
  beforeEach(() => {
    otel = createOtel();
  });
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.scheduler.stop({ timeout: 0 });
    await otel.shutdown();
  });

  function harness(
    options: Omit<SchedulerOptions, 'store' | 'clock'>,
    { telemetry = {}, clock = new VirtualClock(t0), memory = new MemoryStore() }: { telemetry?: OpenTelemetryOptions; clock?: VirtualClock; memory?: Store } = {},
  ): Harness {
    const instrumentation = openTelemetry({ tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider, ...telemetry });
    const h = createHarness(() => memory, { ...options, instrumentation }, clock, memory);
    harnesses.push(h);
    return h;
  }

  const sorted = <T extends { attributes: Record<string, unknown> }>(points: T[]) =>
    [...points].sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)));

  test('attempt outcomes and durations: succeeded, failed (a retry is planned), dead, cancelled — per task, never per job', async () => {
    let flakyCalls = 0;
    const hold = deferred();
    const h = harness({
      tasks: [
        task('ok', { run: () => {} }),
        task('flaky', {
          retry: { attempts: 2, backoff: { type: 'fixed', delay: '1s', jitter: 0 } },
          run: () => {
            if (++flakyCalls === 1) throw new TypeError('first time');
          },
        }),
        task('doomed', { retry: { attempts: 1 }, run: () => { throw new RangeError('never'); } }),
        task('held', { run: () => hold.promise }),
      ],
    });
    await h.scheduler.start();
    await h.scheduler.enqueue({ task: 'ok' });
    await h.scheduler.enqueue({ task: 'flaky' });
    await h.scheduler.enqueue({ task: 'doomed' });
    const later = await h.scheduler.enqueue({ task: 'held', runAt: t0 + 60_000 });
    await h.clock.advance('2s');
    await h.scheduler.cancelJob(later.id);
    await h.clock.settle();

    expect(sorted(await otel.values(sundialMetrics.outcomes))).toEqual(sorted([
      { attributes: { ...store, 'sundial.task': 'ok', 'sundial.outcome': 'succeeded' }, value: 1 },
      { attributes: { ...store, 'sundial.task': 'flaky', 'sundial.outcome': 'failed' }, value: 1 },
      { attributes: { ...store, 'sundial.task': 'flaky', 'sundial.outcome': 'succeeded' }, value: 1 },
      { attributes: { ...store, 'sundial.task': 'doomed', 'sundial.outcome': 'dead' }, value: 1 },
      { attributes: { ...store, 'sundial.task': 'held', 'sundial.outcome': 'cancelled' }, value: 1 },
    ]));

    const durations = sorted(await otel.histogram(sundialMetrics.attemptDuration));
    expect(durations.map(({ attributes, count }) => ({ attributes, count }))).toEqual(sorted([
      { attributes: { ...store, 'sundial.task': 'ok' }, count: 1 },
      { attributes: { ...store, 'sundial.task': 'flaky', 'error.type': 'TypeError' }, count: 1 },
      { attributes: { ...store, 'sundial.task': 'flaky' }, count: 1 },
      { attributes: { ...store, 'sundial.task': 'doomed', 'error.type': 'RangeError' }, count: 1 },
    ]));
    for (const point of durations) expect(point.sum).toBeGreaterThanOrEqual(0);
  });

  test('attempt duration is the time the handler ran, in seconds', async () => {
    const h = harness({ tasks: [task('sleepy', { run: () => new Promise((resolve) => setTimeout(resolve, 30)) })] });
    await h.scheduler.start();
    await h.scheduler.enqueue({ task: 'sleepy' });
    const done = h.scheduler.waitFor('job.succeeded');
    await h.clock.settle();
    await done;
    const [point] = await otel.histogram(sundialMetrics.attemptDuration);
    expect(point!.count).toBe(1);
    // 30 ms of a real timer (the monotonic clock, as the span's own duration): seconds, not ms.
    expect(point!.sum).toBeGreaterThanOrEqual(0.025);
    expect(point!.sum).toBeLessThan(5);
  });

  test("lateness: start minus when it was due — a fire's instant (after downtime), a delayed job's runAt; per task and origin", async () => {
    const h = harness({ tasks: [task('report', { run: () => {} }), task('email', { run: () => {} })] });
    await h.scheduler.schedule({ id: 'once', task: 'report', trigger: at(t0 + 60_000) });
    // An overdue delayed job (its runAt passed while no node ran): 2 s late at the start below.
    await h.scheduler.enqueue({ task: 'email', runAt: t0 + 88_000 });
    // The node was down when the fire was due: it starts 30 s late.
    await h.clock.advance('90s');
    await h.scheduler.start();
    await h.clock.settle();
    // On time: a delayed job the running node reserved and started at its instant.
    await h.scheduler.enqueue({ task: 'email', delay: '10s' });
    await h.clock.advance('10s');

    const points = sorted(await otel.histogram(sundialMetrics.lateness));
    expect(points.map(({ attributes, count, sum, max }) => ({ attributes, count, sum, max }))).toEqual(sorted([
      { attributes: { ...store, 'sundial.task': 'report', 'sundial.job.origin': 'schedule' }, count: 1, sum: 30, max: 30 },
      { attributes: { ...store, 'sundial.task': 'email', 'sundial.job.origin': 'enqueue' }, count: 2, sum: 2, max: 2 },
    ]));
    const metric = await otel.metric(sundialMetrics.lateness);
    expect(metric?.descriptor.unit).toBe('s');
  });

  test("lateness is not the trigger's jitter, nor a retry's backoff: both are when the job was meant to run", async () => {
    let calls = 0;
    const h = harness({
      tasks: [
        task('spread', { run: () => {} }),
        task('retried', {
          retry: { attempts: 2, backoff: { type: 'fixed', delay: '20s', jitter: 0 } },
          run: () => {
            if (++calls === 1) throw new Error('once');
          },
        }),
      ],
    });
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 'spread', task: 'spread', trigger: every('1m', { jitter: '30s' }) });
    await h.scheduler.schedule({ id: 'retried', task: 'retried', trigger: every('1h') });
    await h.clock.advance('1h');
    await h.clock.advance('30s'); // the retry, 20 s after the first attempt failed
    const jobs = await h.scheduler.listJobs({ scheduleId: 'spread', status: ['succeeded'] });
    // The jitter moved the runs off the fire instants (else this test would prove nothing).
    expect(jobs.filter((job) => job.runAtMs !== job.fireAtMs).length).toBeGreaterThan(50);
    expect(calls).toBe(2);
    const points = await otel.histogram(sundialMetrics.lateness);
    expect(points.map(({ attributes, count, max }) => [attributes['sundial.task'], count, max])).toEqual([
      ['spread', jobs.length, 0],
      ['retried', 2, 0],
    ]);
  });

  test('sundial.schedule.id is on the fire metrics only when scheduleIdAttribute allows it', async () => {
    const h = harness(
      { tasks: [task('report', { run: () => {} })] },
      { telemetry: { scheduleIdAttribute: (id) => id.startsWith('fleet:') } },
    );
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 'fleet:nightly', task: 'report', trigger: every('1m') });
    await h.scheduler.schedule({ id: 'user:42', task: 'report', trigger: every('1m') });
    await h.clock.advance('1m');
    const lateness = await otel.histogram(sundialMetrics.lateness);
    expect(sorted(lateness).map(({ attributes, count }) => ({ attributes, count }))).toEqual(sorted([
      { attributes: { ...store, 'sundial.task': 'report', 'sundial.job.origin': 'schedule', 'sundial.schedule.id': 'fleet:nightly' }, count: 1 },
      { attributes: { ...store, 'sundial.task': 'report', 'sundial.job.origin': 'schedule' }, count: 1 },
    ]));
    const fires = await otel.values(sundialMetrics.fires);
    expect(sorted(fires)).toEqual(sorted([
      { attributes: { ...store, 'sundial.task': 'report', 'sundial.outcome': 'started', 'sundial.schedule.id': 'fleet:nightly' }, value: 1 },
      { attributes: { ...store, 'sundial.task': 'report', 'sundial.outcome': 'started' }, value: 1 },
    ]));
    // Never on the job metrics.
    for (const point of await otel.values(sundialMetrics.outcomes)) expect(point.attributes['sundial.schedule.id']).toBeUndefined();
  });

  test('fires: started, coalesced after downtime, missed past the misfire grace, skipped at maxRunning', async () => {
    const hold = deferred();
    const h = harness({ tasks: [task('poll', { run: () => {} }), task('once', { run: () => {} }), task('busy', { run: () => hold.promise })] });
    await h.scheduler.schedule({ id: 'poll', task: 'poll', trigger: every('1m') }); // coalesce 'latest'
    await h.scheduler.schedule({ id: 'once', task: 'once', trigger: at(t0 + 60_000), misfireGrace: '10s' });
    // Five minutes of downtime: poll's five fires become one job (4 coalesced), once's fire is missed.
    await h.clock.advance('5m');
    await h.scheduler.start();
    await h.clock.settle();
    // busy runs for longer than its interval: its next fires are skipped (maxRunning 1).
    await h.scheduler.schedule({ id: 'busy', task: 'busy', trigger: every('1m') });
    await h.clock.advance('3m');
    hold.resolve();
    await h.clock.settle();

    const counts = Object.fromEntries(
      (await otel.values(sundialMetrics.fires)).map(({ attributes, value }) => [`${String(attributes['sundial.task'])} ${String(attributes['sundial.outcome'])}`, value]),
    );
    expect(counts).toEqual({
      'poll started': 4, // the coalesced one after downtime, then one a minute
      'poll coalesced': 4,
      'once missed': 1,
      // Fires at 2 and 3 min were reserved as jobs, then skipped at their instant: one outcome each.
      'busy started': 1,
      'busy skipped': 2,
    });
    for (const { attributes } of await otel.values(sundialMetrics.fires)) expect(attributes['sundial.store']).toBe('memory');
  });

  test('running jobs: an up-down counter observed from the started schedulers', async () => {
    const hold = deferred();
    const h = harness({ tasks: [task('held', { run: () => hold.promise })] });
    expect(await otel.values(sundialMetrics.running)).toEqual([]); // not started: nothing observed
    await h.scheduler.start();
    await h.scheduler.enqueueMany([{ task: 'held' }, { task: 'held' }]);
    await h.clock.settle();
    expect(await otel.values(sundialMetrics.running)).toEqual([{ attributes: store, value: 2 }]);
    const metric = await otel.metric(sundialMetrics.running);
    expect(metric?.dataPointType).toBe(DataPointType.SUM);
    expect(metric?.dataPointType === DataPointType.SUM && metric.isMonotonic).toBe(false);
    hold.resolve();
    await h.clock.settle();
    expect(await otel.values(sundialMetrics.running)).toEqual([{ attributes: store, value: 0 }]);
  });

  test("breaker state: 1 for each task's current state, as the node last read it", async () => {
    const h = harness({ tasks: [task('guarded', { breaker: { minimumCalls: 2 }, run: () => {} })] });
    await h.scheduler.start();
    await h.scheduler.forceBreaker('guarded', 'open');
    await h.clock.advance('2s');
    const states = await otel.values(sundialMetrics.breakerState);
    expect(sorted(states)).toEqual(
      sorted([
        { attributes: { ...store, 'sundial.task': 'guarded', 'sundial.breaker.state': 'open' }, value: 1 },
        { attributes: { ...store, 'sundial.task': 'guarded', 'sundial.breaker.state': 'closed' }, value: 0 },
        { attributes: { ...store, 'sundial.task': 'guarded', 'sundial.breaker.state': 'half_open' }, value: 0 },
      ]),
    );
  });

  test('rate-limit delays: jobs a limit per key put off, and for how long', async () => {
    const h = harness({
      tasks: [task<{ account: string }>('per-account', { rateLimit: { limit: 1, per: '1s', key: (data) => (data as { account: string }).account }, run: () => {} })],
    });
    await h.scheduler.start();
    await h.scheduler.enqueueMany([{ task: 'per-account', data: { account: 'a' } }, { task: 'per-account', data: { account: 'a' } }]);
    await h.clock.settle();
    expect(await otel.values(sundialMetrics.rateLimitDelays)).toEqual([{ attributes: { ...store, 'sundial.task': 'per-account' }, value: 1 }]);
    const [delay] = await otel.histogram(sundialMetrics.rateLimitDelay);
    expect(delay).toMatchObject({ attributes: { ...store, 'sundial.task': 'per-account' }, count: 1, sum: 1 });
  });

  test('queue depth: a gauge of jobs per status, read from the store at most once per interval', async () => {
    const memory = new MemoryStore();
    let reads = 0;
    const counting = new Proxy(memory, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (property === 'jobStats') reads++;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const h = harness({ tasks: [task('ok', { run: () => {} })] }, { memory: counting });
    await h.scheduler.start();
    await h.scheduler.enqueue({ task: 'ok' });
    // No node runs this task: its jobs wait, queued (routing).
    await memory.enqueueJobs(['a', 'b', 'c'].map((id) => ({ id, task: 'elsewhere', data: null, origin: 'enqueue', scheduleId: null, fireAtMs: null, priority: 0, runAtMs: t0, maxAttempts: 1, dedupeKey: null, createdAtMs: t0 })));
    await h.clock.settle();
    reads = 0;
    const depth = Object.fromEntries((await otel.values(sundialMetrics.jobCount)).map(({ attributes, value }) => [attributes['sundial.job.status'], value]));
    expect(depth).toEqual({ waiting: 0, queued: 3, reserved: 0, running: 0, succeeded: 1, failed: 0, dead: 0, cancelled: 0 });
    for (const { attributes } of await otel.values(sundialMetrics.jobCount)) expect(attributes['sundial.store']).toBe('memory');
    expect((await otel.metric(sundialMetrics.jobCount))?.dataPointType).toBe(DataPointType.GAUGE);
    await otel.collect();
    await otel.collect();
    expect(reads).toBe(1);
  });

  test('queue depth can be turned off (no store read at all)', async () => {
    const h = harness({ tasks: [task('ok', { run: () => {} })] }, { telemetry: { queueDepth: false } });
    await h.scheduler.start();
    expect(await otel.metric(sundialMetrics.jobCount)).toBeUndefined();
  });

  test('lease takeovers (a node stopped renewing) and lease losses (another node took the job)', async () => {
    const clock = new VirtualClock(t0);
    const memory = new MemoryStore();
    await memory.open();
    await memory.enqueueJobs([{ id: 'orphan', task: 'work', data: null, origin: 'enqueue', scheduleId: null, fireAtMs: null, priority: 0, runAtMs: t0, maxAttempts: 3, dedupeKey: null, createdAtMs: t0 }]);
    await memory.claimJobs({ nodeId: 'dead-node', nowMs: t0, leaseMs: 3_000, limit: 1, tasks: ['work'] });
    const h = harness(
      { tasks: [task('work', { run: () => {} }), task('slow', { run: ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))) })] },
      { clock, memory },
    );
    await h.scheduler.start();
    await clock.advance('3500ms');
    expect(await otel.values(sundialMetrics.leaseTakeovers)).toEqual([{ attributes: { ...store, 'sundial.task': 'work' }, value: 1 }]);

    const job = await h.scheduler.enqueue({ task: 'slow' });
    await clock.settle();
    const running = await memory.getJob(job.id);
    // Another node takes the job over behind this node's back.
    await completeJob(memory, { jobId: job.id, fencingToken: running!.fencingToken, nowMs: clock.now(), completion: { status: 'retry', error: { name: 'X', message: 'taken' }, retryAtMs: clock.now() + 3_600_000 } });
    await clock.advance('1500ms');
    expect(await otel.values(sundialMetrics.leaseLosses)).toEqual([{ attributes: store, value: 1 }]);
  });

  test('quarantined records: a job whose stored fields cannot be decoded', async () => {
    const memory = new MemoryStore();
    // The store hands the job back with a field it could not decode.
    const damaged = new Proxy(memory, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (typeof value !== 'function') return value;
        const method = (value as (...args: unknown[]) => unknown).bind(target);
        if (property === 'claimJobs') {
          return async (...args: unknown[]) =>
            ((await method(...args)) as Array<{ id: string }>).map((job) => (job.id === 'bad' ? { ...job, unreadable: [{ field: 'data', reason: 'not JSON' }] } : job));
        }
        return method;
      },
    });
    const h = harness({ tasks: [task('work', { run: () => {} })], concurrency: 1 }, { memory: damaged });
    await memory.open();
    await memory.enqueueJobs([{ id: 'bad', task: 'work', data: null, origin: 'enqueue', scheduleId: null, fireAtMs: null, priority: 0, runAtMs: t0, maxAttempts: 3, dedupeKey: null, createdAtMs: t0 }]);
    await h.scheduler.start();
    await h.clock.settle();
    expect((await memory.getJob('bad'))?.status).toBe('dead');
    expect(await otel.values(sundialMetrics.quarantined)).toEqual([{ attributes: { ...store, 'sundial.record.kind': 'job' }, value: 1 }]);
    expect(await otel.values(sundialMetrics.outcomes)).toEqual([{ attributes: { ...store, 'sundial.task': 'work', 'sundial.outcome': 'dead' }, value: 1 }]);
  });

  test('every instrument: its name, unit, type and value type', async () => {
    const h = harness({ tasks: [task('ok', { run: () => {} })] });
    await h.scheduler.start();
    await h.scheduler.enqueue({ task: 'ok' });
    await h.clock.settle();
    // Counters with no data point are not exported: give each one.
    const metrics = await otel.collect();
    const seen = Object.fromEntries(metrics.map((m) => [m.descriptor.name, [m.descriptor.unit, m.dataPointType, m.descriptor.valueType]]));
    expect(seen).toEqual({
      'sundial.job.attempt.duration': ['s', DataPointType.HISTOGRAM, ValueType.DOUBLE],
      'sundial.job.lateness': ['s', DataPointType.HISTOGRAM, ValueType.DOUBLE],
      'sundial.job.outcomes': ['{outcome}', DataPointType.SUM, ValueType.INT],
      'sundial.job.running': ['{job}', DataPointType.SUM, ValueType.INT],
      'sundial.job.count': ['{job}', DataPointType.GAUGE, ValueType.INT],
    });
    // The histograms use buckets in seconds (advice), not the SDK's default millisecond ones.
    const duration = metrics.find((m) => m.descriptor.name === 'sundial.job.attempt.duration');
    expect(duration?.dataPointType === DataPointType.HISTOGRAM && duration.dataPoints[0]!.value.buckets.boundaries.slice(0, 3)).toEqual([0.005, 0.01, 0.025]);
  });

  test('several schedulers of a process on one store: running jobs summed, the queue depth read once', async () => {
    const memory = new MemoryStore();
    const clock = new VirtualClock(t0);
    const instrumentation = openTelemetry({ tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider });
    const hold = deferred();
    for (let i = 0; i < 2; i++) {
      const h = createHarness(() => unclosable(memory), { tasks: [task('held', { run: () => hold.promise })], concurrency: 1, instrumentation }, clock, unclosable(memory));
      harnesses.push(h);
      await h.scheduler.start();
    }
    await harnesses[0]!.scheduler.enqueueMany([{ task: 'held' }, { task: 'held' }, { task: 'held' }]);
    await clock.advance('1s');
    expect(await otel.values(sundialMetrics.running)).toEqual([{ attributes: store, value: 2 }]);
    const depth = (await otel.values(sundialMetrics.jobCount)).filter(({ attributes }) => attributes['sundial.job.status'] === 'queued');
    expect(depth).toEqual([{ attributes: { ...store, 'sundial.job.status': 'queued' }, value: 1 }]);
    hold.resolve();
    await clock.settle();
  });
});
