// In-process baseline for recurrent precision: croner jobs with a seconds field, no store at all.
import { readFileSync } from 'node:fs';
import { Cron } from 'croner';
import type { BenchSystem, WorkerOptions } from '../lib/system.ts';

const version = (JSON.parse(readFileSync(new URL('../../node_modules/croner/package.json', import.meta.url), 'utf8')) as { version: string }).version;
const na = 'in-process baseline (no store): measured for recurrent precision only';

export function cronerSystem(): BenchSystem {
  let onStart: WorkerOptions['onStart'] = () => undefined;
  const jobs: Cron[] = [];
  const unsupported = () => Promise.reject(new Error(na));
  return {
    describe: () => ({ version, settings: "new Cron('* * * * * *') per schedule, in one process" }),
    setup: () => Promise.resolve(),
    teardown: () => Promise.resolve(),
    close: () => Promise.resolve(),
    enqueueBatch: unsupported,
    enqueueOne: unsupported,
    async startWorker(options) {
      onStart = options.onStart;
    },
    processedCount: unsupported,
    async stopWorker() {
      for (const job of jobs) job.stop();
    },
    addOneShots: unsupported,
    async addRecurring(ids, everyMs) {
      if (everyMs !== 1000) throw new Error('the croner baseline fires every second only');
      for (const id of ids) {
        jobs.push(new Cron('* * * * * *', () => {
          const startedAtMs = Date.now();
          // croner fires on whole seconds: the nominal fire time is the nearest second.
          onStart({ key: id, intendedAtMs: Math.round(startedAtMs / 1000) * 1000, startedAtMs });
        }));
      }
    },
    naReasons: { enqueue: na, process: na, 'fire-burst': na, nodes: 'in-process timers: every process would fire every schedule (no coordination)', takeover: na, 'takeover-default': na, 'takeover-fast': na, scale: na, latency: na },
  };
}
