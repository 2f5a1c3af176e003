// LISTEN/NOTIFY between nodes, and a Scheduler that keeps working while its connections are
// killed: the wake-up channel reconnects (and signals once), store calls fail over to retries,
// and no job is lost. Real clock, one process, several stores.
import { afterAll, describe, expect, test } from 'vitest';
import { Scheduler, task } from '../../src/index.ts';
import { PostgresStore } from '../../src/postgres/index.ts';
import type { StoreSignal } from '../../src/store/store.ts';
import { newJob } from '../../src/testing/conformance/index.ts';
import { adminPool, dropSchema, pgEnv, randomSchema, requirePostgres, terminateBackends } from '../fixtures/pg-env.ts';

const available = await requirePostgres('test/integration/postgres-wakeups.test.ts');
const admin = adminPool();
const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await dropSchema(admin, schema);
  await admin.end();
});

function storeOn(schema: string, applicationName: string): PostgresStore {
  return new PostgresStore({ poolConfig: { ...pgEnv, application_name: applicationName }, schema });
}

async function until(what: string, timeoutMs: number, probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.skipIf(!available)('LISTEN/NOTIFY', () => {
  test('an idle node polling every 30 s starts a job another node enqueued within ~100 ms', async () => {
    const schema = randomSchema('sundial_wake');
    schemas.push(schema);
    const startedAt: number[] = [];
    const nodeB = new Scheduler({
      store: storeOn(schema, 'sundial-node-b'),
      tasks: [task('ping', { run: () => void startedAt.push(Date.now()) })],
      pollInterval: '30s',
    });
    await nodeB.start();
    const nodeA = new Scheduler({ store: storeOn(schema, 'sundial-node-a'), roles: { schedules: false, jobs: false } });
    await nodeA.listJobs();
    // Let node B finish its first pass and fall asleep for its 30 s poll.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const enqueuedAt = Date.now();
      await nodeA.enqueue({ task: 'ping' });
      await until(`run ${i + 1}`, 2000, () => startedAt.length > i);
      latencies.push(startedAt[i]! - enqueuedAt);
    }
    console.info(`[pg LISTEN] enqueue on node A → start on idle node B: ${latencies.join(', ')} ms`);
    expect(Math.max(...latencies)).toBeLessThan(250);
    await nodeA.stop();
    await nodeB.stop();
  });

  test('the LISTEN connection reconnects after pg_terminate_backend, signals once, and hears NOTIFY again', async () => {
    const schema = randomSchema('sundial_wake');
    schemas.push(schema);
    const listening = storeOn(schema, 'sundial-listener');
    const writer = storeOn(schema, 'sundial-writer');
    await listening.open();
    await writer.open();
    const signals: StoreSignal[] = [];
    const unsubscribe = listening.subscribe((signal) => signals.push(signal));
    expect(await listening.listening()).toBe(true);

    await writer.enqueueJobs([newJob('job-1')]);
    await until('the first notification', 2000, () => signals.length === 1);

    expect(await terminateBackends(admin, 'sundial-listener')).toBeGreaterThan(0);
    await until('the reconnect signal', 5000, () => signals.length === 2);
    await until('LISTEN to be back', 5000, () => listening.listening());
    await writer.enqueueJobs([newJob('job-2')]);
    await until('a notification after the reconnect', 2000, () => signals.length === 3);
    expect(signals).toEqual(['jobs', 'jobs', 'jobs']);

    unsubscribe();
    await listening.close();
    await writer.close();
  });
});

describe.skipIf(!available)('connection kills under load', () => {
  test('100 jobs all succeed while the scheduler’s connections are killed twice', { timeout: 30_000 }, async () => {
    const schema = randomSchema('sundial_kill');
    schemas.push(schema);
    const ran = new Map<string, number>();
    const errors: string[] = [];
    const scheduler = new Scheduler({
      store: storeOn(schema, 'sundial-victim'),
      tasks: [
        task<{ n: number }>('work', {
          run: async ({ job }) => {
            ran.set(job.id, (ran.get(job.id) ?? 0) + 1);
            await new Promise((resolve) => setTimeout(resolve, 5));
          },
        }),
      ],
      concurrency: 10,
      lease: '1s',
      pollInterval: '100ms',
      logger: 'error',
    });
    scheduler.on('error', ({ during }) => errors.push(during));
    await scheduler.start();
    const jobs = await scheduler.enqueueMany(Array.from({ length: 100 }, (_, n) => ({ task: 'work', data: { n } })));

    await until('a third of the jobs to run', 10_000, () => ran.size >= 33);
    expect(await terminateBackends(admin, 'sundial-victim')).toBeGreaterThan(0);
    await until('two thirds of the jobs to run', 10_000, () => ran.size >= 66);
    expect(await terminateBackends(admin, 'sundial-victim')).toBeGreaterThan(0);

    // Counted on the admin connection: the scheduler's own calls may fail while it reconnects.
    const succeeded = async () =>
      Number((await admin.query(`SELECT count(*) AS n FROM "${schema}".all_jobs WHERE status = 'succeeded'`)).rows[0].n);
    try {
      await until('every job to succeed', 20_000, async () => (await succeeded()) === jobs.length);
    } finally {
      await scheduler.stop();
    }
    const reruns = [...ran.values()].filter((count) => count > 1).length;
    console.info(`[pg kills] 100/100 succeeded; ${reruns} ran twice (completion lost with its connection); ${errors.length} loop errors`);
  });
});
