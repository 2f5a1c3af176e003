// Redis's own time per job in the hot-path scripts: claims and completes queued jobs in batches
// and reads INFO commandstats (EVALSHA usec) around each call, so client-side cost is left out.
// Run it alone: other clients' scripts would count too.
//
//   node bench/src/profile/redis-script-time.ts --batch 100 --jobs 20000
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { RedisStore } from '../../../src/redis/index.ts';
import { redisUrl } from '../lib/common.ts';
import { deleteRedisPrefix, enqueueNoopJobs } from '../lib/sundial-helpers.ts';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '100' }, jobs: { type: 'string', default: '20000' } } });
const batch = Number(values.batch);
const prefix = `profile_redis_${process.pid}`;
const store = new RedisStore({ url: redisUrl, prefix });
await store.open();
const admin = new Redis(redisUrl);
const scriptUsec = async () => Number(/cmdstat_evalsha:calls=\d+,usec=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);
try {
  await enqueueNoopJobs(store, Number(values.jobs));
  const server = { claim: 0, complete: 0 };
  const wall = { claim: 0, complete: 0 };
  let done = 0;
  for (;;) {
    let before = await scriptUsec();
    let started = performance.now();
    const jobs = await store.claimJobs({ nodeId: 'profile-node', nowMs: Date.now(), leaseMs: 60_000, limit: batch, tasks: ['noop'] });
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
  await deleteRedisPrefix(admin, prefix);
  admin.disconnect();
}
