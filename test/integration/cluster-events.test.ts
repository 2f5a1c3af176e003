// Results and events across real processes, on SQLite, PostgreSQL and Redis: a worker process
// (test/fixtures/node-worker.ts) runs the jobs; this process is the API node (it serves another
// queue, so it never runs them). result() resolves here for jobs run there; the worker's
// job.succeeded events reach this node's cluster listener, each once, in order; and when this
// node's connections are killed mid-stream (pg_terminate_backend by application_name, CLIENT KILL
// by connection name), it reads on from its cursor: no event lost, none repeated.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { Scheduler, task, type ClusterEventMeta, type Store } from '../../src/index.ts';
import { PostgresStore } from '../../src/postgres/index.ts';
import { RedisStore } from '../../src/redis/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { killAll, pollUntil, startWorker, type WorkerProcess, type WorkerStore } from '../fixtures/node-processes.ts';
import { adminPool, dropSchema, pgEnv, pgUrl, randomSchema, requirePostgres, terminateBackends } from '../fixtures/pg-env.ts';
import { deletePrefix, randomPrefix, redisUrl, requireRedis } from '../fixtures/redis-test-helpers.ts';

const pgAvailable = await requirePostgres('test/integration/cluster-events.test.ts');
const redisAvailable = await requireRedis();
const admin: pg.Pool | null = pgAvailable ? adminPool() : null;
afterAll(async () => {
  await admin?.end();
});

// The API node registers the worker's task (same name) on a queue the worker serves by default.
const tick = task('tick', { queue: 'default', run: () => null });
const apiName = `sundial-api-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;

interface StoreCase {
  name: string;
  available: boolean;
  setup(directory: string): { worker: WorkerStore; api: () => Store; cleanup: () => Promise<void> };
  /** Kills this process's own store connections (none for SQLite: a file has none to kill). */
  killApiConnections: (() => Promise<number>) | null;
}

const cases: StoreCase[] = [
  {
    name: 'sqlite',
    available: true,
    setup: (directory) => ({ worker: { db: join(directory, 'store.db') }, api: () => new SqliteStore(join(directory, 'store.db')), cleanup: async () => {} }),
    killApiConnections: null,
  },
  {
    name: 'postgres',
    available: pgAvailable,
    setup: () => {
      const schema = randomSchema('sundial_cluster');
      return {
        worker: { postgres: pgUrl(), schema },
        api: () => new PostgresStore({ poolConfig: { ...pgEnv, application_name: apiName }, schema }),
        cleanup: () => dropSchema(admin!, schema),
      };
    },
    killApiConnections: () => terminateBackends(admin!, apiName),
  },
  {
    name: 'redis',
    available: redisAvailable,
    setup: () => {
      const prefix = randomPrefix('cluster');
      return { worker: { redis: redisUrl, prefix }, api: () => new RedisStore({ url: redisUrl, prefix, redisOptions: { connectionName: apiName } }), cleanup: () => deletePrefix(prefix) };
    },
    killApiConnections: async () => {
      const client = new Redis(redisUrl);
      try {
        const list = (await client.client('LIST')) as string;
        let killed = 0;
        for (const line of list.split('\n').filter((l) => l.includes(`name=${apiName}`))) {
          const id = /\bid=(\d+)/.exec(line)?.[1];
          if (id) killed += Number(await client.call('CLIENT', 'KILL', 'ID', id));
        }
        return killed;
      } finally {
        client.disconnect();
      }
    },
  },
];

let directory = '';
let workers: WorkerProcess[] = [];
let api: Scheduler | null = null;
let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await api?.stop({ timeout: 0 });
  api = null;
  await killAll(workers);
  workers = [];
  await cleanup?.();
  cleanup = null;
  if (directory) rmSync(directory, { recursive: true, force: true });
});

for (const storeCase of cases) {
  describe.runIf(storeCase.available)(`results and events across processes: ${storeCase.name}`, () => {
    test('result() and cluster events from another process; a connection cut loses and repeats nothing', { timeout: 60_000 }, async () => {
      directory = mkdtempSync(join(tmpdir(), 'sundial-cluster-'));
      const setup = storeCase.setup(directory);
      cleanup = setup.cleanup;
      const apiStore = setup.api();
      api = new Scheduler({ store: apiStore, tasks: [tick], queues: ['api'], nodeId: 'api', logger: 'error' });
      const seen: Array<{ jobId: string; nodeId: string; seq: number }> = [];
      api.on('job.succeeded', ({ job }, meta: ClusterEventMeta) => seen.push({ jobId: job.id, nodeId: meta.nodeId, seq: meta.seq }), { scope: 'cluster' });
      await api.start();
      const worker = startWorker({ store: setup.worker, outFile: join(directory, 'worker.out'), nodeId: 'worker-1', args: ['--tasks', 'tick'] });
      workers.push(worker);
      await worker.ready;

      // result(): resolves here for a job run in the other process.
      const first = await api.enqueue({ task: tick, data: null });
      await expect(api.result(first.id, { timeout: '20s' })).resolves.toBe(null);
      const record = await api.getJob(first.id);
      expect(record?.attempts.map((a) => a.nodeId)).toEqual(['worker-1']);
      // The worker knows this node listens once it read the node records (about a second).
      await pollUntil('the first event', 10_000, () => (seen.some((e) => e.jobId === first.id) ? true : undefined));

      const ids: string[] = [];
      let killed = 0;
      for (let round = 0; round < 8; round++) {
        const batch = await api.enqueueMany(Array.from({ length: 25 }, () => ({ task: tick, data: null })));
        ids.push(...batch.map((job) => job.id));
        if (storeCase.killApiConnections && round % 2 === 1) killed += await storeCase.killApiConnections();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // Every job ends (result() does not depend on events), and every end arrives as an event.
      await Promise.all(ids.map((id) => api!.result(id, { timeout: '30s' })));
      await pollUntil('every job.succeeded event', 20_000, () => (ids.every((id) => seen.some((e) => e.jobId === id)) ? true : undefined));
      const ofRun = seen.filter((e) => ids.includes(e.jobId));
      expect(new Set(ofRun.map((e) => e.jobId)).size).toBe(ids.length);
      expect(ofRun).toHaveLength(ids.length); // none repeated
      expect(new Set(ofRun.map((e) => e.nodeId))).toEqual(new Set(['worker-1']));
      const seqs = seen.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // log order
      if (storeCase.killApiConnections) expect(killed).toBeGreaterThan(0);
      console.info(`[${storeCase.name}] ${ids.length} jobs run in another process: all results and events arrived, ${killed} connections of this node killed on the way`);
    });
  });
}
