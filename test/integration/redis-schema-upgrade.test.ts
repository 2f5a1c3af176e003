// The Redis store's data of an older schema is brought up to date when a node opens it.
import { Redis } from 'ioredis';
import { afterEach, expect, test } from 'vitest';
import { RedisStore } from '../../src/redis/index.ts';
import { newJob } from '../../src/testing/conformance/index.ts';
import { deletePrefix, randomPrefix, redisUrl, requireRedis } from '../fixtures/redis-test-helpers.ts';

const available = await requireRedis();
const prefixes: string[] = [];
afterEach(async () => {
  for (const prefix of prefixes.splice(0)) await deletePrefix(prefix);
});

test.skipIf(!available)('schema 1 (one queue per priority) becomes schema 2 (one queue per task): queued jobs stay claimable by task', async () => {
  const prefix = randomPrefix('upgrade');
  prefixes.push(prefix);
  const base = `{${prefix}}:`;
  const t0 = Date.UTC(2026, 0, 1);
  const writer = new RedisStore({ url: redisUrl, prefix });
  await writer.open();
  await writer.enqueueJobs([
    newJob('job-a1', { task: 'a', priority: 1, runAtMs: t0 }),
    newJob('job-b1', { task: 'b', priority: 1, runAtMs: t0 }),
    newJob('job-a0', { task: 'a', priority: 0, runAtMs: t0 }),
  ]);
  await writer.close();

  // Rewrite the queues as schema 1 kept them.
  const redis = new Redis(redisUrl);
  try {
    for (const [task, pri] of [['a', '1'], ['b', '1'], ['a', '0']] as const) {
      const entries = await redis.zrangebyscore(`${base}q:${task}:${pri}`, '-inf', '+inf', 'WITHSCORES');
      for (let i = 0; i < entries.length; i += 2) await redis.zadd(`${base}q:${pri}`, entries[i + 1]!, entries[i]!);
      await redis.del(`${base}q:${task}:${pri}`, `${base}qprio:${task}`);
      await redis.zadd(`${base}qprio`, String(pri), String(pri));
    }
    await redis.del(`${base}qtasks`);
    await redis.hset(`${base}meta`, 'schema', '1');

    const store = new RedisStore({ url: redisUrl, prefix });
    await store.open();
    try {
      expect(await redis.hget(`${base}meta`, 'schema')).toBe('2');
      expect(await redis.exists(`${base}qprio`, `${base}q:1`, `${base}q:0`)).toBe(0);
      expect(await store.nextWakeAtMs()).toBe(t0);
      const claim = (tasks: string[]) => store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs: 1000, limit: 10, tasks });
      expect((await claim(['b'])).map((job) => job.id)).toEqual(['job-b1']);
      expect((await claim(['a'])).map((job) => job.id)).toEqual(['job-a1', 'job-a0']);
    } finally {
      await store.close();
    }
  } finally {
    redis.disconnect();
  }
});
