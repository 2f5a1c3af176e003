// The task gates hold across real OS processes on every multi-process store: a rate limit counted
// in the store (three nodes together start no faster than the limit), a circuit breaker one node
// opens and every node honours (its jobs wait, then run once it closes), and a cluster-wide
// `maxConcurrent`. Real clock; the limits are the workers' (test/fixtures/node-worker.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { pollUntil, pollUntilAsync, type WorkerLine } from '../fixtures/node-processes.ts';
import { sharedStoreRun, sharedStores } from '../fixtures/shared-stores.ts';
import type { Scheduler } from '../../src/index.ts';

const { setups, end } = await sharedStores('test/integration/gates-multi-process.test.ts', 'gates');
afterAll(end);

async function allJobs(client: Scheduler, task: string): Promise<Awaited<ReturnType<Scheduler['listJobs']>>> {
  const jobs = [];
  for (let afterId: string | undefined; ; ) {
    const page = await client.listJobs({ task, limit: 500, ...(afterId ? { afterId } : {}) });
    jobs.push(...page);
    if (page.length < 500) return jobs;
    afterId = page.at(-1)!.id;
  }
}

describe.each(setups)('task gates across processes on %s', (_name, available, makeSetup) => {
  const run = sharedStoreRun(makeSetup, 'gates');

  test.skipIf(!available)('a rate limit of 200/s holds across three nodes: steady rate within 5 %, no window over limit + burst', { timeout: 60_000 }, async () => {
    const workers = ['a', 'b', 'c'].map((id) => run.start(`rate-${id}`, 'limited', ['--rate', '200', '--burst', '20', '--concurrency', '20']));
    await Promise.all(workers.map((worker) => worker.ready));
    const client = await run.openClient();
    const total = 1_200;
    for (let i = 0; i < total; i += 400) await client.enqueueMany(Array.from({ length: 400 }, () => ({ task: 'limited' })));
    const lines = await pollUntil('every limited job to start', 40_000, () => {
      const all = workers.flatMap((worker) => worker.lines());
      return all.length >= total ? all : undefined;
    }, 100);
    expect(new Set(lines.map((line) => line.jobId)).size).toBe(total); // each once
    const handlerStarts = lines.map((line) => line.startedAt).sort((a, b) => a - b);
    // GCRA: after the burst, one start per 5 ms. The steady rate the handlers saw:
    const rate = ((total - 20) / (handlerStarts.at(-1)! - handlerStarts[0]!)) * 1000;
    expect(rate).toBeGreaterThan(190);
    expect(rate).toBeLessThan(210);
    // The instants the tokens were taken (each job's claim, stamped with its node's clock before
    // the round trip): no 1-second window holds more than limit + burst, give or take the few
    // tokens of one round trip's skew between nodes. (Handler starts lag claims more.)
    const claims = (await pollUntilAsync('the outcomes', 20_000, async () => {
      const jobs = await allJobs(client, 'limited');
      return jobs.every((job) => job.status === 'succeeded') ? jobs : undefined;
    })).map((job) => job.attempts[0]!.startedAtMs).sort((a, b) => a - b);
    let most = 0;
    for (let i = 0, j = 0; i < claims.length; i++) {
      while (claims[i]! - claims[j]! >= 1000) j++;
      most = Math.max(most, i - j + 1);
    }
    expect(most).toBeLessThanOrEqual(226);
    // The cluster shared the work.
    for (const worker of workers) expect(worker.lines().length).toBeGreaterThan(0);
  });

  test.skipIf(!available)('a breaker one node opens holds on every node; its jobs wait and run once a probe succeeds', { timeout: 60_000 }, async () => {
    const healthy = join(run.directory(), 'healthy');
    const workers = ['a', 'b', 'c'].map((id) => run.start(`breaker-${id}`, 'flaky', ['--tick-ms', '100', '--concurrency', '2', '--healthy-file', healthy]));
    await Promise.all(workers.map((worker) => worker.ready));
    const client = await run.openClient();
    const jobs = await client.enqueueMany(Array.from({ length: 60 }, () => ({ task: 'flaky' })));
    const opened = await pollUntilAsync('the breaker to open', 20_000, async () => {
      const [record] = await client.breakers();
      return record?.state === 'open' ? record : undefined;
    });
    // Jobs a node claimed before it saw the breaker open end as they began (failing): healthy only
    // once every node has read it (each checks at least once a second), well before it may probe.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, opened.changedAtMs + 1_500 - Date.now())));
    writeFileSync(healthy, 'ok');
    const done = await pollUntilAsync('every flaky job to finish', 40_000, async () => {
      const stored = await allJobs(client, 'flaky');
      return stored.every((job) => job.status === 'succeeded' || job.status === 'dead') ? stored : undefined;
    });
    const lines: WorkerLine[] = workers.flatMap((worker) => worker.lines());
    // Every node reads the breaker at least once a second: after that, none starts a job until it may probe.
    const startsWhileOpen = lines.filter((line) => line.startedAt > opened.changedAtMs + 1_200 && line.startedAt < opened.openUntilMs!);
    expect(startsWhileOpen).toEqual([]);
    expect(done).toHaveLength(jobs.length); // none lost
    // The client enqueued with the default 3 attempts: failed attempts were retried, once it closed.
    const successes = done.flatMap((job) => job.attempts).filter((attempt) => attempt.outcome === 'succeeded');
    expect(successes.length).toBeGreaterThan(0);
    expect(Math.min(...successes.map((attempt) => attempt.startedAtMs))).toBeGreaterThanOrEqual(opened.openUntilMs!);
    // Every attempt ran once, on one node.
    expect(new Set(lines.map((line) => `${line.jobId}/${line.attempt}`)).size).toBe(lines.length);
    const [closed] = await client.breakers();
    expect(closed?.state).toBe('closed');
  });

  test.skipIf(!available)('maxConcurrent 2 holds across three nodes of concurrency 5', { timeout: 60_000 }, async () => {
    const workers = ['a', 'b', 'c'].map((id) => run.start(`cap-${id}`, 'capped', ['--tick-ms', '150', '--concurrency', '5', '--cap', '2']));
    await Promise.all(workers.map((worker) => worker.ready));
    const client = await run.openClient();
    await client.enqueueMany(Array.from({ length: 16 }, () => ({ task: 'capped' })));
    const lines = await pollUntil('every capped job to finish', 40_000, () => {
      const all = workers.flatMap((worker) => worker.lines());
      return all.filter((line) => line.event === 'finished').length >= 16 ? all : undefined;
    }, 50);
    // Each handler's [start, finish] lies inside its job's running time in the store: their overlap bounds nothing from below.
    const edges = lines.map((line) => ({ atMs: line.event === 'started' ? line.startedAt : line.at, delta: line.event === 'started' ? 1 : -1 }));
    edges.sort((a, b) => a.atMs - b.atMs || a.delta - b.delta);
    let running = 0;
    let most = 0;
    for (const edge of edges) most = Math.max(most, (running += edge.delta));
    expect(most).toBe(2);
  });
});
