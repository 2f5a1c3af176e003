import { describe, expect, test } from 'vitest';
import { QueueDepthReader } from '../../../src/telemetry/queue-depth.ts';
import { deferred } from '../runtime/harness.ts';

describe('QueueDepthReader', () => {
  test('reads the store at most once per interval, and never twice at once', async () => {
    let nowMs = 0;
    let reads = 0;
    const pending = deferred<Record<string, number>>();
    const reader = new QueueDepthReader(() => (++reads === 1 ? pending.promise : Promise.resolve({ queued: reads })), 5_000, () => nowMs);
    const first = reader.current();
    const second = reader.current(); // while the first read is under way
    pending.resolve({ queued: 1 });
    expect(await first).toEqual({ queued: 1 });
    expect(await second).toEqual({ queued: 1 });
    nowMs = 4_999;
    expect(await reader.current()).toEqual({ queued: 1 });
    expect(reads).toBe(1);
    nowMs = 5_000;
    expect(await reader.current()).toEqual({ queued: 2 });
    expect(reads).toBe(2);
  });

  test('a failed read answers null (no stale number), and is tried again after the interval', async () => {
    let nowMs = 0;
    let fail = true;
    const reader = new QueueDepthReader(async () => {
      if (fail) throw new Error('store down');
      return { queued: 3 };
    }, 1_000, () => nowMs);
    expect(await reader.current()).toBeNull();
    fail = false;
    nowMs = 500;
    expect(await reader.current()).toBeNull(); // not hammered: the interval holds after a failure too
    nowMs = 1_000;
    expect(await reader.current()).toEqual({ queued: 3 });
  });
});
