import { afterEach, describe, expect, test } from 'vitest';
import { MemoryStore } from '../../../src/memory/index.ts';
import { task, type Store } from '../../../src/index.ts';
import { instrumentStore, sundialMetrics } from '../../../src/telemetry/index.ts';
import { createHarness, type Harness } from '../runtime/harness.ts';
import { createOtel, type Otel } from './otel-harness.ts';

describe('instrumentStore', () => {
  let otel: Otel;
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.scheduler.stop({ timeout: 0 });
    await otel.shutdown();
  });

  test('records sundial.store.call.duration per method; the scheduler runs on the wrapped store as on the store', async () => {
    otel = createOtel();
    const store = instrumentStore(new MemoryStore(), { meterProvider: otel.meterProvider });
    expect(store.name).toBe('memory');
    expect(store).toBeInstanceOf(MemoryStore);
    h = createHarness(() => store, { tasks: [task('ok', { run: () => 'done' })] });
    await h.scheduler.start();
    const job = await h.scheduler.enqueue({ task: 'ok' });
    await h.clock.settle();
    expect((await h.scheduler.getJob(job.id))?.result).toBe('done');

    const points = await otel.histogram(sundialMetrics.storeCallDuration);
    const byMethod = Object.fromEntries(points.map(({ attributes, count }) => [attributes['sundial.store.method'], count]));
    expect(byMethod).toMatchObject({ open: 1, enqueueJobs: 1, getJob: 1 });
    expect(Object.keys(byMethod)).toEqual(expect.arrayContaining(['claimJobs']));
    for (const { attributes, sum } of points) {
      expect(attributes['sundial.store']).toBe('memory');
      expect(attributes['error.type']).toBeUndefined();
      expect(sum).toBeGreaterThanOrEqual(0);
    }
    expect((await otel.metric(sundialMetrics.storeCallDuration))?.descriptor.unit).toBe('s');
  });

  test('a failed call is recorded with error.type, and still fails as before', async () => {
    otel = createOtel();
    // A store whose calls fail: one rejects, one throws before returning a promise.
    const broken = {
      name: 'flaky',
      getSchedule: () => Promise.reject(new TypeError('connection reset')),
      listNodes: () => {
        throw new SyntaxError('sync failure');
      },
    } as unknown as Store;
    const failing = instrumentStore(broken, { meterProvider: otel.meterProvider });
    await expect(failing.getSchedule('s')).rejects.toThrow('connection reset');
    expect(() => failing.listNodes()).toThrow('sync failure');
    const points = (await otel.histogram(sundialMetrics.storeCallDuration)).filter(({ attributes }) => attributes['sundial.store'] === 'flaky');
    expect(points.map(({ attributes, count }) => [attributes['sundial.store.method'], attributes['error.type'], count])).toEqual([
      ['getSchedule', 'TypeError', 1],
      ['listNodes', 'SyntaxError', 1],
    ]);
  });
});
