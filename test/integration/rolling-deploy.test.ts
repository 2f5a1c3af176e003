// A rolling deploy mixes nodes of two versions on one store: the newer version adds a task the
// older nodes do not register. The older nodes must never take that task's jobs (before the
// routing rule they claimed them and dead-lettered 0–14 of 20 as "unknown task"); the newer
// nodes run every one. Real OS processes on each multi-process store.
import { afterAll, describe, expect, test } from 'vitest';
import { pollUntil } from '../fixtures/node-processes.ts';
import { sharedStoreRun, sharedStores } from '../fixtures/shared-stores.ts';

const { setups, end } = await sharedStores('test/integration/rolling-deploy.test.ts', 'roll');
afterAll(end);

describe.each(setups)('a rolling deploy on %s', (_name, available, makeSetup) => {
  const run = sharedStoreRun(makeSetup, 'roll');

  test.skipIf(!available)('older nodes leave a newer task\'s jobs to the newer node, which runs them all', { timeout: 40_000 }, async () => {
    const older = [run.start('old-1', 'tick'), run.start('old-2', 'tick')];
    await Promise.all(older.map((worker) => worker.ready));

    const client = await run.openClient();
    const fresh = await client.enqueueMany(Array.from({ length: 20 }, (_, n) => ({ task: 'fresh', data: { n } })));
    const ticks = await client.enqueueMany(Array.from({ length: 20 }, (_, n) => ({ task: 'tick', data: { n } })));
    // The older nodes run their own work and leave the rest queued.
    await pollUntil('the older nodes to run the tick jobs', 20_000, () =>
      older.flatMap((worker) => worker.lines()).length >= ticks.length ? true : undefined,
    );
    const queued = await client.listJobs({ task: 'fresh', limit: 100 });
    expect(queued.map((job) => job.status)).toEqual(Array(20).fill('queued'));

    const newer = run.start('new-1', 'tick,fresh');
    await newer.ready;
    await pollUntil('the newer node to run every fresh job', 20_000, () => (newer.lines().length >= fresh.length ? true : undefined));
    let done = await client.listJobs({ task: 'fresh', limit: 100 });
    for (const deadline = Date.now() + 10_000; done.some((job) => job.status !== 'succeeded') && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 50)); // the last outcomes are being written
      done = await client.listJobs({ task: 'fresh', limit: 100 });
    }
    expect(done.map((job) => job.status)).toEqual(Array(20).fill('succeeded'));
    expect(new Set(done.map((job) => job.attempts.at(-1)?.nodeId))).toEqual(new Set(['new-1']));
    expect(older.flatMap((worker) => worker.lines()).filter((line) => fresh.some((job) => job.id === line.jobId))).toEqual([]);
    expect(await client.listJobs({ status: 'dead', limit: 10 })).toEqual([]);
  });
});
