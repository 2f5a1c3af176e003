// pg-boss on the same PostgreSQL: insert() for bulk, send() for one, work() with localConcurrency
// (defaults) or batches with burst fetching and LISTEN/NOTIFY (fast).
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { args, pgConnection, pgUrl } from '../lib/common.ts';
import type { BenchSystem } from '../lib/system.ts';

const version = (JSON.parse(readFileSync(new URL('../../node_modules/pg-boss/package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function pgBossSystem(name: string): BenchSystem {
  const isFast = args.variant === 'fast';
  const queueName = 'bench';
  const boss = new PgBoss({
    connectionString: pgUrl,
    schema: name,
    ...(isFast ? { useListenNotify: true, superviseIntervalSeconds: 1, monitorIntervalSeconds: 1 } : {}),
  });
  boss.on('error', () => undefined);
  let started = false;
  let workerId: string | null = null;
  const admin = new pg.Pool({ ...pgConnection, max: 1 });
  return {
    describe: () => ({
      version,
      settings: isFast
        ? 'work({ batchSize: concurrency, burstWhenBatchFull, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 }), queue notify + useListenNotify; takeover: heartbeatSeconds 10 (minimum), supervise every 1 s'
        : 'work({ localConcurrency: concurrency }) with defaults (batchSize 1, pollingIntervalSeconds 2, expireInSeconds 900)',
    }),
    async setup() {
      if (!started) {
        await boss.start();
        started = true;
      }
      await boss.createQueue(queueName, isFast ? { notify: true, ...(args.scenario === 'takeover' ? { heartbeatSeconds: 10 } : {}) } : {}).catch(() => undefined);
    },
    async teardown() {
      await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      await admin.end();
    },
    async close() {
      if (started) await boss.stop({ graceful: false, timeout: 2000 }).catch(() => undefined);
      await admin.end().catch(() => undefined);
    },
    async enqueueBatch(offset, n) {
      await boss.insert(queueName, Array.from({ length: n }, (_, i) => ({ data: { key: String(offset + i) } })));
    },
    async enqueueOne(key) {
      await boss.send(queueName, { key });
    },
    async startWorker(options) {
      const run = async (job: { id: string; data: unknown }) => {
        const data = (job.data ?? {}) as { key?: string; dueAtMs?: number };
        options.onStart({ key: data.key ?? job.id, intendedAtMs: data.dueAtMs ?? null, startedAtMs: Date.now() });
        if (options.handlerMs > 0) await new Promise((resolve) => setTimeout(resolve, options.handlerMs));
      };
      const workOptions = isFast
        ? { batchSize: options.concurrency, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5, ...(args.scenario === 'takeover' ? { heartbeatRefreshSeconds: 2 } : {}) }
        : { localConcurrency: options.concurrency };
      workerId = await boss.work(queueName, workOptions, async (jobs) => {
        await Promise.all(jobs.map((job) => run(job)));
      });
    },
    async processedCount() {
      const result = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM "${name}".job WHERE name = $1 AND state = 'completed'`, [queueName]);
      return Number(result.rows[0]?.n ?? 0);
    },
    async stopWorker() {
      if (workerId) await boss.offWork(queueName, { id: workerId }).catch(() => undefined);
      workerId = null;
    },
    async addOneShots(items) {
      for (let i = 0; i < items.length; i += 1000) {
        await boss.insert(queueName, items.slice(i, i + 1000).map((item) => ({ data: { key: item.key, dueAtMs: item.dueAtMs }, startAfter: new Date(item.dueAtMs) })));
      }
    },
    naReasons: {
      recurrent: 'pg-boss schedule() takes cron expressions, minute-granular: no schedule fires every second',
      nodes: 'pg-boss schedule() is minute-granular cron: no schedule fires every second',
      'takeover-default': 'not run: with defaults an active job expires after expireInSeconds = 900 s (15 min), checked by the supervisor every 60 s, far past the 120 s bound',
    },
  };
}
