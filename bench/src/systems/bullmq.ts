// BullMQ on the same Redis: Queue.addBulk/add, one Worker, delayed jobs, job schedulers (`every`).
import { readFileSync } from 'node:fs';
import { Queue, Worker } from 'bullmq';
import { args, redisConnection } from '../lib/common.ts';
import type { BenchSystem } from '../lib/system.ts';

const version = (JSON.parse(readFileSync(new URL('../../node_modules/bullmq/package.json', import.meta.url), 'utf8')) as { version: string }).version;
/** The `fast` variant (takeover only): shortest lock and stalled-check interval we run with. */
const fast = { lockDuration: 1000, stalledInterval: 1000 };

export function bullmqSystem(name: string): BenchSystem {
  const queueName = 'bench';
  const queue = new Queue(queueName, { connection: redisConnection, prefix: name });
  let worker: Worker | null = null;
  let completed = 0;
  return {
    describe: () => ({
      version,
      settings: args.variant === 'fast'
        ? `Worker lockDuration ${fast.lockDuration} ms, stalledInterval ${fast.stalledInterval} ms`
        : 'defaults (lockDuration 30 s, stalledInterval 30 s, drainDelay 5 s blocking wait); addBulk for bulk',
    }),
    async setup() {
      await queue.waitUntilReady();
    },
    async teardown() {
      await queue.obliterate({ force: true });
      await queue.close();
    },
    async close() {
      await queue.close();
    },
    async enqueueBatch(offset, n) {
      await queue.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'noop', data: { key: String(offset + i) } })));
    },
    async enqueueOne(key) {
      await queue.add('noop', { key });
    },
    async startWorker(options) {
      worker = new Worker(
        queueName,
        async (job) => {
          const data = job.data as { key?: string; dueAtMs?: number };
          // A job scheduler's jobs are named repeat:<schedulerId>:<fire time in ms>.
          const repeat = job.repeatJobKey ? Number(String(job.id).split(':').at(-1)) : null;
          options.onStart({ key: data.key ?? job.repeatJobKey ?? String(job.id), intendedAtMs: data.dueAtMs ?? repeat, startedAtMs: Date.now() });
          if (options.handlerMs > 0) await new Promise((resolve) => setTimeout(resolve, options.handlerMs));
        },
        { connection: redisConnection, prefix: name, concurrency: options.concurrency, ...(args.variant === 'fast' ? fast : {}) },
      );
      worker.on('completed', () => void completed++);
      await worker.waitUntilReady();
    },
    processedCount: () => Promise.resolve(completed),
    async stopWorker() {
      await worker?.close(true);
      worker = null;
    },
    async addOneShots(items) {
      const nowMs = Date.now();
      for (let i = 0; i < items.length; i += 1000) {
        await queue.addBulk(items.slice(i, i + 1000).map((item) => ({ name: 'noop', data: { key: item.key, dueAtMs: item.dueAtMs }, opts: { delay: Math.max(0, item.dueAtMs - nowMs) } })));
      }
    },
    async addRecurring(ids, everyMs) {
      await Promise.all(ids.map((id) => queue.upsertJobScheduler(id, { every: everyMs }, { name: 'noop', data: {} })));
    },
  };
}
