// What cluster listening costs the hot path: one worker node processes N no-op jobs (concurrency
// 10, prefetch 10) with nobody listening across the cluster (A: nothing is appended to the event
// log), and with a second node — another OS process, cluster-listener.ts — listening to
// job.succeeded (B: the worker appends one event per job, batched; the listener reads them all).
// Interleaved A B B A …, fresh schema/prefix/file each run. On a 2-core machine the listener's
// reading competes with the worker for CPU, as it would on one small host.
//
//   node bench/src/profile/cluster-events-cost.ts [--jobs 20000] [--reps 3] [--stores sqlite,postgres,redis]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { Scheduler, task, type Store } from '../../../src/index.ts';
import { PostgresStore } from '../../../src/postgres/index.ts';
import { RedisStore } from '../../../src/redis/index.ts';
import { SqliteStore } from '../../../src/sqlite/index.ts';
import { pgConnection, redisUrl, sleep, uniqueName } from '../lib/common.ts';
import { deleteRedisPrefix, enqueueNoopJobs, whenSucceeded } from '../lib/sundial-helpers.ts';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '20000' }, reps: { type: 'string', default: '3' }, stores: { type: 'string', default: 'sqlite,postgres,redis' } } });
const jobs = Number(values.jobs);
const reps = Number(values.reps);
const noop = task('noop', { run: () => null });
const listenerScript = new URL('./cluster-listener.ts', import.meta.url).pathname;

interface Opened {
  make: () => Store;
  /** What cluster-listener.ts takes to open the same store. */
  spec: string;
  cleanup: () => Promise<void>;
}

async function open(kind: string): Promise<Opened> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sundial-cost-'));
    return { make: () => new SqliteStore(join(dir, 's.db')), spec: `sqlite:${join(dir, 's.db')}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (kind === 'postgres') {
    const schema = uniqueName('cost');
    return {
      make: () => new PostgresStore({ poolConfig: pgConnection, schema }),
      spec: `postgres:${schema}`,
      cleanup: async () => {
        const client = new pg.Client(pgConnection);
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      },
    };
  }
  const prefix = uniqueName('cost');
  return {
    make: () => new RedisStore({ url: redisUrl, prefix }),
    spec: `redis:${prefix}`,
    cleanup: async () => {
      const admin = new Redis(redisUrl);
      await deleteRedisPrefix(admin, prefix);
      admin.disconnect();
    },
  };
}

async function once(kind: string, listening: boolean): Promise<{ jobsPerSecond: number; appended: number }> {
  const opened = await open(kind);
  const seed = opened.make();
  await seed.open();
  await enqueueNoopJobs(seed, jobs);
  let listener: ChildProcess | null = null;
  if (listening) {
    listener = spawn(process.execPath, [listenerScript, opened.spec], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => listener!.stdout!.once('data', () => resolve()));
    await sleep(300); // its node record names the event before the worker starts
  }
  const worker = new Scheduler({ store: opened.make(), tasks: [noop], concurrency: 10, prefetch: 10, logger: 'error' });
  const done = whenSucceeded(worker, jobs, 300_000);
  const startedAt = performance.now();
  await worker.start();
  await done;
  const elapsedMs = performance.now() - startedAt;
  const appended = await seed.eventCursor();
  await worker.stop();
  if (listener !== null) {
    const exited = new Promise((resolve) => listener!.once('exit', resolve));
    listener.kill('SIGTERM');
    await exited;
  }
  await seed.close();
  await opened.cleanup();
  return { jobsPerSecond: Math.round((jobs / elapsedMs) * 1000), appended };
}

for (const kind of values.stores.split(',')) {
  const runs: Record<'A' | 'B', number[]> = { A: [], B: [] };
  let appendedB = 0;
  for (let rep = 0; rep < reps; rep++) {
    for (const variant of rep % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
      const result = await once(kind, variant === 'B');
      runs[variant].push(result.jobsPerSecond);
      if (variant === 'B') appendedB = result.appended;
      if (variant === 'A' && result.appended !== 0) throw new Error(`nobody listens, yet ${result.appended} events were appended`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const a = median(runs.A);
  const b = median(runs.B);
  console.log(
    `${kind}: ${jobs} jobs, c10 prefetch 10 — nobody listening ${a}/s ${JSON.stringify(runs.A)}; a node listening to job.succeeded ${b}/s ${JSON.stringify(runs.B)} (${appendedB} events appended) → ${(((b - a) / a) * 100).toFixed(1)} %`,
  );
}
