import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { Scheduler, task } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'sundial-sqlite-watch-'));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

test('a store hears of another connection committing to the file', async () => {
  const path = join(directory, 'watch.db');
  const watching = new SqliteStore(path);
  const writing = new SqliteStore(path);
  await watching.open();
  await writing.open();
  const heard = new Promise<string>((resolve) => watching.subscribe((signal) => resolve(signal)));
  await writing.enqueueJobs([
    { id: 'j', task: 't', data: null, origin: 'enqueue', scheduleId: null, fireAtMs: null, priority: 0, runAtMs: 0, maxAttempts: 1, dedupeKey: null, createdAtMs: 0 },
  ]);
  expect(await heard).toBe('jobs');
  await Promise.all([watching.close(), writing.close()]);
});

test('an idle node with a 30 s poll starts a job another process enqueued without waiting for its poll', { timeout: 5_000 }, async () => {
  const path = join(directory, 'wake.db');
  const worker = new Scheduler({ store: new SqliteStore(path), pollInterval: '30s', logger: 'silent', tasks: [task('ping', { run: () => 'pong' })] });
  const client = new Scheduler({ store: new SqliteStore(path), roles: { schedules: false, jobs: false }, logger: 'silent' });
  await worker.start();
  // First let the worker run a job and fall asleep on its 30 s poll, so the next job can only
  // reach it through a wake-up. (The pause can only make this test pass wrongly, never fail wrongly.)
  const first = worker.waitFor('job.succeeded');
  await client.enqueue({ task: 'ping' });
  await first;
  await new Promise((resolve) => setTimeout(resolve, 300));
  const done = worker.waitFor('job.succeeded');
  await client.enqueue({ task: 'ping' });
  // Without the data_version watcher this waits for the 30 s poll and the test times out.
  expect((await done).result).toBe('pong');
  await Promise.all([worker.stop(), client.stop()]);
});

test('watchIntervalMs 0 turns the watcher off', async () => {
  const store = new SqliteStore(join(directory, 'off.db'), { watchIntervalMs: 0 });
  expect(store.capabilities.pushWakeups).toBe(false);
});
