// Lease-loss alarms on a real Redis: heartbeats and completions travel separately, so a renewal
// can reach Redis after the job's own completion. That is not a lost lease, and an operator who
// alerts on `lease.lost` must never see it. (Before the fix: 239 false alarms in 3,000 jobs.)
import { afterEach, expect, test } from 'vitest';
import { Scheduler, task } from '../../src/index.ts';
import { RedisStore } from '../../src/redis/index.ts';
import { deletePrefix, randomPrefix, redisUrl, requireRedis } from '../fixtures/redis-test-helpers.ts';

const available = await requireRedis();
let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

test.skipIf(!available)('no lease.lost for jobs that succeeded, with heartbeats racing every completion', { timeout: 60_000 }, async () => {
  const prefix = randomPrefix('lease-alarms');
  const jobs = 2_000;
  const scheduler = new Scheduler({
    store: new RedisStore({ url: redisUrl, prefix }),
    tasks: [task('short', { run: () => new Promise<void>((resolve) => setTimeout(resolve, Math.random() * 20)) })],
    lease: '300ms',
    heartbeat: '10ms',
    concurrency: 20,
    logger: 'silent',
  });
  cleanup = async () => {
    await scheduler.stop();
    await deletePrefix(prefix);
  };
  let lost = 0;
  let succeeded = 0;
  scheduler.on('lease.lost', () => lost++);
  const allDone = new Promise<void>((resolve) => {
    scheduler.on('job.succeeded', () => {
      if (++succeeded === jobs) resolve();
    });
  });
  await scheduler.start();
  await scheduler.enqueueMany(Array.from({ length: jobs }, (_, n) => ({ task: 'short', data: { n } })));
  await allDone;
  expect(lost).toBe(0);
  expect((await scheduler.listJobs({ status: 'succeeded', limit: 1 })).length).toBe(1);
});
