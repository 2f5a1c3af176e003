// graphile-worker on the same PostgreSQL: addJobs() for bulk, addJob() for one, run() with
// concurrency and LISTEN/NOTIFY (defaults) or with a local queue and batched completions (fast).
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker';
import { args, pgConnection, pgUrl } from '../lib/common.ts';
import type { BenchSystem } from '../lib/system.ts';

const version = (JSON.parse(readFileSync(new URL('../../node_modules/graphile-worker/package.json', import.meta.url), 'utf8')) as { version: string }).version;
const silent = { scope: () => silent, error() {}, warn() {}, info() {}, debug() {} };

export function graphileSystem(name: string): BenchSystem {
  const isFast = args.variant === 'fast';
  let utils: WorkerUtils | null = null;
  let runner: Runner | null = null;
  let enqueued = 0;
  const admin = new pg.Pool({ ...pgConnection, max: 1 });
  return {
    describe: () => ({
      version,
      settings: isFast
        ? 'run({ concurrency, pollInterval: 500, preset.worker.localQueue.size 100, completeJobBatchDelay 0 })'
        : 'run({ concurrency }) with defaults (LISTEN/NOTIFY for new jobs, pollInterval 2000 ms for future ones)',
    }),
    async setup() {
      utils ??= await makeWorkerUtils({ connectionString: pgUrl, schema: name });
      await utils.migrate();
    },
    async teardown() {
      await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      await admin.end();
    },
    async close() {
      await utils?.release();
      await admin.end().catch(() => undefined);
    },
    async enqueueBatch(offset, n) {
      enqueued += n;
      await utils!.addJobs(Array.from({ length: n }, (_, i) => ({ identifier: 'noop', payload: { key: String(offset + i) } })));
    },
    async enqueueOne(key) {
      await utils!.addJob('noop', { key });
    },
    async startWorker(options) {
      runner = await run({
        connectionString: pgUrl,
        schema: name,
        concurrency: options.concurrency,
        noHandleSignals: true,
        logger: silent as never,
        ...(isFast ? { pollInterval: 500, preset: { worker: { localQueue: { size: 100 }, completeJobBatchDelay: 0 } } } : {}),
        taskList: {
          noop: async (payload) => {
            const data = (payload ?? {}) as { key?: string; dueAtMs?: number };
            options.onStart({ key: data.key ?? '', intendedAtMs: data.dueAtMs ?? null, startedAtMs: Date.now() });
            if (options.handlerMs > 0) await new Promise((resolve) => setTimeout(resolve, options.handlerMs));
          },
        },
      });
    },
    async processedCount() {
      // Completed jobs are deleted: the processed ones are those no longer in the table.
      const result = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM "${name}"._private_jobs`);
      return enqueued - Number(result.rows[0]?.n ?? 0);
    },
    async stopWorker() {
      // It may have stopped itself already (it logs why, to our silent logger).
      await runner?.stop().catch(() => undefined);
      runner = null;
    },
    async addOneShots(items) {
      for (let i = 0; i < items.length; i += 1000) {
        await utils!.addJobs(items.slice(i, i + 1000).map((item) => ({ identifier: 'noop', payload: { key: item.key, dueAtMs: item.dueAtMs }, runAt: new Date(item.dueAtMs) })));
      }
    },
    naReasons: {
      recurrent: 'graphile-worker crontab is minute-granular (no seconds field): no schedule fires every second',
      nodes: 'graphile-worker crontab is minute-granular: no schedule fires every second',
      'takeover-default': 'not run: a crashed worker\'s job stays locked for 4 hours (hard-coded in resetLockedAt: locked_at < now() - 4 hours), far past the 120 s bound',
      'takeover-fast': 'not run: the 4-hour lock timeout has no setting in 0.18 (only how often locks are scanned: minResetLockedInterval)',
    },
  };
}
