// The Redis store's event log beyond what the conformance suite reaches: the trim by age follows
// each event's own atMs (nodes' clocks disagree, so atMs is not in seq order), trims larger than
// one script's chunk, and seqs that stay unique even when the counter key is lost.
import { Redis } from 'ioredis';
import { afterEach, expect, test } from 'vitest';
import { RedisStore } from '../../src/redis/index.ts';
import type { ClusterEventWrite } from '../../src/store/store.ts';
import { deletePrefix, randomPrefix, redisUrl, requireRedis } from '../fixtures/redis-test-helpers.ts';

const available = await requireRedis();
const t0 = Date.UTC(2026, 0, 1);
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<{ store: RedisStore; redis: Redis; base: string }> {
  const prefix = randomPrefix('events');
  const store = new RedisStore({ url: redisUrl, prefix });
  await store.open();
  const redis = new Redis(redisUrl);
  cleanups.push(async () => {
    await store.close();
    redis.disconnect();
    await deletePrefix(prefix);
  });
  return { store, redis, base: `{${prefix}}:` };
}

const event = (type: string, atMs: number): ClusterEventWrite => ({ type, nodeId: 'n', atMs, data: null });

test.skipIf(!available)('the trim by age deletes an old event appended after newer ones (a node with a slow clock), and the marker covers it', async () => {
  const { store } = await setup();
  await store.appendEvents([event('new-1', t0 + 100), event('slow-clock', t0), event('new-2', t0 + 100)]);
  expect(await store.trimEvents({ beforeMs: t0 + 50 })).toBe(1);
  const { events, trimmedThroughSeq } = await store.readEvents({ afterSeq: 0, limit: 10 });
  expect(events.map((e) => [e.seq, e.type])).toEqual([
    [1, 'new-1'],
    [3, 'new-2'],
  ]);
  expect(trimmedThroughSeq).toBe(2);
});

test.skipIf(!available)('keepLast is counted over the whole log before the age cut, as in the memory store', async () => {
  const { store } = await setup();
  await store.appendEvents([event('a', t0 + 100), event('b', t0), event('c', t0 + 100)]);
  // The newest two are b and c; b is too old: only c stays (not a and c).
  expect(await store.trimEvents({ beforeMs: t0 + 50, keepLast: 2 })).toBe(2);
  expect((await store.readEvents({ afterSeq: 0, limit: 10 })).events.map((e) => e.type)).toEqual(['c']);
});

test.skipIf(!available)('a trim larger than one script chunk deletes everything asked, and the indexes follow', async () => {
  const { store, redis, base } = await setup();
  await store.appendEvents(Array.from({ length: 2_600 }, (_, i) => event(`e.${i}`, t0 + i)));
  expect(await store.trimEvents({ beforeMs: t0 + 1_200, keepLast: 100 })).toBe(2_500);
  const { events, trimmedThroughSeq } = await store.readEvents({ afterSeq: 0, limit: 1_000 });
  expect(events.length).toBe(100);
  expect(events[0]?.seq).toBe(2_501);
  expect(trimmedThroughSeq).toBe(2_500);
  expect(await redis.xlen(`${base}events`)).toBe(100);
  expect(await redis.zcard(`${base}evat`)).toBe(100);
  expect(await store.trimEvents({ beforeMs: t0 + 3_000 })).toBe(100);
  expect(await store.eventCursor()).toBe(2_600);
});

test.skipIf(!available)('a lost seq counter cannot make a seq be reused: the stream refuses the append', async () => {
  const { store, redis, base } = await setup();
  await store.appendEvents([event('a', t0), event('b', t0)]);
  await store.trimEvents({ beforeMs: t0 + 1 });
  await redis.del(`${base}evseq`);
  await expect(store.appendEvents([event('c', t0)])).rejects.toThrow(/equal or smaller/);
  expect((await store.readEvents({ afterSeq: 0, limit: 10 })).events).toEqual([]);
});
