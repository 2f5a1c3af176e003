// The multi-process scenarios of redis-multi-process.test.ts on a real Redis Cluster of three
// masters started by this file (test/fixtures/redis-cluster.ts): three worker processes, each with
// its own ioredis Cluster client (node-worker.ts --redis-cluster), run each fire of 100 interval
// schedules exactly once; a SIGKILLed node's job is taken over within the lease; an idle node is
// woken through pub/sub, which a Cluster carries from the master that holds the prefix to the node
// the subscriber happens to be connected to. Each test has its own prefix (hash tag), so the
// tests land on different masters.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, test } from 'vitest';
import { Scheduler } from '../../src/index.ts';
import { RedisStore } from '../../src/redis/index.ts';
import { keyLayout } from '../../src/redis/key-layout.ts';
import { killAll, startWorker, type WorkerProcess } from '../fixtures/node-processes.ts';
import { requireRedisCluster, startRedisCluster, type RedisClusterProcess } from '../fixtures/redis-cluster.ts';
import {
  exactlyOnceAcrossThreeNodes,
  idleNodeWakesOnPubSub,
  takeoverAfterSigkill,
  type RedisProcessesContext,
} from '../fixtures/redis-multi-process-scenarios.ts';
import { randomPrefix } from '../fixtures/redis-test-helpers.ts';

const available = requireRedisCluster('the Redis Cluster multi-process tests');

let cluster: RedisClusterProcess;
let clusterClient: Cluster;
let directory: string;
let prefix: string;
let workers: WorkerProcess[] = [];
let client: Scheduler;
let store: RedisStore;

describe.skipIf(!available)('RedisStore across processes on a Redis Cluster (3 masters)', () => {
  beforeAll(async () => {
    cluster = await startRedisCluster();
    clusterClient = cluster.connect();
  }, 60_000);
  afterAll(async () => {
    clusterClient?.disconnect();
    await cluster?.stop();
  }, 30_000);

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'sundial-redis-cluster-mp-'));
    prefix = randomPrefix('cmp');
    store = new RedisStore({ client: clusterClient, prefix });
    client = new Scheduler({ store, roles: { schedules: false, jobs: false }, logger: 'error' });
  });
  afterEach(async () => {
    await killAll(workers);
    workers = [];
    await client.stop();
    await cluster.deletePrefix(prefix);
    rmSync(directory, { recursive: true, force: true });
  });

  function start(count: number, args: string[] = []): WorkerProcess[] {
    const started = Array.from({ length: count }, (_, i) =>
      startWorker({ store: { redisCluster: cluster.spec, prefix }, outFile: join(directory, `node-${i}.jsonl`), nodeId: `node-${i}`, args }),
    );
    workers.push(...started);
    return started;
  }

  const context = (): RedisProcessesContext => ({
    label: 'redis cluster',
    start,
    client,
    store,
    subscribers: () => cluster.subscribers(keyLayout(prefix).signals),
  });

  test('three processes run each fire of 100 interval schedules exactly once for 10 s', { timeout: 40_000 }, () =>
    exactlyOnceAcrossThreeNodes(context()));

  test('a node killed mid-job loses it to another node within lease + poll', { timeout: 30_000 }, () => takeoverAfterSigkill(context()));

  test('an idle node (poll 30 s) starts a job enqueued elsewhere within ~100 ms (pub/sub across the cluster)', { timeout: 30_000 }, () =>
    idleNodeWakesOnPubSub(context()));
});
