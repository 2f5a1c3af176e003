import { afterEach, describe, expect, test } from 'vitest';
import { every, PayloadTooLargeError, task, type JsonValue, type Logger } from '../../../src/index.ts';
import { createHarness, storeFactories, t0, type Harness } from './harness.ts';

// `maxPayloadBytes` at every way in: enqueue, flow, schedule and backfill refuse a larger payload
// and store nothing; a larger handler result is stored as null, with a warning.
const limitBytes = 100;
const big = { text: 'x'.repeat(limitBytes) };

describe.each(storeFactories)('maxPayloadBytes on the %s store', (_name, makeStore) => {
  let h: Harness;
  afterEach(async () => {
    await h?.scheduler.stop({ timeout: 0 });
  });

  test('enqueue, flow and schedule refuse a payload over the limit, and store nothing', async () => {
    h = createHarness(makeStore, { tasks: [task('t', { run: () => null })], maxPayloadBytes: limitBytes });
    await expect(h.scheduler.enqueue({ task: 't', data: big })).rejects.toThrow(PayloadTooLargeError);
    await expect(h.scheduler.flow([{ key: 'a', task: 't' }, { key: 'b', task: 't', data: big, after: ['a'] }])).rejects.toThrow(PayloadTooLargeError);
    await expect(h.scheduler.schedule({ id: 's', task: 't', trigger: every('1m'), data: big })).rejects.toThrow(
      /^data of schedule "s" is 111 bytes of JSON, over the limit of 100 bytes/,
    );
    expect(await h.scheduler.listJobs()).toEqual([]);
    expect(await h.scheduler.listSchedules()).toEqual([]);
    // Exactly at the limit is accepted.
    const fits = { text: 'x'.repeat(limitBytes - 11) };
    expect((await h.scheduler.enqueue({ task: 't', data: fits })).data).toEqual(fits);
  });

  test('backfill refuses a schedule whose data is over this node’s limit', async () => {
    const store = makeStore();
    const wide = createHarness(() => store, { tasks: [task('t', { run: () => null })] });
    await wide.scheduler.schedule({ id: 's', task: 't', trigger: every('1m'), data: big, paused: true });
    // A second node on the same store (both open it; the first to stop closes it).
    h = createHarness(() => store, { tasks: [task('t', { run: () => null })], maxPayloadBytes: limitBytes }, wide.clock, store);
    await expect(h.scheduler.backfill('s', { from: t0 - 600_000, to: t0 })).rejects.toThrow(PayloadTooLargeError);
    expect(await h.scheduler.listJobs()).toEqual([]);
    await wide.scheduler.stop({ timeout: 0 });
  });

  test('a result over the limit is stored as null, with a warning', async () => {
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (message) => void warnings.push(message), error() {} };
    h = createHarness(makeStore, { tasks: [task('t', { run: (): JsonValue => big })], maxPayloadBytes: limitBytes, logger });
    await h.scheduler.start();
    const job = await h.scheduler.enqueue({ task: 't' });
    await h.clock.advance('1s');
    const stored = await h.scheduler.getJob(job.id);
    expect(stored).toMatchObject({ status: 'succeeded', result: null });
    expect(warnings.some((message) => message.includes('larger than `maxPayloadBytes`; stored as null'))).toBe(true);
  });
});
