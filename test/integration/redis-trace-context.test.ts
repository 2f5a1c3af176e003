// The trace context in the Redis store beyond the conformance suite (src/testing/conformance/
// trace-context.ts): the `tc` hash field is written only when a job or schedule has one (an
// untraced record stays as lean as before), and every other script that reads or rewrites a record
// keeps it and hands it out: the enqueue conflict reply, the change feed, a schedule's active jobs,
// expired leases, cancel and retry (which rewrite the whole job), reservations completed or handed
// back, schedule updates and releases.
import { Redis } from 'ioredis';
import { afterEach, expect, test } from 'vitest';
import { RedisStore } from '../../src/redis/index.ts';
import { fireJob, leaseMs, newJob, releaseRequest, scheduleWrite, t0 } from '../../src/testing/conformance/index.ts';
import { deletePrefix, randomPrefix, redisUrl, requireRedis } from '../fixtures/redis-test-helpers.ts';

const available = await requireRedis();
const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const withState = `${traceparent}\nvendor1=opaque,vendor2=x`;
const tasks = ['task-a'];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<{ store: RedisStore; redis: Redis; base: string }> {
  const prefix = randomPrefix('trace');
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

test.skipIf(!available)('the `tc` field is written only when set: untraced jobs and schedules keep their hashes as before', async () => {
  const { store, redis, base } = await setup();
  await store.enqueueJobs([newJob('traced', { traceContext: traceparent }), newJob('none'), newJob('null', { traceContext: null }), newJob('empty', { traceContext: '' })]);
  expect(await redis.hget(`${base}j:traced`, 'tc')).toBe(traceparent);
  for (const id of ['none', 'null', 'empty']) expect(await redis.hexists(`${base}j:${id}`, 'tc'), id).toBe(0);
  const claimed = await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 10, tasks });
  expect(claimed.map((job) => [job.id, 'traceContext' in job ? job.traceContext : 'absent'])).toEqual([
    ['traced', traceparent],
    ['none', 'absent'],
    ['null', 'absent'],
    ['empty', 'absent'],
  ]);
  for (const id of ['none', 'null', 'empty']) expect(await redis.hexists(`${base}j:${id}`, 'tc'), `${id} after the claim`).toBe(0);

  await store.upsertSchedule(scheduleWrite('s-none', { traceContext: '' }));
  expect(await redis.hexists(`${base}s:s-none`, 'tc')).toBe(0);
  expect('traceContext' in ((await store.getSchedule('s-none')) ?? {})).toBe(false);
});

test.skipIf(!available)('a long trace context with line breaks comes back byte for byte', async () => {
  const { store } = await setup();
  const long = `${traceparent}\n${'k=v,'.repeat(500)}é\r\nz`.slice(0, 2048);
  expect(long).toHaveLength(2048);
  await store.enqueueJobs([newJob('job-1', { traceContext: long })]);
  expect((await store.getJob('job-1'))?.traceContext).toBe(long);
  const [claimed] = await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 1, tasks });
  expect(claimed?.traceContext).toBe(long);
});

test.skipIf(!available)('the enqueue conflict reply, the change feed, a schedule’s active jobs and expired leases carry it', async () => {
  const { store } = await setup();
  await store.enqueueJobs([fireJob('fire-1', 's-1', t0, { traceContext: withState, dedupeKey: 'k' }), newJob('plain', { createdAtMs: t0 + 1 })]);
  const [again] = await store.enqueueJobs([newJob('other', { dedupeKey: 'k', traceContext: traceparent })]);
  expect(again).toMatchObject({ created: false, job: { id: 'fire-1', traceContext: withState } });

  const feed = await store.listJobs({ updatedAfterMs: t0 - 1 });
  expect(feed.map((job) => [job.id, job.traceContext])).toEqual([
    ['fire-1', withState],
    ['plain', undefined],
  ]);
  expect('traceContext' in feed[1]!).toBe(false);
  expect((await store.listJobs({ scheduleId: 's-1', status: ['queued', 'running'] }))[0]?.traceContext).toBe(withState);

  await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs, limit: 10, tasks });
  const expired = await store.findExpiredLeases({ nowMs: t0 + leaseMs, limit: 10 });
  expect(expired.map((job) => [job.id, job.traceContext])).toEqual([
    ['fire-1', withState],
    ['plain', undefined],
  ]);
});

