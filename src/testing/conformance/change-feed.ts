import assert from 'node:assert/strict';
import type { JobQuery, Store } from '../../store/store.ts';
import { completeJob } from '../../store/single-calls.ts';
import { leaseMs, newJob, t0, suiteTasks } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

const later = t0 + 1_000_000;

async function ids(store: Store, query: JobQuery): Promise<string[]> {
  return (await store.listJobs(query)).map((j) => j.id);
}

/** Reads the whole feed after `updatedAfterMs` in pages of `pageSize`, with the (updatedAtMs, id) cursor. */
async function pages(store: Store, query: JobQuery, pageSize: number): Promise<string[][]> {
  const result: string[][] = [];
  let cursor: Pick<JobQuery, 'updatedAfterMs' | 'afterId'> = {};
  for (;;) {
    const page = await store.listJobs({ ...query, limit: pageSize, ...cursor });
    result.push(page.map((job) => job.id));
    if (page.length < pageSize) return result;
    const last = page.at(-1)!;
    cursor = { updatedAfterMs: last.updatedAtMs, afterId: last.id };
  }
}

/** Claims the single due job at `nowMs` and checks it is `id`. */
async function claimOne(store: Store, id: string, nowMs: number): Promise<number> {
  const [claimed] = await store.claimJobs({ nodeId: 'n', nowMs, leaseMs, limit: 1, tasks: suiteTasks });
  assert.equal(claimed?.id, id, `expected to claim ${id}`);
  return claimed.fencingToken;
}

/**
 * updatedAtMs after setup: job-e t0+3, job-d t0+4, job-aa t0+10 (created then), job-b t0+10
 * (claimed), job-c t0+15 (claimed), job-a t0+20 (claimed at t0+10, succeeded at t0+20).
 * Creation order is deliberately unrelated to change order.
 */
async function seedFeed(store: Store): Promise<void> {
  await store.enqueueJobs([
    newJob('job-a', { createdAtMs: t0 + 1, runAtMs: t0 + 1 }),
    newJob('job-b', { createdAtMs: t0 + 2, runAtMs: t0 + 2 }),
    newJob('job-c', { createdAtMs: t0 + 2, runAtMs: t0 + 3 }),
    newJob('job-e', { createdAtMs: t0 + 3, runAtMs: later }),
    newJob('job-d', { createdAtMs: t0 + 4, runAtMs: later, task: 'task-b' }),
    newJob('job-aa', { createdAtMs: t0 + 10, runAtMs: later }),
  ]);
  const tokenA = await claimOne(store, 'job-a', t0 + 10);
  await claimOne(store, 'job-b', t0 + 10);
  await claimOne(store, 'job-c', t0 + 15);
  await completeJob(store, { jobId: 'job-a', fencingToken: tokenA, nowMs: t0 + 20, completion: { status: 'succeeded', result: null } });
}

export function defineChangeFeedTests({ describe, test }: SuiteApi): void {
  describe('listJobs change feed (updatedAfterMs)', () => {
    test('lists jobs changed after updatedAfterMs, oldest change first, then id ascending', async (store) => {
      await seedFeed(store);
      assert.deepEqual(await ids(store, { updatedAfterMs: t0 }), ['job-e', 'job-d', 'job-aa', 'job-b', 'job-c', 'job-a']);
      // The bound is exclusive.
      assert.deepEqual(await ids(store, { updatedAfterMs: t0 + 10 }), ['job-c', 'job-a']);
      assert.deepEqual(await ids(store, { updatedAfterMs: t0 + 20 }), []);
    });

    test('pages with afterId in feed order (pages of 2)', async (store) => {
      await seedFeed(store);
      assert.deepEqual(await pages(store, { updatedAfterMs: t0 }, 2), [
        ['job-e', 'job-d'],
        ['job-aa', 'job-b'],
        ['job-c', 'job-a'],
        [],
      ]);
      // The cursor is a pair: the same instant, a greater id.
      assert.deepEqual(await ids(store, { updatedAfterMs: t0 + 10, afterId: 'job-aa', limit: 1 }), ['job-b']);
      assert.deepEqual(await ids(store, { updatedAfterMs: t0 + 10, afterId: 'job-b' }), ['job-c', 'job-a']);
    });

    test('a job changed again moves to the end of the feed', async (store) => {
      await seedFeed(store);
      await store.cancelJob({ jobId: 'job-d', nowMs: t0 + 30, reason: 'operator' });
      assert.deepEqual(await ids(store, { updatedAfterMs: t0 }), ['job-e', 'job-aa', 'job-b', 'job-c', 'job-a', 'job-d']);
      assert.deepEqual(await ids(store, { updatedAfterMs: t0 + 20 }), ['job-d']);
      // A reader that stopped after job-a sees only the new change.
      assert.deepEqual(await ids(store, { updatedAfterMs: t0 + 20, afterId: 'job-a' }), ['job-d']);
    });

    test('a reader keeps its place when the job it read last changes again', async (store) => {
      await seedFeed(store);
      // The reader has read up to job-b (changed at t0+10); then job-b changes again.
      await store.cancelJob({ jobId: 'job-b', nowMs: t0 + 30, reason: 'operator' });
      assert.deepEqual(await ids(store, { updatedAfterMs: t0 + 10, afterId: 'job-b' }), ['job-c', 'job-a', 'job-b']);
    });

    test('the other filters and limit still apply', async (store) => {
      await seedFeed(store);
      assert.deepEqual(await ids(store, { updatedAfterMs: t0, status: 'running' }), ['job-b', 'job-c']);
      assert.deepEqual(await ids(store, { updatedAfterMs: t0, status: ['queued', 'succeeded'] }), ['job-e', 'job-d', 'job-aa', 'job-a']);
      assert.deepEqual(await ids(store, { updatedAfterMs: t0, task: 'task-b' }), ['job-d']);
      assert.deepEqual(await ids(store, { updatedAfterMs: t0, createdAfterMs: t0 + 2 }), ['job-e', 'job-d', 'job-aa']);
      assert.deepEqual(await ids(store, { updatedAfterMs: t0, limit: 3 }), ['job-e', 'job-d', 'job-aa']);
      assert.deepEqual(await ids(store, { updatedAfterMs: t0 + 10, status: 'running', afterId: 'job-b' }), ['job-c']);
    });

    test('without updatedAfterMs, afterId still pages newest first', async (store) => {
      await seedFeed(store);
      assert.deepEqual(await ids(store, { afterId: 'job-d', limit: 2 }), ['job-e', 'job-c']);
    });
  });
}
