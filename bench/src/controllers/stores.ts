// The three stores as the controller benchmarks open them (the same settings as
// bench/src/systems/sundial.ts: the bench's PostgreSQL connection, REDIS_URL, a file in tmpdir),
// and a wall clock with sub-millisecond resolution that several processes on one machine share.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { Redis } from 'ioredis';
import { Scheduler } from '../../../src/index.ts';
import { PostgresStore } from '../../../src/postgres/index.ts';
import { RedisStore } from '../../../src/redis/index.ts';
import { SqliteStore } from '../../../src/sqlite/index.ts';
import type { Store } from '../../../src/store/store.ts';
import { pgConnection, redisUrl } from '../lib/common.ts';
import { deleteRedisPrefix } from '../lib/sundial-helpers.ts';

export const storeKinds = ['sqlite', 'postgres', 'redis'] as const;
export type StoreKind = (typeof storeKinds)[number];

export function storeKind(value: unknown): StoreKind {
  if (typeof value === 'string' && (storeKinds as readonly string[]).includes(value)) return value as StoreKind;
  throw new Error(`--store must be one of ${storeKinds.join(', ')}, got ${String(value)}`);
}

const sqlitePath = (name: string) => join(tmpdir(), `${name}.db`);

/**
 * A new (unopened) store object on the case's file / schema / key prefix. `sqliteWatchMs`: the
 * SqliteStore's `watchIntervalMs` (how often it looks for other processes' commits; default 50).
 */
export function openStore(kind: StoreKind, name: string, sqliteWatchMs?: number): Store {
  if (kind === 'sqlite') return new SqliteStore(sqliteWatchMs === undefined ? sqlitePath(name) : { path: sqlitePath(name), watchIntervalMs: sqliteWatchMs });
  if (kind === 'postgres') return new PostgresStore({ poolConfig: pgConnection, schema: name });
  return new RedisStore({ url: redisUrl, prefix: name });
}

/** Creates and migrates the store once, before several processes race to (outside any timing). */
export async function prepareStore(kind: StoreKind, name: string): Promise<void> {
  const client = new Scheduler({ store: openStore(kind, name), roles: { schedules: false, jobs: false }, logger: 'error' });
  await client.listJobs({ limit: 1 });
  await client.stop();
}

/** Removes the case's file, schema or key prefix. */
export async function dropStore(kind: StoreKind, name: string): Promise<void> {
  if (kind === 'sqlite') for (const suffix of ['', '-wal', '-shm']) rmSync(sqlitePath(name) + suffix, { force: true });
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
}

/**
 * Wall-clock milliseconds with microsecond resolution: `performance.timeOrigin` (taken at process
 * start from the system clock) plus the monotonic clock. Comparable across the processes of one
 * case (same machine, runs of seconds), unlike Date.now() differences, which are quantized to 1 ms.
 */
export const wallNow = (): number => performance.timeOrigin + performance.now();
