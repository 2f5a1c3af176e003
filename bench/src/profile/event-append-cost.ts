// What appending to the cluster event log costs per event: 20,000 job.succeeded events (JobSnapshot
// payloads) appended in batches of 10 and 50 to a fresh SQLite file, PostgreSQL schema and Redis
// prefix; wall time and this process's CPU per event.
//   node bench/src/profile/event-append-cost.ts
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../../src/sqlite/index.ts';
import { PostgresStore } from '../../../src/postgres/index.ts';
import { RedisStore } from '../../../src/redis/index.ts';
import type { Store } from '../../../src/index.ts';
import pg from 'pg';
import { Redis } from 'ioredis';
import { pgConnection, redisUrl } from '../lib/common.ts';
import { deleteRedisPrefix } from '../lib/sundial-helpers.ts';
const snapshot = { id: '0190c2a0-0000-7000-8000-000000000000', task: 'noop', data: { key: 1 }, origin: 'enqueue', scheduleId: null, fireAtMs: null, status: 'succeeded', priority: 0, runAtMs: 1, createdAtMs: 1, dedupeKey: null, attempt: 1, maxAttempts: 3, fencingToken: 1, nodeId: 'n', startedAtMs: 1, finishedAtMs: 2, result: null, error: null };
for (const [name, store] of [
  ['sqlite', new SqliteStore(join(mkdtempSync(join(tmpdir(), 'ac-')), 's.db'))],
  ['postgres', new PostgresStore({ poolConfig: pgConnection, schema: `ac_${process.pid}` })],
  ['redis', new RedisStore({ url: redisUrl, prefix: `ac${process.pid}` })],
] as Array<[string, Store]>) {
  await store.open();
  for (const batch of [10, 50]) {
    const n = 20_000;
    const t = performance.now();
    const cpu = process.cpuUsage();
    for (let i = 0; i < n; i += batch) await store.appendEvents(Array.from({ length: batch }, () => ({ type: 'job.succeeded', nodeId: 'n', atMs: Date.now(), data: { job: snapshot, result: null, durationMs: 1 } })));
    const ms = performance.now() - t;
    const c = process.cpuUsage(cpu);
    console.log(`${name} batch ${batch}: ${(ms * 1000 / n).toFixed(1)} µs wall/event, ${((c.user + c.system) / n).toFixed(1)} µs node CPU/event`);
  }
  await store.close();
}
// Leave nothing behind on the shared servers.
const client = new pg.Client(pgConnection);
await client.connect();
await client.query(`DROP SCHEMA IF EXISTS "ac_${process.pid}" CASCADE`);
await client.end();
const admin = new Redis(redisUrl);
await deleteRedisPrefix(admin, `ac${process.pid}`);
admin.disconnect();
