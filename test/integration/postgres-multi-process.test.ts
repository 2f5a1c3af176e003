// Real OS processes share one PostgreSQL schema: each (schedule, fire time) runs exactly once
// across three nodes; a node SIGKILLed mid-job loses the job to another within lease + poll; and
// killing the nodes' connections with pg_terminate_backend mid-load loses no job. Real clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Scheduler, every } from '../../src/index.ts';
import { PostgresStore } from '../../src/postgres/index.ts';
import { killAll, percentile, pollUntil, pollUntilAsync, startWorker, type WorkerLine, type WorkerProcess } from '../fixtures/node-processes.ts';
import { adminPool, dropSchema, pgUrl, randomSchema, requirePostgres, terminateBackends } from '../fixtures/pg-env.ts';

const available = await requirePostgres('test/integration/postgres-multi-process.test.ts');
const admin = adminPool();
afterAll(() => admin.end());

let directory: string;
let schema: string;
let workers: WorkerProcess[] = [];
let client: Scheduler;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'sundial-pg-multi-'));
  schema = randomSchema('sundial_multi');
  client = new Scheduler({ store: new PostgresStore({ connectionString: pgUrl(), schema }), roles: { schedules: false, jobs: false } });
  await client.listSchedules(); // creates the schema before any worker opens it
});
afterEach(async () => {
  await killAll(workers);
  workers = [];
  await client.stop();
  await dropSchema(admin, schema);
  rmSync(directory, { recursive: true, force: true });
});

async function startNodes(count: number, args: string[] = []): Promise<WorkerProcess[]> {
  workers = Array.from({ length: count }, (_, i) =>
    startWorker({ store: { postgres: pgUrl(), schema }, outFile: join(directory, `node-${i}.jsonl`), nodeId: `node-${i}`, args }),
  );
  await Promise.all(workers.map((worker) => worker.ready));
  return workers;
}

/** SIGTERM to every node; each must exit 0 (and, unless store errors are expected, write nothing to stderr). */
async function stopAll(options: { storeErrorsExpected?: boolean } = {}): Promise<void> {
  for (const worker of workers) worker.child.kill('SIGTERM');
  const exits = await Promise.all(workers.map((worker) => worker.exited));
  for (const [i, exit] of exits.entries()) {
    expect(exit.code, `node-${i} exit code; stderr:\n${workers[i]!.stderr()}`).toBe(0);
    const stderr = workers[i]!.stderr();
    if (!options.storeErrorsExpected) expect(stderr, `node-${i} wrote to stderr`).toBe('');
    else expect(stderr.split('\n').filter((line) => line !== '' && !/PostgreSQL store/.test(line)), `node-${i} stderr`).toEqual([]);
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) map.set(key(item), [...(map.get(key(item)) ?? []), item]);
  return map;
}

const waitUntil = (atMs: number) => pollUntil(`${new Date(atMs).toISOString()}`, atMs - Date.now() + 5000, () => (Date.now() >= atMs ? true : undefined), 50);

