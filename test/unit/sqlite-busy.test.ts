import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { StoreUnavailableError } from '../../src/errors.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'sundial-sqlite-busy-'));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

test('a write lock held past busyTimeoutMs surfaces as StoreUnavailableError with the SQLite error as cause', async () => {
  const path = join(directory, 'store.db');
  const store = new SqliteStore(path, { busyTimeoutMs: 20 });
  await store.open();
  // Another connection (as another process would) holds the write lock.
  const other = new DatabaseSync(path);
  other.exec('BEGIN IMMEDIATE');
  try {
    const error = await store.claimJobs({ nodeId: 'n', nowMs: 0, leaseMs: 1000, limit: 1, tasks: ['t'] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).code).toBe('STORE_UNAVAILABLE');
    expect((error as Error).cause).toMatchObject({ errcode: 5 });
    // Reads still work under WAL while another connection writes.
    expect(await store.listJobs()).toEqual([]);
  } finally {
    other.exec('ROLLBACK');
    other.close();
  }
  // Once the lock is gone the same store writes again: the failed call left no transaction open.
  expect(await store.claimJobs({ nodeId: 'n', nowMs: 0, leaseMs: 1000, limit: 1, tasks: ['t'] })).toEqual([]);
  await store.close();
});

test('methods called before open() fail with StoreUnavailableError', async () => {
  const store = new SqliteStore(join(directory, 'never-opened.db'));
  await expect(store.getJob('x')).rejects.toBeInstanceOf(StoreUnavailableError);
});
