import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { NewJob } from '../../src/domain/job.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';

const claimWorker = fileURLToPath(new URL('../fixtures/sqlite-claim-worker.ts', import.meta.url));
const openWorker = fileURLToPath(new URL('../fixtures/sqlite-open-worker.ts', import.meta.url));
const jobCount = 500;

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'sundial-sqlite-mp-'));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

interface Worker {
  child: ChildProcessWithoutNullStreams;
  ready: Promise<void>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function startWorker(script: string, path: string, nodeId: string): Worker {
  const child = spawn(process.execPath, [script, path, nodeId], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.startsWith('ready\n')) markReady();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      markReady(); // a worker that died before "ready" must not hang the test
      resolve({ code, stdout, stderr });
    });
  });
  return { child, ready, done };
}

test('two processes claiming from one file complete every job exactly once, without SQLITE_BUSY', { timeout: 20_000 }, async () => {
  const path = join(directory, 'shared.db');
  const setup = new SqliteStore(path);
  await setup.open();
  const jobs: NewJob[] = Array.from({ length: jobCount }, (_, i) => ({
    id: `job-${String(i).padStart(3, '0')}`,
    task: 'work',
    data: { i },
    origin: 'enqueue',
    scheduleId: null,
    fireAtMs: null,
    priority: i % 4,
    runAtMs: 0,
    maxAttempts: 1,
    dedupeKey: null,
    createdAtMs: i,
  }));
  await setup.enqueueJobs(jobs);

  const workers = [startWorker(claimWorker, path, 'node-a'), startWorker(claimWorker, path, 'node-b')];
  await Promise.all(workers.map((w) => w.ready));
  for (const worker of workers) worker.child.stdin.end('go\n');
  const results = await Promise.all(workers.map((w) => w.done));

  const completedBy: string[][] = [];
  for (const { code, stdout, stderr } of results) {
    expect(stderr, 'a worker wrote to stderr').toBe('');
    expect(code).toBe(0);
    const last = stdout.trim().split('\n').at(-1) ?? '';
    completedBy.push((JSON.parse(last) as { completed: string[] }).completed);
  }
  const all = completedBy.flat();
  expect(all).toHaveLength(jobCount);
  expect(new Set(all).size).toBe(jobCount);
  // Both really took part (else the test would prove nothing about contention).
  for (const ids of completedBy) expect(ids.length).toBeGreaterThan(0);

  const stored = await setup.listJobs({ limit: jobCount + 1 });
  expect(stored.filter((j) => j.status === 'succeeded')).toHaveLength(jobCount);
  expect(stored.every((j) => j.attempt === 1 && j.attempts.length === 1 && j.attempts[0]?.outcome === 'succeeded')).toBe(true);
  const counts = completedBy.map((ids) => ids.length);
  console.info(`[sqlite multiprocess] completed per process: ${counts.join(' + ')}`);
  await setup.close();
});

test('four processes creating and migrating one fresh file at once all succeed', { timeout: 20_000 }, async () => {
  const path = join(directory, 'fresh', 'store.db');
  const workers = ['a', 'b', 'c', 'd'].map((id) => startWorker(openWorker, path, `node-${id}`));
  await Promise.all(workers.map((w) => w.ready));
  for (const worker of workers) worker.child.stdin.end('go\n');
  for (const { code, stdout, stderr } of await Promise.all(workers.map((w) => w.done))) {
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe('ready\nok\n');
  }
  const store = new SqliteStore(path);
  await store.open();
  expect((await store.listJobs()).map((j) => j.id).sort()).toEqual(['job-node-a', 'job-node-b', 'job-node-c', 'job-node-d']);
  await store.close();
});