describe.skipIf(!available)('PostgreSQL, several processes', () => {
  test('three processes run each fire of 100 interval schedules exactly once for 10 s', { timeout: 60_000 }, async () => {
    const scheduleCount = 100;
    await startNodes(3);
    const startAtMs = Math.ceil((Date.now() + 2000) / 1000) * 1000;
    // One store call: schedules created one by one could land after startAtMs on a loaded machine
    // (their first fire is then in the past, and by design not run).
    await client.scheduleMany(
      Array.from({ length: scheduleCount }, (_, i) => ({ id: `every-${String(i).padStart(3, '0')}`, task: 'tick', trigger: every('1s', { startAt: startAtMs }) })),
    );
    await waitUntil(startAtMs + 10_000 + 500);
    const sigtermAtMs = Date.now();
    await stopAll();
    for (const [i, worker] of workers.entries()) expect(worker.stdout(), `node-${i} reported an error`).not.toContain('error during');

    const perWorker = workers.map((worker) => worker.lines().filter((line) => line.event === 'run'));
    const byFire = groupBy(perWorker.flat(), (line) => `${line.scheduleId}@${line.fireAtMs}`);
    const duplicates = [...byFire].filter(([, lines]) => lines.length > 1).map(([key, lines]) => `${key} ran by ${lines.map((l) => l.nodeId).join(', ')}`);
    expect(duplicates).toEqual([]);

    const lastCoveredMs = Math.floor((sigtermAtMs - 1000) / 1000) * 1000;
    const fireTimes: number[] = [];
    for (let fireAtMs = startAtMs; fireAtMs <= lastCoveredMs; fireAtMs += 1000) fireTimes.push(fireAtMs);
    expect(fireTimes.length).toBeGreaterThanOrEqual(9);
    const missing: string[] = [];
    for (let i = 0; i < scheduleCount; i++) {
      const id = `every-${String(i).padStart(3, '0')}`;
      for (const fireAtMs of fireTimes) if (!byFire.has(`${id}@${fireAtMs}`)) missing.push(`${id}@+${fireAtMs - startAtMs}ms`);
    }
    expect(missing).toEqual([]);
    const split = perWorker.map((lines) => lines.length);
    for (const [i, count] of split.entries()) expect(count, `runs by node-${i}`).toBeGreaterThan(0);

    // The database agrees: one succeeded job per covered fire, at its first attempt.
    const jobs = await client.listJobs({ status: 'succeeded', limit: 100_000 });
    const jobsByFire = groupBy(jobs, (job) => `${job.scheduleId}@${job.fireAtMs}`);
    const wrong = [...jobsByFire].filter(([, found]) => found.length !== 1 || found[0]!.attempt !== 1).map(([key]) => key);
    expect(wrong).toEqual([]);
    expect(jobs.length).toBeGreaterThanOrEqual(scheduleCount * fireTimes.length);

    const covered = perWorker.flat().filter((line) => line.fireAtMs !== null && line.fireAtMs <= lastCoveredMs);
    const latenessMs = covered.map((line) => line.startedAt - line.fireAtMs!);
    console.info(
      `[pg multi-process ×3] ${scheduleCount} schedules × ${fireTimes.length} fires = ${covered.length} runs; split ${split.join(' + ')}; ` +
        `lateness p50 ${percentile(latenessMs, 50)} ms, p99 ${percentile(latenessMs, 99)} ms, max ${Math.max(...latenessMs)} ms`,
    );
  });

  test('a node SIGKILLed mid-job loses the job to another node within lease + poll', { timeout: 30_000 }, async () => {
    const nodes = await startNodes(3, ['--lease', '2s', '--poll', '500ms']);
    const enqueued = await client.enqueue({ task: 'slow', data: { waitMs: 20_000, waitWhen: 'first-attempt' } });
    const find = (match: (line: WorkerLine) => boolean) => {
      for (const worker of nodes) {
        const line = worker.lines().find(match);
        if (line) return [worker, line] as const;
      }
      return undefined;
    };
    const [victim] = await pollUntil('attempt 1 to start', 5000, () => find((l) => l.jobId === enqueued.id && l.event === 'started' && l.attempt === 1));
    const killedAtMs = Date.now();
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');

    const [survivor, finished] = await pollUntil('another node to finish the job', 10_000, () =>
      find((l) => l.jobId === enqueued.id && l.event === 'finished'),
    );
    expect(survivor).not.toBe(victim);
    expect(finished.attempt).toBe(2);
    // Lease 2 s from the victim's last heartbeat, plus a poll interval and scheduling slack.
    expect(finished.at - killedAtMs).toBeLessThan(2000 + 500 + 1000);
    const job = await pollUntilAsync('the job to be succeeded', 5000, async () => {
      const current = await client.getJob(enqueued.id);
      return current?.status === 'succeeded' ? current : undefined;
    });
    expect(job.attempts.map((a) => a.outcome)).toEqual(['lease_expired', 'succeeded']);
    workers = nodes.filter((worker) => worker !== victim);
    await stopAll();
  });

  test('killing the nodes\u2019 connections twice mid-load loses no job', { timeout: 60_000 }, async () => {
    const jobCount = 600;
    await startNodes(3, ['--poll', '200ms', '--lease', '2s']);
    const startAtMs = Math.ceil((Date.now() + 1000) / 1000) * 1000;
    for (let i = 0; i < 20; i++) await client.schedule({ id: `every-${i}`, task: 'tick', trigger: every('1s', { startAt: startAtMs }) });
    const enqueued: string[] = [];
    for (let batch = 0; batch < 6; batch++) {
      const jobs = await client.enqueueMany(Array.from({ length: jobCount / 6 }, () => ({ task: 'tick', data: { batch } })));
      enqueued.push(...jobs.map((job) => job.id));
      if (batch === 1 || batch === 4) {
        const killed = (await Promise.all(workers.map((worker) => terminateBackends(admin, `sundial-${worker.nodeId}`)))).reduce((a, b) => a + b, 0);
        expect(killed).toBeGreaterThan(0);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const runsOf = () => new Set(workers.flatMap((worker) => worker.lines().filter((l) => l.event === 'run').map((l) => l.jobId)));
    await pollUntil('every enqueued job to run', 20_000, () => (enqueued.every((id) => runsOf().has(id)) ? true : undefined), 100);
    await waitUntil(startAtMs + 6000);
    const stopAtMs = Date.now();
    await stopAll({ storeErrorsExpected: true });

    const succeeded = new Set((await client.listJobs({ status: 'succeeded', limit: 100_000 })).map((job) => job.id));
    expect(enqueued.filter((id) => !succeeded.has(id))).toEqual([]);
    const scheduled = (await client.listJobs({ limit: 100_000 })).filter((job) => job.scheduleId !== null && job.fireAtMs! <= stopAtMs - 2000);
    const perFire = groupBy(scheduled, (job) => `${job.scheduleId}@${job.fireAtMs}`);
    expect([...perFire.values()].filter((jobs) => jobs.length > 1)).toEqual([]);
    expect(scheduled.filter((job) => job.status !== 'succeeded').map((job) => `${job.scheduleId}@${job.fireAtMs} ${job.status}`)).toEqual([]);
    const runs = workers.flatMap((worker) => worker.lines().filter((l) => l.event === 'run'));
    const errors = workers.map((worker) => (worker.stdout().match(/error during/g) ?? []).length);
    console.info(`[pg connection kills] ${enqueued.length} jobs + ${scheduled.length} fires succeeded; ${runs.length} runs in all; store errors seen per node: ${errors.join(', ')}`);
  });
});