test.skipIf(!available)('cancel and retry rewrite the job and keep it; the next claim hands it out', async () => {
  const { store } = await setup();
  await store.enqueueJobs([newJob('job-1', { traceContext: withState })]);
  expect((await store.cancelJob({ jobId: 'job-1', nowMs: t0, reason: 'no' }))?.traceContext).toBe(withState);
  expect((await store.retryJob({ jobId: 'job-1', nowMs: t0 + 1 }))?.traceContext).toBe(withState);
  const [claimed] = await store.claimJobs({ nodeId: 'n', nowMs: t0 + 1, leaseMs, limit: 1, tasks });
  expect(claimed).toMatchObject({ id: 'job-1', attempt: 1, traceContext: withState });
});

test.skipIf(!available)('complete-and-claim reserving ahead hands it out; a reservation handed back or started keeps it', async () => {
  const { store } = await setup();
  await store.enqueueJobs([newJob('ahead-1', { runAtMs: t0 + 500, traceContext: traceparent }), newJob('ahead-2', { runAtMs: t0 + 600, traceContext: withState })]);
  const claim = { nodeId: 'n', nowMs: t0, leaseMs, limit: 5, tasks, aheadMs: 1_000, aheadLimit: 5 };
  const { claimed } = await store.completeAndClaim({ completions: [], claim });
  expect(claimed.map((job) => [job.id, job.status, job.traceContext])).toEqual([
    ['ahead-1', 'reserved', traceparent],
    ['ahead-2', 'reserved', withState],
  ]);
  const [one, two] = claimed;
  const { completed } = await store.completeAndClaim({
    completions: [
      { jobId: 'ahead-1', fencingToken: one!.fencingToken, nowMs: t0 + 10, completion: { status: 'released' } },
      { jobId: 'ahead-2', fencingToken: two!.fencingToken, nowMs: t0 + 700, startedAtMs: t0 + 600, completion: { status: 'succeeded', result: null } },
    ],
    claim: { ...claim, limit: 0, aheadMs: 0 },
  });
  expect(completed.map((c) => c.completed)).toEqual([true, true]);
  expect(await store.getJob('ahead-1')).toMatchObject({ status: 'queued', traceContext: traceparent });
  expect(await store.getJob('ahead-2')).toMatchObject({ status: 'succeeded', traceContext: withState });
});

test.skipIf(!available)('a schedule keeps it through updates, acquires and releases; queued fires carry their own', async () => {
  const { store } = await setup();
  await store.upsertSchedule(scheduleWrite('s-1', { traceContext: withState }));
  expect((await store.updateSchedule('s-1', { paused: true }, t0 - 1))?.traceContext).toBe(withState);
  expect((await store.updateSchedule('s-1', { paused: false, nextFireAtMs: t0 }, t0 - 1))?.traceContext).toBe(withState);
  const [acquired] = await store.acquireDueSchedules({ nodeId: 'n', nowMs: t0, leaseMs, limit: 5 });
  expect(acquired?.schedule.traceContext).toBe(withState);
  const [released] = await store.releaseSchedules([
    releaseRequest('s-1', acquired!.leaseToken, { jobs: [fireJob('fire-1', 's-1', t0, { traceContext: traceparent }), fireJob('fire-2', 's-1', t0 + 1)] }),
  ]);
  expect(released?.created.map((job) => [job.id, job.status, job.traceContext])).toEqual([
    ['fire-1', 'queued', traceparent],
    ['fire-2', 'queued', undefined],
  ]);
  expect('traceContext' in released!.created[1]!).toBe(false);
  expect((await store.getSchedule('s-1'))?.traceContext).toBe(withState);
  const [next] = await store.acquireDueSchedules({ nodeId: 'n', nowMs: t0 + 60_000, leaseMs, limit: 5 });
  expect(next?.schedule.traceContext).toBe(withState);
});
