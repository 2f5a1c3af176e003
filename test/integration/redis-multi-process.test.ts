// Real OS processes sharing one Redis (test/fixtures/node-worker.ts): each interval fire runs
// exactly once across three nodes; a SIGKILLed node's job is taken over within the lease; killed
// connections (CLIENT KILL) lose no job; an idle node wakes on pub/sub within milliseconds.
// The real clock is used: these are real processes. Each test has its own key prefix.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Scheduler, every } from '../../src/index.ts';
import { RedisStore } from '../../src/redis/index.ts';
import { killAll, percentile, pollUntil, startWorker, type WorkerLine, type WorkerProcess } from '../fixtures/node-processes.ts';
import { deletePrefix, randomPrefix, redisUrl, requireRedis } from '../fixtures/redis-test-helpers.ts';

const available = await requireRedis();

let directory: string;
let prefix: string;
let workers: WorkerProcess[] = [];
let client: Scheduler;
let store: RedisStore;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'sundial-redis-mp-'));
  prefix = randomPrefix('mp');
  store = new RedisStore({ url: redisUrl, prefix });
  client = new Scheduler({ store, roles: { schedules: false, jobs: false } });
});
afterEach(async () => {
  await killAll(workers);
  workers = [];
  await client.stop();
  await deletePrefix(prefix);
  rmSync(directory, { recursive: true, force: true });
});

function start(count: number, args: string[] = []): WorkerProcess[] {
  const started = Array.from({ length: count }, (_, i) =>
    startWorker({ store: { redis: redisUrl, prefix }, outFile: join(directory, `node-${i}.jsonl`), nodeId: `node-${i}`, args }),
  );
  workers.push(...started);
  return started;
}

