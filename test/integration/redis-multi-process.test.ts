// Real OS processes sharing one Redis (test/fixtures/node-worker.ts): each interval fire runs
// exactly once across three nodes; a SIGKILLed node's job is taken over within the lease; killed
// connections (CLIENT KILL) lose no job; an idle node wakes on pub/sub within milliseconds.
// The real clock is used: these are real processes. Each test has its own key prefix. The same
// scenarios run on a Redis Cluster in redis-cluster-multi-process.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Scheduler } from '../../src/index.ts';
import { RedisStore } from '../../src/redis/index.ts';
import { keyLayout } from '../../src/redis/key-layout.ts';
import { killAll, startWorker, type WorkerProcess } from '../fixtures/node-processes.ts';
import {
  exactlyOnceAcrossThreeNodes,
  idleNodeWakesOnPubSub,
  sleep,
  stopAll,
  takeoverAfterSigkill,
  type RedisProcessesContext,
} from '../fixtures/redis-multi-process-scenarios.ts';
import { deletePrefix, randomPrefix, redisUrl, requireRedis } from '../fixtures/redis-test-helpers.ts';

const available = await requireRedis();

let directory: string;
let prefix: string;
let workers: WorkerProcess[] = [];
let client: Scheduler;
let store: RedisStore;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'sundial-redis-mp-'));
  prefix = randomPrefix('mp');
  store = new RedisStore({ url: redisUrl, prefix });
  // logger 'error': the shared test Redis keeps nothing on disk, and the warning would be noise here.
  client = new Scheduler({ store, roles: { schedules: false, jobs: false }, logger: 'error' });
});
afterEach(async () => {
  await killAll(workers);
  workers = [];
  await client.stop();
  await deletePrefix(prefix);
  rmSync(directory, { recursive: true, force: true });
});

function start(count: number, args: string[] = []): WorkerProcess[] {
  const started = Array.from({ length: count }, (_, i) =>
    startWorker({ store: { redis: redisUrl, prefix }, outFile: join(directory, `node-${i}.jsonl`), nodeId: `node-${i}`, args }),
  );
  workers.push(...started);
  return started;
}

async function subscribers(): Promise<number> {
  const connection = new Redis(redisUrl);
  try {
    const [, count] = (await connection.call('PUBSUB', 'NUMSUB', keyLayout(prefix).signals)) as [string, number];
    return count;
  } finally {
    connection.disconnect();
  }
}

const context = (): RedisProcessesContext => ({ label: 'redis', start, client, store, subscribers });

describe.skipIf(!available)('RedisStore across processes', () => {
  test('three processes run each fire of 100 interval schedules exactly once for 10 s', { timeout: 40_000 }, () =>
    exactlyOnceAcrossThreeNodes(context()));

  test('a node killed mid-job loses it to another node within lease + poll', { timeout: 30_000 }, () => takeoverAfterSigkill(context()));

  test('connections killed with CLIENT KILL mid-load lose no job', { timeout: 40_000 }, async () => {
    const nodes = start(3);
    await Promise.all(nodes.map((worker) => worker.ready));
    const admin = new Redis(redisUrl);
    try {
      const ids: string[] = [];
      let kills = 0;
      for (let round = 0; round < 10; round++) {
        const batch = await client.enqueueMany(Array.from({ length: 50 }, () => ({ task: 'tick', data: null })));
        ids.push(...batch.map((job) => job.id));
        await sleep(150);
        // Only this test's workers: their connections carry their node names.
        const list = (await admin.client('LIST')) as string;
        const victims = list.split('\n').filter((line) => /name=sundial-worker-node-\d/.test(line));
        for (const line of victims) {
          const id = /\bid=(\d+)/.exec(line)?.[1];
          if (id) kills += Number(await admin.call('CLIENT', 'KILL', 'ID', id));
        }
        await sleep(150);
      }
      expect(kills).toBeGreaterThan(10);
      const deadline = Date.now() + 25_000;
      let pending = ids;
      while (pending.length > 0 && Date.now() < deadline) {
        const jobs = await Promise.all(pending.map((id) => store.getJob(id)));
        pending = pending.filter((_, i) => jobs[i]?.status !== 'succeeded');
        if (pending.length > 0) await sleep(250);
      }
      expect(pending, 'jobs that never succeeded').toEqual([]);
      const runs = nodes.flatMap((worker) => worker.lines()).filter((line) => ids.includes(line.jobId));
      const ranIds = new Set(runs.map((line) => line.jobId));
      expect(ranIds.size).toBe(ids.length);
      console.info(`[redis CLIENT KILL] ${kills} connections killed; ${ids.length} jobs all succeeded; ${runs.length - ranIds.size} re-runs`);
    } finally {
      admin.disconnect();
    }
    await stopAll(nodes);
  });

  test('an idle node (poll 30 s) starts a job enqueued elsewhere within ~100 ms (pub/sub)', { timeout: 30_000 }, () =>
    idleNodeWakesOnPubSub(context()));
});
