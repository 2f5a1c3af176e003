// The Redis store's own scripts read some fields of a record as numbers (a job's attempt and
// fencing token, a schedule's next fire and lease). Garbage there must not fail a whole call:
// a job whose counters cannot be read is dead-lettered by the claim (it cannot be handed out
// under a fencing token), and a schedule is handed out flagged, for the runtime to pause.
import { Redis } from 'ioredis';
import { afterEach, expect, test } from 'vitest';
import { RedisStore } from '../../src/redis/index.ts';
import { newJob, scheduleWrite } from '../../src/testing/conformance/index.ts';
import { deletePrefix, randomPrefix, redisUrl, requireRedis } from '../fixtures/redis-test-helpers.ts';

const available = await requireRedis();
const t0 = Date.UTC(2026, 0, 1);
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<{ store: RedisStore; redis: Redis; base: string }> {
  const prefix = randomPrefix('damaged');
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

test.skipIf(!available).each([
  ['att', 'attempt'],
  ['ft', 'fencingToken'],
  ['seq', 'seq'],
  ['max', 'maxAttempts'],
])('a job whose `%s` holds garbage is dead-lettered by the claim, naming %s; the other jobs are claimed', async (hashField, name) => {
  const { store, redis, base } = await setup();
  await store.enqueueJobs([newJob('job-1'), newJob('job-2'), newJob('job-3')]);
  await redis.hset(`${base}j:job-2`, hashField, 'garbage');
  const claimed = await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs: 1000, limit: 10, tasks: ['task-a'] });
  expect(claimed.map((job) => job.id)).toEqual(['job-1', 'job-3']);
  const dead = await store.getJob('job-2');
  expect(dead?.status).toBe('dead');
  expect(dead?.error).toMatchObject({ name: 'CorruptRecordError', code: 'CORRUPT_RECORD' });
  expect(dead?.error?.message).toContain(`job-2 cannot be read: its field ${name}`);
  expect((await store.jobStats({ nowMs: t0, sinceMs: t0, bucketMs: 60_000 })).byStatus).toMatchObject({ dead: 1, running: 2, queued: 0 });
  expect(await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs: 1000, limit: 10, tasks: ['task-a'] })).toEqual([]);
});

test.skipIf(!available)('a schedule whose next fire or lease holds garbage is handed out flagged, not a failed acquire', async () => {
  const { store, redis, base } = await setup();
  for (const id of ['s-1', 's-2', 's-3']) await store.upsertSchedule(scheduleWrite(id));
  await redis.hset(`${base}s:s-2`, 'next', 'garbage', 'lt', 'x');
  const acquired = await store.acquireDueSchedules({ nodeId: 'n', nowMs: t0, leaseMs: 5000, limit: 10 });
  expect(acquired.map(({ schedule }) => [schedule.id, schedule.unreadable?.map((u) => u.field) ?? []])).toEqual([
    ['s-1', []],
    ['s-2', ['nextFireAtMs']],
    ['s-3', []],
  ]);
  expect((await store.updateSchedule('s-2', { paused: true }, t0))?.paused).toBe(true);
  expect(await store.nextWakeAtMs()).not.toBeNull();
});

test.skipIf(!available)('an event whose data is not JSON is read flagged, with data null; the events around it are read as written', async () => {
  const { store, redis, base } = await setup();
  await store.appendEvents([{ type: 'before', nodeId: 'n', atMs: t0, data: { a: 1 } }]);
  // A hand-written entry under the next seq, as the append script would have placed it.
  const seq = await redis.incr(`${base}evseq`);
  await redis.xadd(`${base}events`, `${seq}-0`, 'type', 'damaged', 'node', 'n', 'at', String(t0), 'data', '{garbage');
  await store.appendEvents([{ type: 'after', nodeId: 'n', atMs: t0, data: [1, 2] }]);
  const { events } = await store.readEvents({ afterSeq: 0, limit: 10 });
  expect(events).toEqual([
    { seq: 1, type: 'before', nodeId: 'n', atMs: t0, data: { a: 1 } },
    { seq: 2, type: 'damaged', nodeId: 'n', atMs: t0, data: null, unreadable: true },
    { seq: 3, type: 'after', nodeId: 'n', atMs: t0, data: [1, 2] },
  ]);
});
