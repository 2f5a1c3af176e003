// Redis's own time per job in the hot-path scripts: claims and completes queued jobs in batches
// and reads INFO commandstats (EVALSHA usec) around each call, so client-side cost is left out.
// Run it alone: other clients' scripts would count too.
//
//   node bench/src/profile/redis-script-time.ts --batch 100 --jobs 20000
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { RedisStore } from '../../../src/redis/index.ts';
import { keyPattern } from '../../../src/redis/key-layout.ts';
import { redisUrl } from '../lib/common.ts';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '100' }, jobs: { type: 'string', default: '20000' } } });
const batch = Number(values.batch);
const prefix = `profile_redis_${process.pid}`;
const store = new RedisStore({ url: redisUrl, prefix });
await store.open();
const admin = new Redis(redisUrl);
const scriptUsec = async () => Number(/cmdstat_evalsha:calls=\d+,usec=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);
try {
  const nowMs = Date.now();
  for (let offset = 0; offset < Number(values.jobs); offset += 1000) {
    await store.enqueueJobs(Array.from({ length: 1000 }, (_, i) => ({
      id: `job-${String(offset + i).padStart(7, '0')}`, task: 'noop', data: { key: offset + i }, origin: 'enqueue' as const,
      scheduleId: null, fireAtMs: null, priority: 0, runAtMs: nowMs, maxAttempts: 3, dedupeKey: null, createdAtMs: nowMs,
    })));
  }
  const server = { claim: 0, complete: 0 };
  const wall = { claim: 0, complete: 0 };
  let done = 0;
  for (;;) {
    let before = await scriptUsec();
    let started = performance.now();
    const jobs = await store.claimJobs({ nodeId: 'profile-node', nowMs: Date.now(), leaseMs: 60_000, limit: batch });
    wall.claim += performance.now() - started;
    server.claim += (await scriptUsec()) - before;
    if (jobs.length === 0) break;
    before = await scriptUsec();
    started = performance.now();
    await store.completeJobs(jobs.map((job) => ({ jobId: job.id, fencingToken: job.fencingToken, nowMs: Date.now(), completion: { status: 'succeeded', result: null } })));
    wall.complete += performance.now() - started;
    server.complete += (await scriptUsec()) - before;
    done += jobs.length;
  }
  const perJob = (us: number) => Math.round((us / done) * 10) / 10;
  console.log(JSON.stringify({ batch, jobs: done, serverUsPerJob: { claim: perJob(server.claim), complete: perJob(server.complete) }, wallUsPerJob: { claim: perJob(wall.claim * 1000), complete: perJob(wall.complete * 1000) } }));
} finally {
  await store.close();
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', keyPattern(prefix), 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) await admin.unlink(...keys);
  } while (cursor !== '0');
  admin.disconnect();
}
