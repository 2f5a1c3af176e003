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

test.skipIf(!available)('schema 1 (one queue per priority) becomes schema 3 (one queue per task): queued jobs stay claimable by task', async () => {
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
      expect(await redis.hget(`${base}meta`, 'schema')).toBe('3');
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

test.skipIf(!available)(
  "schema 2 (active jobs counted per schedule) becomes schema 3 (listed per schedule): maxRunning counts, listings and claims agree",
  async () => {
    const prefix = randomPrefix('upgrade');
    prefixes.push(prefix);
    const base = `{${prefix}}:`;
    const t0 = Date.UTC(2026, 0, 1);
    const fire = (id: string, scheduleId: string, fireAtMs: number) =>
      newJob(id, { origin: 'schedule', scheduleId, fireAtMs, runAtMs: fireAtMs, createdAtMs: t0 });
    const writer = new RedisStore({ url: redisUrl, prefix });
    await writer.open();
    await writer.upsertSchedule({
      id: 'sched-1', task: 'task-a', data: null, priority: 0, maxRunning: 1, misfireGraceMs: null, coalesce: 'latest', paused: false,
      trigger: { type: 'interval', everyMs: 60_000, startAtMs: null, endAtMs: null, jitterMs: 0 }, nextFireAtMs: t0 + 60_000, nowMs: t0,
    });
    await writer.enqueueJobs([fire('queued-1', 'sched-1', t0), fire('running-1', 'sched-1', t0 - 1000), fire('done-1', 'sched-1', t0 - 2000), newJob('loose-1')]);
    // done-1 ends, running-1 is claimed (running), queued-1 stays queued.
    const claimed = await writer.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs: 30_000, limit: 2, tasks: ['task-a'] });
    expect(claimed.map((job) => job.id)).toEqual(['done-1', 'running-1']);
    await writer.completeJobs([{ jobId: 'done-1', fencingToken: 1, nowMs: t0 + 1, completion: { status: 'succeeded', result: null } }]);
    await writer.close();

    // Rewrite the per-schedule index as schema 2 kept it: a count per schedule.
    const redis = new Redis(redisUrl);
    try {
      await redis.del(`${base}sa:sched-1`);
      await redis.hset(`${base}sactive`, 'sched-1', '2');
      await redis.hset(`${base}meta`, 'schema', '2');

      const store = new RedisStore({ url: redisUrl, prefix });
      await store.open();
      try {
        expect(await redis.hget(`${base}meta`, 'schema')).toBe('3');
        expect(await redis.exists(`${base}sactive`)).toBe(0);
        expect((await redis.smembers(`${base}sa:sched-1`)).sort()).toEqual(['queued-1', 'running-1']);
        const [acquired] = await store.acquireDueSchedules({ nodeId: 'n', nowMs: t0 + 60_000, leaseMs: 30_000, limit: 1 });
        expect(acquired?.activeJobs).toBe(2);
        const active = await store.listJobs({ scheduleId: 'sched-1', status: ['queued', 'reserved', 'running', 'failed'] });
        expect(active.map((job) => job.id).sort()).toEqual(['queued-1', 'running-1']);
        expect((await store.listJobs({ scheduleId: 'sched-1' })).map((job) => job.id).sort()).toEqual(['done-1', 'queued-1', 'running-1']);
        // Work goes on: the queued job is claimed, the running one completed, and the set follows.
        expect((await store.claimJobs({ nodeId: 'n', nowMs: t0 + 60_000, leaseMs: 30_000, limit: 10, tasks: ['task-a'] })).map((job) => job.id)).toEqual([
          'queued-1',
          'loose-1',
        ]);
        await store.completeJobs([{ jobId: 'running-1', fencingToken: 1, nowMs: t0 + 60_001, completion: { status: 'succeeded', result: null } }]);
        expect(await redis.smembers(`${base}sa:sched-1`)).toEqual(['queued-1']);
      } finally {
        await store.close();
      }
    } finally {
      redis.disconnect();
    }
  },
);

test.skipIf(!available)('a node record written by a version without `clusterEvents` lists with none; a current one keeps its own', async () => {
  const prefix = randomPrefix('upgrade');
  prefixes.push(prefix);
  const store = new RedisStore({ url: redisUrl, prefix });
  await store.open();
  const redis = new Redis(redisUrl);
  try {
    const t0 = Date.UTC(2026, 0, 1);
    const older = { id: 'node-old', hostname: 'h', pid: 1, roles: { schedules: true, jobs: true }, tasks: ['a'], concurrency: 4, running: 0, startedAtMs: t0, lastSeenAtMs: t0, version: '0.9.0' };
    await redis.hset(`{${prefix}}:nodes`, older.id, JSON.stringify(older));
    await store.upsertNode({ ...older, id: 'node-new', version: '1.0.0', clusterEvents: ['job.succeeded'] });
    expect(await store.listNodes()).toEqual([
      { ...older, id: 'node-new', version: '1.0.0', clusterEvents: ['job.succeeded'] },
      { ...older, clusterEvents: [] },
    ]);
  } finally {
    redis.disconnect();
    await store.close();
  }
});
