import { metrics, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, test } from 'vitest';
import { MemoryStore } from '../../../src/memory/index.ts';
import { task } from '../../../src/index.ts';
import { openTelemetry } from '../../../src/telemetry/index.ts';
import { createHarness, type Harness } from '../runtime/harness.ts';
import { createOtel, useAsyncContext } from './otel-harness.ts';

// No SDK registered: the API's globals are no-ops (this file never sets a global provider).
describe('without an OpenTelemetry SDK', () => {
  const harnesses: Harness[] = [];
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.scheduler.stop({ timeout: 0 });
  });

  test('openTelemetry() records nothing, stores no trace context, and jobs run as usual', async () => {
    useAsyncContext();
    expect(trace.getTracerProvider().getTracer('x').startSpan('probe').isRecording()).toBe(false);
    const store = new MemoryStore();
    const h = createHarness(() => store, {
      tasks: [task('ok', { retry: { attempts: 2, backoff: { type: 'fixed', delay: '1s', jitter: 0 } }, run: ({ attempt }) => { if (attempt === 1) throw new Error('once'); return attempt; } })],
      instrumentation: openTelemetry(),
    });
    harnesses.push(h);
    await h.scheduler.start();
    const job = await h.scheduler.enqueue({ task: 'ok' });
    await h.clock.advance('2s');
    const done = await store.getJob(job.id);
    expect(done?.status).toBe('succeeded');
    expect(done?.result).toBe(2);
    expect(done?.traceContext).toBeUndefined();
    expect(metrics.getMeterProvider().getMeter('x').createCounter('probe')).toBeDefined();
  });

  test('a scheduler without instrumentation stores no trace context, even inside an active span', async () => {
    const otel = createOtel();
    const store = new MemoryStore();
    const h = createHarness(() => store, { tasks: [task('ok', { run: () => {} })] });
    harnesses.push(h);
    const job = await otel.tracerProvider.getTracer('app').startActiveSpan('request', async (span) => {
      try {
        return await h.scheduler.enqueue({ task: 'ok' });
      } finally {
        span.end();
      }
    });
    expect((await store.getJob(job.id))?.traceContext).toBeUndefined();
    await otel.shutdown();
  });

  test('an SDK registered after the scheduler was made is used from then on (the global tracer provider is a proxy)', async () => {
    const store = new MemoryStore();
    const h = createHarness(() => store, { tasks: [task('ok', { run: () => {} })], instrumentation: openTelemetry() });
    harnesses.push(h);
    await h.scheduler.start();
    const before = await h.scheduler.enqueue({ task: 'ok' });
    const otel = createOtel();
    trace.setGlobalTracerProvider(otel.tracerProvider);
    try {
      const after = await otel.tracerProvider.getTracer('app').startActiveSpan('request', async (span) => {
        try {
          return await h.scheduler.enqueue({ task: 'ok' });
        } finally {
          span.end();
        }
      });
      await h.clock.settle();
      expect((await store.getJob(before.id))?.traceContext).toBeUndefined();
      expect((await store.getJob(after.id))?.traceContext).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-01$/);
      expect(otel.spans().map((span) => span.name).sort()).toEqual(['enqueue ok', 'process ok', 'process ok', 'request']);
    } finally {
      trace.disable();
      await otel.shutdown();
    }
  });
});