async function stopAll(list: readonly WorkerProcess[]): Promise<void> {
  for (const worker of list) worker.child.kill('SIGTERM');
  const exits = await Promise.all(list.map((worker) => worker.exited));
  for (const [i, exit] of exits.entries()) {
    expect(exit.code, `${list[i]!.nodeId} exit code; stderr:\n${list[i]!.stderr()}`).toBe(0);
    expect(list[i]!.stderr(), `${list[i]!.nodeId} wrote to stderr`).toBe('');
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!available)('RedisStore across processes', () => {
  test('three processes run each fire of 100 interval schedules exactly once for 10 s', { timeout: 40_000 }, async () => {
    const nodes = start(3);
    await Promise.all(nodes.map((worker) => worker.ready));
    const scheduleCount = 100;
    const startAtMs = Math.ceil((Date.now() + 2000) / 1000) * 1000;
    for (let i = 0; i < scheduleCount; i++) {
      await client.schedule({ id: `every-${String(i).padStart(3, '0')}`, task: 'tick', trigger: every('1s', { startAt: startAtMs }) });
    }
    const stopAtMs = startAtMs + 10_000 + 500;
    await sleep(stopAtMs - Date.now());
    const sigtermAtMs = Date.now();
    await stopAll(nodes);
    for (const worker of nodes) expect(worker.stdout(), `${worker.nodeId} reported an error`).not.toContain('error during');

    const all: WorkerLine[] = nodes.flatMap((worker) => worker.lines().filter((line) => line.event === 'run'));
    const byFire = new Map<string, WorkerLine[]>();
    for (const line of all) byFire.set(`${line.scheduleId}@${line.fireAtMs}`, [...(byFire.get(`${line.scheduleId}@${line.fireAtMs}`) ?? []), line]);
    const duplicates = [...byFire.entries()].filter(([, lines]) => lines.length > 1).map(([key]) => key);
    expect(duplicates).toEqual([]);

    const lastCoveredMs = Math.floor((sigtermAtMs - 1000) / 1000) * 1000;
    const fireTimes: number[] = [];
    for (let fireAtMs = startAtMs; fireAtMs <= lastCoveredMs; fireAtMs += 1000) fireTimes.push(fireAtMs);
    expect(fireTimes.length).toBeGreaterThanOrEqual(9);
    const missing: string[] = [];
    for (let i = 0; i < scheduleCount; i++) {
      const id = `every-${String(i).padStart(3, '0')}`;
      for (const fireAtMs of fireTimes) if (!byFire.has(`${id}@${fireAtMs}`)) missing.push(`${id}@${fireAtMs - startAtMs}ms`);
    }
    expect(missing).toEqual([]);
    // The store agrees: each covered fire is one job that succeeded at its first attempt.
    const jobs = await store.listJobs({ limit: 10_000 });
    const wrong = jobs
      .filter((job) => job.fireAtMs !== null && job.fireAtMs <= lastCoveredMs)
      .filter((job) => job.status !== 'succeeded' || job.attempt !== 1)
      .map((job) => `${job.scheduleId}@${job.fireAtMs}: ${job.status}/attempt ${job.attempt}`);
    expect(wrong).toEqual([]);
    expect(jobs.filter((job) => job.fireAtMs !== null && job.fireAtMs <= lastCoveredMs).length).toBe(scheduleCount * fireTimes.length);
    const split = nodes.map((worker) => worker.lines().length);
    for (const count of split) expect(count).toBeGreaterThan(0);
    const latenessMs = all.filter((l) => l.fireAtMs !== null && l.fireAtMs <= lastCoveredMs).map((l) => l.startedAt - l.fireAtMs!);
    console.info(
      `[redis multi-process ×3] ${scheduleCount} schedules × ${fireTimes.length} fires; ${all.length} runs, split ${split.join(' + ')}; ` +
        `lateness p50 ${percentile(latenessMs, 50)} ms, p99 ${percentile(latenessMs, 99)} ms, max ${Math.max(...latenessMs)} ms`,
    );
  });

  test('a node killed mid-job loses it to another node within lease + poll', { timeout: 30_000 }, async () => {
    const nodes = start(3); // lease 3s, poll 500ms
    await Promise.all(nodes.map((worker) => worker.ready));
    const enqueued = await client.enqueue({ task: 'slow', data: { waitMs: 20_000, waitWhen: 'first-attempt' } });
    const [victim] = await pollUntil('attempt 1 to start', 5000, () => {
      for (const worker of nodes) if (worker.lines().some((l) => l.jobId === enqueued.id && l.event === 'started')) return [worker] as const;
      return undefined;
    });
    const killedAtMs = Date.now();
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    const survivors = nodes.filter((worker) => worker !== victim);
    const finished = await pollUntil('another node to finish the job', 10_000, () => {
      for (const worker of survivors) {
        const line = worker.lines().find((l) => l.jobId === enqueued.id && l.event === 'finished');
        if (line) return line;
      }
      return undefined;
    });
    const takeoverMs = finished.startedAt - killedAtMs;
    expect(finished.attempt).toBe(2);
    // Lease 3 s, plus the reaper's poll (500 ms) and some slack for a loaded machine.
    expect(takeoverMs).toBeLessThan(3000 + 500 + 1000);
    const stored = await store.getJob(enqueued.id);
    expect(stored?.status).toBe('succeeded');
    expect(stored?.attempts.map((a) => a.outcome)).toEqual(['lease_expired', 'succeeded']);
    console.info(`[redis takeover] attempt 2 started ${takeoverMs} ms after the SIGKILL (lease 3 s)`);
    await stopAll(survivors);
  });

  test('connections killed with CLIENT KILL mid-load lose no job', { timeout: 40_000 }, async () => {
    const nodes = start(3);
    await Promise.all(nodes.map((worker) => worker.ready));
    const admin = new Redis(redisUrl);
    try {
      const ids: string[] = [];
      let kills = 0;
      for (let round = 0; round < 10; round++) {
        const batch = await client.enqueueMany(Array.from({ length: 50 }, () => ({ task: 'tick', data: null })));
        ids.push(...batch.map((job) => job.id));
        await sleep(150);
        // Only this test's workers: their connections carry their node names.
        const list = (await admin.client('LIST')) as string;
        const victims = list.split('\n').filter((line) => /name=sundial-worker-node-\d/.test(line));
        for (const line of victims) {
          const id = /\bid=(\d+)/.exec(line)?.[1];
          if (id) kills += Number(await admin.call('CLIENT', 'KILL', 'ID', id));
        }
        await sleep(150);
      }
      expect(kills).toBeGreaterThan(10);
      const deadline = Date.now() + 25_000;
      let pending = ids;
      while (pending.length > 0 && Date.now() < deadline) {
        const jobs = await Promise.all(pending.map((id) => store.getJob(id)));
        pending = pending.filter((_, i) => jobs[i]?.status !== 'succeeded');
        if (pending.length > 0) await sleep(250);
      }
      expect(pending, 'jobs that never succeeded').toEqual([]);
      const runs = nodes.flatMap((worker) => worker.lines()).filter((line) => ids.includes(line.jobId));
      const ranIds = new Set(runs.map((line) => line.jobId));
      expect(ranIds.size).toBe(ids.length);
      console.info(`[redis CLIENT KILL] ${kills} connections killed; ${ids.length} jobs all succeeded; ${runs.length - ranIds.size} re-runs`);
    } finally {
      admin.disconnect();
    }
    await stopAll(nodes);
  });

  test('an idle node (poll 30 s) starts a job enqueued elsewhere within ~100 ms (pub/sub)', { timeout: 30_000 }, async () => {
    const [idle] = start(1, ['--poll', '30s']);
    await idle!.ready;
    await sleep(300); // past its first poll: it now sleeps for 30 s
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const enqueuedAtMs = Date.now();
      const job = await client.enqueue({ task: 'tick', data: null });
      const line = await pollUntil('the idle node to run the job', 5000, () => idle!.lines().find((l) => l.jobId === job.id), 2);
      latencies.push(line.startedAt - enqueuedAtMs);
      await sleep(50);
    }
    console.info(`[redis wake-up] enqueue → start: p50 ${percentile(latencies, 50)} ms, max ${Math.max(...latencies)} ms (${latencies.join(', ')})`);
    expect(percentile(latencies, 50)).toBeLessThan(100);
    expect(Math.max(...latencies)).toBeLessThan(1000);
    await stopAll([idle!]);
  });
});
