import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { InvalidArgumentError, task } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { flowJob } from '../../src/testing/conformance/flow-fixtures.ts';
import { newJob, scheduleWrite } from '../../src/testing/conformance/fixtures.ts';
import { createHarness } from './runtime/harness.ts';

// Transactional writes on SQLite: `{ tx: db }` is the caller's own DatabaseSync on the store's
// file, inside BEGIN IMMEDIATE; the store writes on it and leaves COMMIT or ROLLBACK to the caller.

let directory: string;
let path: string;
const opened: Array<{ close(): unknown }> = [];

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'sundial-sqlite-tx-'));
  path = join(directory, 'store.db');
});
afterEach(async () => {
  for (const resource of opened.splice(0).reverse()) await resource.close();
  rmSync(directory, { recursive: true, force: true });
});

async function openStore(options: { busyTimeoutMs?: number; watchIntervalMs?: number } = {}): Promise<SqliteStore> {
  const store = new SqliteStore(path, options);
  await store.open();
  opened.push(store);
  return store;
}

/** The caller's connection, with the business table the examples write to. */
function callerDb(file = path): DatabaseSync {
  const db = new DatabaseSync(file, { timeout: 5000 });
  db.exec('CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL)');
  opened.push({ close: () => db.isOpen && db.close() });
  return db;
}

function orderCount(db: DatabaseSync): number {
  return Number((db.prepare('SELECT COUNT(*) AS n FROM orders').get() as { n: number }).n);
}

function isTxRefused(pattern: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof InvalidArgumentError && /options\.tx/.test(error.message) && pattern.test(error.message);
}

