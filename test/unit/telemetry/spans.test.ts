import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, createTraceState, defaultTextMapGetter, trace, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { MemoryStore } from '../../../src/memory/index.ts';
import { NonRetryableError, every, task, type SchedulerOptions, type Store } from '../../../src/index.ts';
import { openTelemetry } from '../../../src/telemetry/index.ts';
import { createHarness, deferred, t0, unclosable, type Harness } from '../runtime/harness.ts';
import { createOtel, type Otel } from './otel-harness.ts';

/** The W3C `traceparent` of a span, as the producer stores it with its jobs. */
const traceparentOf = (span: ReadableSpan) => `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;

describe('spans', () => {
  let otel: Otel;
  let tracer: Tracer;
  const harnesses: Harness[] = [];
  beforeEach(() => {
    otel = createOtel();
    tracer = otel.tracerProvider.getTracer('app');
  });
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.scheduler.stop({ timeout: 0 });
    await otel.shutdown();
  });

  function harness(tasks: SchedulerOptions['tasks'], extra: Omit<SchedulerOptions, 'store' | 'clock'> = {}, store: Store = new MemoryStore()): Harness {
    const h = createHarness(() => store, { tasks, instrumentation: openTelemetry({ tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider }), ...extra });
    harnesses.push(h);
    return h;
  }

  /** Runs `fn` inside an active span named `request` (the application's own, e.g. an HTTP request). */
  async function inRequest<T>(fn: () => Promise<T>): Promise<T> {
    return tracer.startActiveSpan('request', async (span) => {
      try {
        return await fn();
      } finally {
        span.end();
      }
    });
  }

  test('an enqueued job: request → PRODUCER "enqueue email" → CONSUMER "process email", one trace, the handler\'s spans nested', async () => {
    const h = harness([
      task('email', {
        run: async () => {
          // The handler's own work (an HTTP call, a query) is traced under the attempt.
          await tracer.startActiveSpan('smtp send', async (span) => span.end());
        },
      }),
    ]);
    await h.scheduler.start();
    const job = await inRequest(() => h.scheduler.enqueue({ task: 'email', data: { to: 'ada' } }));
    await h.clock.settle();
    expect((await h.scheduler.getJob(job.id))?.status).toBe('succeeded');

    const request = otel.span('request');
    const producer = otel.span('enqueue email');
    const consumer = otel.span('process email');
    const handler = otel.span('smtp send');
    expect(producer.kind).toBe(SpanKind.PRODUCER);
    expect(consumer.kind).toBe(SpanKind.CONSUMER);
    // One trace: request → producer → consumer → the handler's span.
    for (const span of [producer, consumer, handler]) expect(span.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(producer.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(consumer.parentSpanContext?.isRemote).toBe(true);
    expect(consumer.links).toEqual([]);
    expect(handler.parentSpanContext?.spanId).toBe(consumer.spanContext().spanId);
    // The job carries the producer's context (W3C traceparent), whichever node runs it.
    expect((await h.store.getJob(job.id))?.traceContext).toBe(traceparentOf(producer));

    expect(producer.attributes).toEqual({
      'messaging.system': 'sundial',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'enqueue',
      'messaging.destination.name': 'email',
      'sundial.task': 'email',
    });
    expect(consumer.attributes).toEqual({
      'messaging.system': 'sundial',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': 'email',
      'messaging.message.id': job.id,
      'sundial.task': 'email',
      'sundial.job.id': job.id,
      'sundial.job.attempt': 1,
      'sundial.job.max_attempts': 3,
      'sundial.job.origin': 'enqueue',
      'sundial.node.id': h.scheduler.nodeId,
      'sundial.job.lateness_ms': 0,
    });
    expect(producer.status.code).toBe(SpanStatusCode.UNSET);
    expect(consumer.status.code).toBe(SpanStatusCode.UNSET);
    // The consumer ends when the handler settles, after its own spans.
    expect(otel.spans().indexOf(consumer)).toBeGreaterThan(otel.spans().indexOf(handler));
  });

  test('a failed attempt: ERROR status, the exception recorded, error.type; each retry is its own span under the producer', async () => {
    let calls = 0;
    const h = harness([
      task('flaky', {
        retry: { attempts: 3, backoff: { type: 'fixed', delay: '10s', jitter: 0 } },
        run: () => {
          calls++;
          if (calls < 3) throw new TypeError(`boom ${calls}`);
        },
      }),
    ]);
    await h.scheduler.start();
    const job = await inRequest(() => h.scheduler.enqueue({ task: 'flaky' }));
    await h.clock.settle();
    await h.clock.advance('10s');
    await h.clock.advance('10s');
    expect((await h.scheduler.getJob(job.id))?.status).toBe('succeeded');

    const producer = otel.span('enqueue flaky');
    const attempts = otel.spans().filter((span) => span.name === 'process flaky');
    expect(attempts.map((span) => span.attributes['sundial.job.attempt'])).toEqual([1, 2, 3]);
    expect(new Set(attempts.map((span) => span.spanContext().spanId)).size).toBe(3);
    for (const span of attempts) {
      expect(span.spanContext().traceId).toBe(producer.spanContext().traceId);
      expect(span.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    }
    const [first, second, third] = attempts as [ReadableSpan, ReadableSpan, ReadableSpan];
    expect(first.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom 1' });
    expect(first.attributes['error.type']).toBe('TypeError');
    expect(first.events.map((event) => [event.name, event.attributes?.['exception.type'], event.attributes?.['exception.message']])).toEqual([
      ['exception', 'TypeError', 'boom 1'],
    ]);
    expect(second.status.code).toBe(SpanStatusCode.ERROR);
    expect(third.status.code).toBe(SpanStatusCode.UNSET);
    expect(third.attributes['error.type']).toBeUndefined();
    // A retry is due at its planned time: it starts on time, not late by its backoff.
    expect(third.attributes['sundial.job.lateness_ms']).toBe(0);
  });

  test("a schedule's fire starts a new trace with a link to the span that wrote the schedule", async () => {
    const h = harness([task('report', { run: () => tracer.startActiveSpan('render', (span) => span.end()) })]);
    await h.scheduler.start();
    await inRequest(() => h.scheduler.schedule({ id: 'nightly', task: 'report', trigger: every('1m') }));
    await h.clock.advance('2m');

    const request = otel.span('request');
    const producer = otel.span('schedule report');
    expect(producer.kind).toBe(SpanKind.PRODUCER);
    expect(producer.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(producer.attributes).toMatchObject({ 'messaging.operation.name': 'schedule', 'sundial.task': 'report', 'sundial.schedule.id': 'nightly' });
    expect((await h.store.getSchedule('nightly'))?.traceContext).toBe(traceparentOf(producer));

    const fires = otel.spans().filter((span) => span.name === 'process report');
    expect(fires).toHaveLength(2);
    for (const fire of fires) {
      expect(fire.kind).toBe(SpanKind.CONSUMER);
      expect(fire.parentSpanContext).toBeUndefined();
      expect(fire.spanContext().traceId).not.toBe(producer.spanContext().traceId);
      expect(fire.links.map((link) => [link.context.traceId, link.context.spanId])).toEqual([[producer.spanContext().traceId, producer.spanContext().spanId]]);
      expect(fire.attributes).toMatchObject({ 'sundial.job.origin': 'schedule', 'sundial.schedule.id': 'nightly' });
    }
    // Each fire is a trace of its own, and the handler's spans nest under it.
    expect(fires[0]!.spanContext().traceId).not.toBe(fires[1]!.spanContext().traceId);
    const render = otel.spans().filter((span) => span.name === 'render');
    expect(render.map((span) => span.parentSpanContext?.spanId)).toEqual(fires.map((fire) => fire.spanContext().spanId));
  });

  test("a trigger-now is a child of the trigger's span, like an enqueue", async () => {
    const h = harness([task('report', { run: () => {} })]);
    await h.scheduler.start();
    await h.scheduler.schedule({ id: 'nightly', task: 'report', trigger: every('1d') });
    const job = await inRequest(() => h.scheduler.trigger('nightly'));
    await h.clock.settle();
    const producer = otel.span('trigger report');
    const consumer = otel.spans().find((span) => span.name === 'process report' && span.attributes['sundial.job.id'] === job.id)!;
    expect(producer.attributes).toMatchObject({ 'messaging.operation.name': 'trigger', 'sundial.schedule.id': 'nightly' });
    expect(consumer.attributes['sundial.job.origin']).toBe('manual');
    expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(consumer.links).toEqual([]);
  });

  test('enqueueMany: one PRODUCER span for the batch, with messaging.batch.message_count; every job carries its context', async () => {
    const h = harness([task('email', { run: () => {} })]);
    const jobs = await inRequest(() => h.scheduler.enqueueMany([{ task: 'email' }, { task: 'email' }, { task: 'email' }]));
    const producer = otel.span('enqueue email');
    expect(producer.attributes['messaging.batch.message_count']).toBe(3);
    for (const job of jobs) expect((await h.store.getJob(job.id))?.traceContext).toBe(traceparentOf(producer));
    await h.scheduler.start();
    await h.clock.settle();
    const consumers = otel.spans().filter((span) => span.name === 'process email');
    expect(consumers.map((span) => span.parentSpanContext?.spanId)).toEqual([producer.spanContext().spanId, producer.spanContext().spanId, producer.spanContext().spanId]);
  });

  test('a write that fails: the PRODUCER span has ERROR status and the exception, and the error reaches the caller', async () => {
    const failing = new Proxy(new MemoryStore(), {
      get(target, property) {
        if (property === 'enqueueJobs') return async () => { throw new RangeError('disk full'); };
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const h = harness([task('email', { run: () => {} })], {}, failing);
    await expect(inRequest(() => h.scheduler.enqueue({ task: 'email' }))).rejects.toThrow('disk full');
    const producer = otel.span('enqueue email');
    expect(producer.status).toEqual({ code: SpanStatusCode.ERROR, message: 'disk full' });
    expect(producer.attributes['error.type']).toBe('RangeError');
    expect(producer.events.map((event) => event.name)).toEqual(['exception']);
  });

  test('a handler that throws a non-retryable error, and one that times out: ERROR status with their error types', async () => {
    const h = harness([
      task('strict', { run: () => { throw new NonRetryableError('bad input'); } }),
      task('slow', { timeout: '5s', run: () => new Promise(() => {}) }),
    ]);
    await h.scheduler.start();
    await h.scheduler.enqueue({ task: 'strict' });
    await h.scheduler.enqueue({ task: 'slow' });
    await h.clock.advance('6s');
    expect(otel.span('process strict').attributes['error.type']).toBe('NonRetryableError');
    expect(otel.span('process slow').attributes['error.type']).toBe('JobTimeoutError');
    expect(otel.span('process slow').status.code).toBe(SpanStatusCode.ERROR);
  });

  test('attempts never join the context the scheduler was started in; a job made without a trace is a root span', async () => {
    const store = new MemoryStore();
    // Enqueued by a node without telemetry (or before it was turned on): no trace context.
    const plain = createHarness(() => unclosable(store), { tasks: [task('email', { run: () => {} })] });
    harnesses.push(plain);
    const job = await plain.scheduler.enqueue({ task: 'email' });
    expect((await store.getJob(job.id))?.traceContext).toBeUndefined();

    const h = harness([task('email', { run: () => {} })], {}, store);
    // Started inside a span (a boot trace): the node's loop inherits that context.
    await inRequest(() => h.scheduler.start());
    await h.clock.settle();
    const consumer = otel.span('process email');
    expect(consumer.parentSpanContext).toBeUndefined();
    expect(consumer.links).toEqual([]);
    expect(consumer.spanContext().traceId).not.toBe(otel.span('request').spanContext().traceId);
  });

  test('an unreadable stored context is ignored: the attempt runs as a root span', async () => {
    const store = new MemoryStore();
    const h = harness([task('email', { run: () => {} })], {}, store);
    await store.open();
    await store.enqueueJobs([{ id: 'odd', task: 'email', data: null, origin: 'enqueue', scheduleId: null, fireAtMs: null, priority: 0, runAtMs: t0, maxAttempts: 1, dedupeKey: null, createdAtMs: t0, traceContext: 'not-a-traceparent' }]);
    await h.scheduler.start();
    await h.clock.settle();
    expect((await store.getJob('odd'))?.status).toBe('succeeded');
    expect(otel.span('process email').parentSpanContext).toBeUndefined();
  });

  test('tracestate travels with the job; the stored text reads back with the SDK\'s own W3C propagator', async () => {
    const h = harness([task('email', { run: () => {} })], {}, new MemoryStore());
    await h.scheduler.start();
    // A remote parent with a tracestate (as an incoming request's headers would give it).
    const parent = trace.setSpanContext(context.active(), {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
      traceState: createTraceState('vendor=opaque,other=1'),
    });
    const job = await context.with(parent, () => h.scheduler.enqueue({ task: 'email' }));
    const stored = (await h.store.getJob(job.id))!.traceContext!;
    const producer = otel.span('enqueue email');
    expect(stored).toBe(`${traceparentOf(producer)}\nvendor=opaque,other=1`);
    const [traceparent, tracestate] = stored.split('\n');
    const read = trace.getSpanContext(new W3CTraceContextPropagator().extract(ROOT_CONTEXT, { traceparent, tracestate }, defaultTextMapGetter))!;
    expect(read.spanId).toBe(producer.spanContext().spanId);
    expect(read.traceState?.get('vendor')).toBe('opaque');
    await h.clock.settle();
    expect(otel.span('process email').spanContext().traceState?.serialize()).toBe('vendor=opaque,other=1');
  });

  test("the propagator option: the SDK's W3CTraceContextPropagator works as well as the built-in format", async () => {
    const store = new MemoryStore();
    const h = createHarness(() => store, {
      tasks: [task('email', { run: () => {} })],
      instrumentation: openTelemetry({ tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider, propagator: new W3CTraceContextPropagator() }),
    });
    harnesses.push(h);
    await h.scheduler.start();
    await inRequest(() => h.scheduler.enqueue({ task: 'email' }));
    await h.clock.settle();
    expect(otel.span('process email').parentSpanContext?.spanId).toBe(otel.span('enqueue email').spanContext().spanId);
  });

  test('a handler that holds the attempt open: the span stays open until it settles', async () => {
    const release = deferred();
    const h = harness([task('long', { run: () => release.promise })]);
    await h.scheduler.start();
    await h.scheduler.enqueue({ task: 'long' });
    await h.clock.advance('1m');
    expect(otel.spans().filter((span) => span.name === 'process long')).toEqual([]);
    release.resolve();
    await h.clock.settle();
    expect(otel.spans().filter((span) => span.name === 'process long')).toHaveLength(1);
  });
});
