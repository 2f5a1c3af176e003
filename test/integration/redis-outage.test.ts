// Connection loss against a Redis of the test's own (redis-server on a free port, nothing on
// disk): while it is down, store calls reject with StoreUnavailableError instead of hanging; after
// a restart they succeed again; the lost data reads as "not found" / "lease lost"; a running
// scheduler survives and runs new work. The real clock is used: this is a real server.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { Scheduler, task } from '../../src/index.ts';
import { StoreUnavailableError } from '../../src/errors.ts';
import { RedisStore } from '../../src/redis/index.ts';
import { requireRedis } from '../fixtures/redis-test-helpers.ts';

const available = await requireRedis();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startServer(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        if (probe.status !== 'ready') await probe.connect();
        await probe.ping();
        return child;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`, { cause: error });
        probe.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } finally {
    probe.disconnect();
  }
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

let server: ChildProcess | null = null;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  if (server) await stopServer(server);
  server = null;
});

describe.skipIf(!available)('RedisStore connection loss', () => {
  test('calls reject with StoreUnavailableError while Redis is down, and work again after a restart (data lost)', { timeout: 30_000 }, async () => {
    const port = await freePort();
    server = await startServer(port);
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, prefix: 'outage' });
    await store.open();
    cleanups.push(() => store.close());
    const nowMs = Date.now();
    const newJob = (id: string) => ({
      id, task: 't', data: { id }, origin: 'enqueue' as const, scheduleId: null, fireAtMs: null,
      priority: 0, runAtMs: nowMs, maxAttempts: 3, dedupeKey: null, createdAtMs: nowMs,
    });
    await store.enqueueJobs([newJob('job-1')]);
    const [claimed] = await store.claimJobs({ nodeId: 'n', nowMs, leaseMs: 30_000, limit: 1, tasks: ['t'] });
    expect(claimed?.fencingToken).toBe(1);

    await stopServer(server);
    const startedAtMs = Date.now();
    const failure = await store.getJob('job-1').then(
      () => null,
      (error: unknown) => error,
    );
    const failedAfterMs = Date.now() - startedAtMs;
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect((failure as StoreUnavailableError).code).toBe('STORE_UNAVAILABLE');
    expect((failure as Error).cause).toBeInstanceOf(Error);
    expect(failedAfterMs).toBeLessThan(6000);
    await expect(store.enqueueJobs([newJob('job-2')])).rejects.toBeInstanceOf(StoreUnavailableError);

    // Back, empty (nothing on disk): the store reconnects by itself; lost records are "not found".
    server = await startServer(port);
    await waitFor(async () => (await store.getJob('job-1')) === null);
    expect(await store.getJob('job-1')).toBeNull();
    const [completion] = await store.completeJobs([{ jobId: 'job-1', fencingToken: 1, nowMs, completion: { status: 'succeeded', result: null } }]);
    expect(completion?.completed).toBe(false);
    const [renewal] = await store.renewLeases({ nodeId: 'n', nowMs, leaseMs: 30_000, leases: [{ jobId: 'job-1', fencingToken: 1 }] });
    expect(renewal?.held).toBe(false);
    expect(await store.claimJobs({ nodeId: 'n', nowMs, leaseMs: 30_000, limit: 10, tasks: ['t'] })).toEqual([]);
    const [again] = await store.enqueueJobs([newJob('job-3')]);
    expect(again?.created).toBe(true);
    console.info(`[redis outage] first call failed ${failedAfterMs} ms into the outage; calls succeed after the restart`);
  });

  test('a running scheduler survives a Redis restart and runs work enqueued afterwards', { timeout: 30_000 }, async () => {
    const port = await freePort();
    server = await startServer(port);
    const ran: string[] = [];
    const echo = task('echo', { run: ({ job }) => void ran.push(job.id) });
    const scheduler = new Scheduler({
      store: new RedisStore({ url: `redis://127.0.0.1:${port}`, prefix: 'outage' }),
      tasks: [echo],
      pollInterval: '100ms',
      logger: 'silent',
    });
    await scheduler.start();
    cleanups.push(() => scheduler.stop());
    const before = await scheduler.enqueue({ task: 'echo', data: null });
    await waitFor(async () => ran.includes(before.id));

    await stopServer(server);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // a few failed polls
    server = await startServer(port);

    const after = await retry(() => scheduler.enqueue({ task: 'echo', data: null }));
    await waitFor(async () => ran.includes(after.id));
    expect(ran).toEqual([before.id, after.id]);
  });
});

describe.skipIf(!available)('RedisStore unreachable at start', () => {
  test('a scheduler started before its Redis connects once Redis starts, and runs its work', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const ran: string[] = [];
    const echo = task('echo', { run: ({ job }) => void ran.push(job.id) });
    const scheduler = new Scheduler({
      store: new RedisStore({ url: `redis://127.0.0.1:${port}`, prefix: 'late-start' }),
      tasks: [echo],
      logger: 'silent',
    });
    cleanups.push(() => scheduler.stop());
    await scheduler.start(); // nothing listens on the port yet
    expect(scheduler.health()).toMatchObject({ state: 'connecting', ready: false });
    await expect(scheduler.enqueue({ task: echo })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });

    const opened = scheduler.waitFor('store.opened');
    server = await startServer(port);
    await opened;
    const job = await scheduler.enqueue({ task: echo });
    await scheduler.waitFor('job.succeeded', (event) => event.job.id === job.id);
    expect(ran).toEqual([job.id]);
  });
});

async function waitFor(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function retry<T>(body: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await body();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
