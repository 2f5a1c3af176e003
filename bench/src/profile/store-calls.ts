// Where a Sundial worker spends its store time: wraps the store so every call is counted and
// timed, then runs one scenario (process or fire-burst) and prints a table per store method.
//
//   node bench/src/profile/store-calls.ts --store postgres --scenario process --concurrency 10
//   node bench/src/profile/store-calls.ts --store redis --scenario fire-burst
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { Scheduler, at, task } from '../../../src/index.ts';
import { PostgresStore } from '../../../src/postgres/index.ts';
import { RedisStore } from '../../../src/redis/index.ts';
import { SqliteStore } from '../../../src/sqlite/index.ts';
import type { Store } from '../../../src/store/store.ts';
import { deleteRedisPrefix } from '../lib/sundial-helpers.ts';

const { values } = parseArgs({ options: { store: { type: 'string', default: 'postgres' }, scenario: { type: 'string', default: 'process' }, concurrency: { type: 'string', default: '10' }, jobs: { type: 'string', default: '20000' } } });
const name = `profile_${process.pid}`;
const sqlitePath = join(tmpdir(), `${name}.db`);
const pgConnection = { host: '127.0.0.1', port: 5432, database: process.env.PGDATABASE ?? 'test', user: process.env.PGUSER ?? process.env.USER ?? 'root' };
const open = (): Store =>
  values.store === 'sqlite' ? new SqliteStore(sqlitePath) : values.store === 'postgres' ? new PostgresStore({ poolConfig: pgConnection, schema: name }) : new RedisStore({ prefix: name });

interface Stat { calls: number; ms: number; items: number }
const stats = new Map<string, Stat>();
function instrument(store: Store): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...callArgs: unknown[]) => {
        const started = performance.now();
        const result = (value as (...a: unknown[]) => unknown).apply(target, callArgs);
        if (!(result instanceof Promise)) return result;
        return result.then((resolved: unknown) => {
          const stat = stats.get(property) ?? { calls: 0, ms: 0, items: 0 };
          stat.calls++;
          stat.ms += performance.now() - started;
          stat.items += Array.isArray(resolved) ? resolved.length : 0;
          stats.set(property, stat);
          return resolved;
        });
      };
    },
  });
}

const n = Number(values.jobs);
const concurrency = Number(values.concurrency);
const client = new Scheduler({ store: open(), roles: { schedules: false, jobs: false }, logger: 'error' });
await client.listJobs({ limit: 1 });
let dueAtMs = 0;
if (values.scenario === 'process') {
  for (let offset = 0; offset < n; offset += 1000) await client.enqueueMany(Array.from({ length: Math.min(1000, n - offset) }, (_, i) => ({ task: 'noop', data: { i: offset + i } })));
} else {
  dueAtMs = Date.now() + 3000 + n;
  for (let i = 0; i < n; i += 32) await Promise.all(Array.from({ length: Math.min(32, n - i) }, (_, k) => client.schedule({ id: `b-${i + k}`, task: 'noop', trigger: at(dueAtMs) })));
}
await client.stop();

let done = 0;
const lateness: number[] = [];
const noop = task('noop', { run: ({ job }) => void (job.fireAtMs !== null && lateness.push(Date.now() - job.fireAtMs)) });
const worker = new Scheduler({ store: instrument(open()), tasks: [noop], concurrency, logger: 'error' });
worker.on('job.succeeded', () => void done++);
if (dueAtMs) await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAtMs - Date.now() - 500)));
stats.clear();
const started = performance.now();
await worker.start();
while (done < n) await new Promise((resolve) => setTimeout(resolve, 5));
const ms = performance.now() - started;
await worker.stop();

console.log(`${values.store} ${values.scenario} n=${n} concurrency=${concurrency}: ${Math.round(ms)} ms, ${Math.round((n / ms) * 1000)} jobs/s${lateness.length ? `, lateness max ${Math.max(...lateness)} ms` : ''}`);
console.log('method | calls | total ms | mean ms | items/call | calls per job');
for (const [method, stat] of [...stats].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`${method} | ${stat.calls} | ${Math.round(stat.ms)} | ${(stat.ms / stat.calls).toFixed(2)} | ${(stat.items / stat.calls).toFixed(1)} | ${(stat.calls / n).toFixed(3)}`);
}
if (values.store === 'sqlite') for (const suffix of ['', '-wal', '-shm']) rmSync(sqlitePath + suffix, { force: true });
if (values.store === 'postgres') {
  const admin = new pg.Client(pgConnection);
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  await admin.end();
}
if (values.store === 'redis') {
  const admin = new Redis();
  await deleteRedisPrefix(admin, name);
  admin.disconnect();
}
process.exit(0);
