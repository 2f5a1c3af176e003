// Sundial on one of its three stores, through the public Scheduler API.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { Scheduler, at, every, task, type EnqueueInput } from '../../../src/index.ts';
import { PostgresStore } from '../../../src/postgres/index.ts';
import { RedisStore } from '../../../src/redis/index.ts';
import { SqliteStore } from '../../../src/sqlite/index.ts';
import type { Store } from '../../../src/store/store.ts';
import { sundialVersion } from '../../../src/version.ts';
import { args, pgConnection, redisUrl, sleep } from '../lib/common.ts';
import { deleteRedisPrefix } from '../lib/sundial-helpers.ts';
import type { BenchSystem, WorkerOptions } from '../lib/system.ts';

export type SundialStoreKind = 'sqlite' | 'postgres' | 'redis';

/**
 * Settings of the `fast` variant: the shortest lease that still renews safely (takeover), and
 * claiming up to 100 jobs ahead of free slots (`prefetch`), Sundial's documented fast path for
 * short jobs — the same look-ahead as graphile-worker's fast variant (a local queue of 100).
 */
const fastLease = '1s';
const fastPrefetch = 100;

export function sundialSystem(kind: SundialStoreKind, name: string): BenchSystem {
  const sqlitePath = join(tmpdir(), `${name}.db`);
  const openStore = (): Store => {
    if (kind === 'sqlite') return new SqliteStore(sqlitePath);
    if (kind === 'postgres') return new PostgresStore({ poolConfig: pgConnection, schema: name });
    return new RedisStore({ url: redisUrl, prefix: name });
  };
  const noop = (onStart: WorkerOptions['onStart'], handlerMs: number) =>
    task('noop', {
      run: async ({ job, data }) => {
        const key = job.scheduleId ?? String((data as { key?: string } | null)?.key ?? job.id);
        onStart({ key, intendedAtMs: job.fireAtMs, startedAtMs: Date.now() });
        if (handlerMs > 0) await sleep(handlerMs);
      },
    });
  const lease = args.variant === 'fast' ? { lease: fastLease } : {};
  const client = new Scheduler({ store: openStore(), tasks: [noop(() => undefined, 0)], roles: { schedules: false, jobs: false }, logger: 'error' });
  let worker: Scheduler | null = null;
  let succeeded = 0;

  return {
    describe: () => ({ version: sundialVersion, store: kind, settings: `defaults (lease 3s, pollInterval 500ms, prefetch 0)${args.variant === 'fast' ? `; fast: lease ${fastLease}, prefetch ${fastPrefetch} (or concurrency, if larger; takeover: concurrency)` : ''}` }),
    async setup() {
      await client.listJobs({ limit: 1 }); // opens and migrates outside any timing
    },
    async teardown() {
      if (kind === 'sqlite') for (const suffix of ['', '-wal', '-shm']) rmSync(sqlitePath + suffix, { force: true });
      if (kind === 'postgres') {
        const admin = new pg.Client(pgConnection);
        await admin.connect();
        await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
        await admin.end();
      }
      if (kind === 'redis') {
        const admin = new Redis(redisUrl);
        await deleteRedisPrefix(admin, name);
        admin.disconnect();
      }
    },
    async close() {
      await client.stop();
    },
    async enqueueBatch(offset, n) {
      await client.enqueueMany(Array.from({ length: n }, (_, i): EnqueueInput => ({ task: 'noop', data: { key: String(offset + i) } })));
    },
    async enqueueOne(key) {
      await client.enqueue({ task: 'noop', data: { key } });
    },
    async startWorker(options) {
      // Scenario 5 (takeover) is about the lease: it keeps the look-ahead of its recorded runs (its slots).
      const lookAhead = args.scenario === 'takeover' ? options.concurrency : Math.max(fastPrefetch, options.concurrency);
      const prefetch = args.variant === 'fast' ? { prefetch: lookAhead } : {};
      worker = new Scheduler({ store: openStore(), tasks: [noop(options.onStart, options.handlerMs)], concurrency: options.concurrency, logger: 'error', ...lease, ...prefetch });
      worker.on('job.succeeded', () => void succeeded++);
      await worker.start();
    },
    processedCount: () => Promise.resolve(succeeded),
    async stopWorker() {
      await worker?.stop({ timeout: 0 });
      worker = null;
    },
    async addOneShots(items) {
      for (let i = 0; i < items.length; i += 1000) {
        await client.scheduleMany(items.slice(i, i + 1000).map((item) => ({ id: item.key, task: 'noop', trigger: at(item.dueAtMs) })));
      }
    },
    async addDelayedJobs(items) {
      for (let i = 0; i < items.length; i += 1000) {
        await client.enqueueMany(items.slice(i, i + 1000).map((item): EnqueueInput => ({ task: 'noop', data: { key: item.key }, runAt: item.dueAtMs })));
      }
    },
    async addRecurring(ids, everyMs) {
      await client.scheduleMany(ids.map((id) => ({ id, task: 'noop', trigger: every(everyMs) })));
    },
  };
}