describe('SqliteStore transactional writes (options.tx)', () => {
  test('declares transactionalWrites on a file, not in memory', async () => {
    expect((await openStore()).capabilities.transactionalWrites).toBe(true);
    expect(new SqliteStore(':memory:').capabilities.transactionalWrites).toBe(false);
  });

  test('commit: the job exists only after COMMIT, and a scheduler on the same file runs it (woken by the watcher)', { timeout: 5_000 }, async () => {
    const runs: unknown[] = [];
    const h = createHarness(() => new SqliteStore(path), {
      tasks: [task('expire-order', { run: ({ data }) => void runs.push(data) })],
    });
    opened.push({ close: () => h.scheduler.stop() });
    await h.scheduler.start();
    const db = callerDb();
    db.exec('BEGIN IMMEDIATE');
    db.prepare('INSERT INTO orders (id, customer) VALUES (?, ?)').run(1, 'ada');
    const job = await h.scheduler.enqueue({ task: 'expire-order', data: { orderId: 1 } }, { tx: db });
    // Inside the caller's transaction: written on its connection, not visible to the store's own.
    expect(db.prepare('SELECT status FROM jobs WHERE id = ?').get(job.id)).toEqual({ status: 'queued' });
    expect(await h.store.getJob(job.id)).toBeNull();
    const succeeded = h.scheduler.waitFor('job.succeeded');
    db.exec('COMMIT');
    // The scheduler polls every hour of virtual time: only the data_version watcher can wake it.
    expect((await succeeded).job.id).toBe(job.id);
    expect(runs).toEqual([{ orderId: 1 }]);
    expect((await h.store.getJob(job.id))?.status).toBe('succeeded');
    expect(orderCount(db)).toBe(1);
  });

  test('rollback: neither the business row nor the jobs exist', async () => {
    const store = await openStore();
    const db = callerDb();
    db.exec('BEGIN IMMEDIATE');
    db.prepare('INSERT INTO orders (id, customer) VALUES (?, ?)').run(1, 'ada');
    const results = await store.enqueueJobs([newJob('job-1'), newJob('job-2', { dedupeKey: 'k' }), newJob('job-3', { scheduleId: 's', fireAtMs: 5 })], { tx: db });
    expect(results.map((result) => result.created)).toEqual([true, true, true]);
    db.exec('ROLLBACK');
    expect(orderCount(db)).toBe(0);
    expect(await store.listJobs()).toEqual([]);
    // The same connection (its statements cached) joins a second transaction, which commits.
    db.exec('BEGIN IMMEDIATE');
    db.prepare('INSERT INTO orders (id, customer) VALUES (?, ?)').run(2, 'bob');
    await store.enqueueJobs([newJob('job-4')], { tx: db });
    db.exec('COMMIT');
    expect(orderCount(db)).toBe(1);
    expect((await store.listJobs()).map((job) => job.id)).toEqual(['job-4']);
  });

  test('a schedule upserted in a rolled-back transaction does not exist; a committed one does', async () => {
    const store = await openStore();
    const db = callerDb();
    db.exec('BEGIN IMMEDIATE');
    expect((await store.upsertSchedule(scheduleWrite('s-1'), { tx: db })).id).toBe('s-1');
    await store.upsertSchedules([scheduleWrite('s-2'), scheduleWrite('s-3')], { tx: db });
    expect(await store.getSchedule('s-1')).toBeNull();
    db.exec('ROLLBACK');
    expect(await store.listSchedules()).toEqual([]);
    db.exec('BEGIN IMMEDIATE');
    await store.upsertSchedule(scheduleWrite('s-4'), { tx: db });
    db.exec('COMMIT');
    expect((await store.listSchedules()).map((schedule) => schedule.id)).toEqual(['s-4']);
  });

  test('Scheduler.schedule with { tx } joins the transaction too', async () => {
    const h = createHarness(() => new SqliteStore(path));
    opened.push({ close: () => h.scheduler.stop() });
    await h.scheduler.start();
    const db = callerDb();
    db.exec('BEGIN IMMEDIATE');
    await h.scheduler.schedule({ id: 'nightly', task: 'expire-order', trigger: { type: 'interval', everyMs: 60_000 } } as never, { tx: db });
    db.exec('ROLLBACK');
    expect(await h.store.getSchedule('nightly')).toBeNull();
  });

  test('jobs with parents: a flow written in the transaction commits whole, its child waiting', async () => {
    const store = await openStore();
    const db = callerDb();
    db.exec('BEGIN IMMEDIATE');
    await store.enqueueJobs([flowJob('parent')], { tx: db });
    // A later call in the same transaction sees the parent written by the earlier one.
    const [child] = await store.enqueueJobs([flowJob('child', ['parent'])], { tx: db });
    expect(child?.job?.status).toBe('waiting');
    db.exec('COMMIT');
    expect((await store.getJob('child'))?.status).toBe('waiting');
    expect((await store.getJob('child'))?.parents).toEqual(['parent']);
    expect(db.prepare('SELECT parent_id, child_id, pending FROM job_edges').all()).toEqual([{ parent_id: 'parent', child_id: 'child', pending: 1 }]);
  });

  test('a refused flow undoes its own writes only: the caller may still commit the rest of its transaction', async () => {
    const store = await openStore();
    const db = callerDb();
    db.exec('BEGIN IMMEDIATE');
    db.prepare('INSERT INTO orders (id, customer) VALUES (?, ?)').run(1, 'ada');
    await store.enqueueJobs([newJob('before')], { tx: db });
    await expect(store.enqueueJobs([flowJob('a'), flowJob('b', ['a']), flowJob('c', ['missing'])], { tx: db })).rejects.toThrow(InvalidArgumentError);
    expect(db.isTransaction).toBe(true);
    db.exec('COMMIT');
    expect(orderCount(db)).toBe(1);
    expect((await store.listJobs()).map((job) => job.id)).toEqual(['before']);
    expect(db.prepare('SELECT COUNT(*) AS n FROM job_edges').get()).toEqual({ n: 0 });
  });

  describe('refusals write nothing', () => {
    const writes = [
      ['enqueueJobs', (store: SqliteStore, tx: unknown) => store.enqueueJobs([newJob('job-1'), newJob('job-2')], { tx })],
      ['upsertSchedule', (store: SqliteStore, tx: unknown) => store.upsertSchedule(scheduleWrite('s-1'), { tx })],
      ['upsertSchedules', (store: SqliteStore, tx: unknown) => store.upsertSchedules([scheduleWrite('s-1')], { tx })],
      ['an empty enqueueJobs', (store: SqliteStore, tx: unknown) => store.enqueueJobs([], { tx })],
    ] as const;

    async function expectNothingWritten(store: SqliteStore): Promise<void> {
      expect(await store.listJobs()).toEqual([]);
      expect(await store.listSchedules()).toEqual([]);
    }

    test.each(writes)('%s: not a DatabaseSync', async (_name, write) => {
      const store = await openStore();
      for (const tx of [{}, 'db', { exec() {}, prepare() {} }]) {
        await expect(write(store, tx)).rejects.toSatisfy(isTxRefused(/DatabaseSync/));
      }
      await expectNothingWritten(store);
    });

    test.each(writes)('%s: no transaction open, or a closed connection', async (_name, write) => {
      const store = await openStore();
      const db = callerDb();
      await expect(write(store, db)).rejects.toSatisfy(isTxRefused(/BEGIN IMMEDIATE/));
      db.close();
      await expect(write(store, db)).rejects.toSatisfy(isTxRefused(/closed/));
      await expectNothingWritten(store);
    });

    test.each(writes)('%s: a connection to another file', async (_name, write) => {
      const store = await openStore();
      const other = callerDb(join(directory, 'other.db'));
      other.exec('BEGIN IMMEDIATE');
      await expect(write(store, other)).rejects.toSatisfy(isTxRefused(/other\.db/));
      const memory = new DatabaseSync(':memory:');
      memory.exec('BEGIN IMMEDIATE');
      await expect(write(store, memory)).rejects.toSatisfy(isTxRefused(/in-memory/));
      memory.close();
      other.exec('COMMIT');
      expect(other.prepare(`SELECT name FROM sqlite_master WHERE name IN ('jobs', 'schedules')`).all()).toEqual([]);
      await expectNothingWritten(store);
    });

    test('a :memory: store refuses any tx', async () => {
      const store = new SqliteStore(':memory:');
      await store.open();
      opened.push(store);
      const db = new DatabaseSync(':memory:');
      db.exec('BEGIN IMMEDIATE');
      await expect(store.enqueueJobs([newJob('job-1')], { tx: db })).rejects.toSatisfy(isTxRefused(/in memory/));
      db.close();
      await expectNothingWritten(store);
    });
  });

  test("the store's own writes wait (busy timeout) while a caller's transaction is open elsewhere, then succeed", { timeout: 10_000 }, async () => {
    const store = await openStore({ busyTimeoutMs: 5000 });
    // The caller's transaction runs in another thread (as it would in another process): this
    // thread's synchronous writes block on the lock, so the holder must be able to commit meanwhile.
    callerDb().close(); // the orders table
    const storeUrl = new URL('../../src/sqlite/index.ts', import.meta.url).href;
    const worker = new Worker(
      `
      const { workerData, parentPort } = require('node:worker_threads');
      const { DatabaseSync } = require('node:sqlite');
      (async () => {
        const { SqliteStore } = await import(workerData.storeUrl);
        const store = new SqliteStore(workerData.path, { watchIntervalMs: 0 });
        await store.open();
        const db = new DatabaseSync(workerData.path, { timeout: 5000 });
        db.exec('BEGIN IMMEDIATE');
        db.exec("INSERT INTO orders (id, customer) VALUES (1, 'ada')");
        const job = { id: 'in-tx', task: 't', data: null, origin: 'enqueue', scheduleId: null, fireAtMs: null, priority: 0,
          runAtMs: 0, maxAttempts: 1, dedupeKey: null, createdAtMs: 0 };
        await store.enqueueJobs([job], { tx: db });
        parentPort.postMessage('locked');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
        db.exec('COMMIT');
        db.close();
        await store.close();
        parentPort.postMessage('committed');
      })().catch((error) => parentPort.postMessage('error: ' + (error && error.stack || error)));
      `,
      { eval: true, workerData: { path, storeUrl } },
    );
    opened.push({ close: () => worker.terminate() });
    const messages: string[] = [];
    const committed = new Promise<void>((resolve) => worker.on('message', (message: string) => {
      messages.push(message);
      if (message !== 'locked') resolve();
    }));
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (message: string) => (message === 'locked' ? resolve() : reject(new Error(message))));
      worker.once('error', reject);
    });
    const startedMs = performance.now();
    const [own] = await store.enqueueJobs([newJob('own')]);
    const waitedMs = performance.now() - startedMs;
    expect(own?.created).toBe(true);
    // It waited for the caller's COMMIT (the worker holds the lock ~300 ms) instead of failing.
    expect(waitedMs).toBeGreaterThan(100);
    await committed;
    expect(messages).toEqual(['locked', 'committed']);
    expect((await store.listJobs()).map((job) => job.id).sort()).toEqual(['in-tx', 'own']);
  });
});
