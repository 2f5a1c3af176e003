import assert from 'node:assert/strict';
import { parentFailedError } from '../../domain/parent-resolution.ts';
import { completeJob } from '../../store/single-calls.ts';
import { isInvalidArgumentNaming } from './assertions.ts';
import { boom, claimOne, end, flowJob, read, statuses } from './flow-fixtures.ts';
import { defineFlowControlTests } from './flows-control.ts';
import { t0 } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

// Flows: a job with `parents` waits until they finish, then runs — or ends at once when a parent
// fails and its `onParentFailure` says so (see `Store.enqueueJobs` and `Store.completeJobs`).

export function defineFlowTests(api: SuiteApi): void {
  const { describe, test } = api;

  describe('flows: enqueueJobs with parents', () => {
    test('a job with an unfinished parent is created waiting, and answered with its record', async (store) => {
      const results = await store.enqueueJobs([flowJob('parent'), flowJob('child', ['parent'])]);
      const child = await read(store, 'child');
      assert.equal(child.status, 'waiting');
      assert.deepEqual(child.parents, ['parent']);
      assert.equal(child.onParentFailure, 'fail', 'the default policy');
      assert.equal(child.attempt, 0);
      assert.equal(child.updatedAtMs, child.createdAtMs);
      assert.deepEqual(results, [{ created: true }, { created: true, job: child }]);
    });

    test('parents and onParentFailure are kept as given; a job without parents has neither field', async (store) => {
      await store.enqueueJobs([
        flowJob('p-1'),
        flowJob('p-2'),
        flowJob('child', ['p-2', 'p-1'], { onParentFailure: 'ignore' }),
        flowJob('plain'),
        flowJob('empty', [], { parents: [] }),
        flowJob('nulls', [], { parents: null, onParentFailure: null }),
      ]);
      const child = await read(store, 'child');
      assert.deepEqual([child.parents, child.onParentFailure], [['p-2', 'p-1'], 'ignore']);
      for (const id of ['plain', 'empty', 'nulls']) {
        const job = await read(store, id);
        assert.equal(job.status, 'queued', id);
        assert.equal('parents' in job, false, `${id}: no parents field`);
        assert.equal('onParentFailure' in job, false, `${id}: no onParentFailure field`);
      }
      assert.equal('parents' in ((await store.listJobs({})).find((job) => job.id === 'plain') ?? {}), false, 'listed: absent too');
    });

    test('parents may be jobs earlier in the same batch, down several levels', async (store) => {
      const results = await store.enqueueJobs([flowJob('a'), flowJob('b', ['a']), flowJob('c', ['a', 'b']), flowJob('d', ['c'])]);
      assert.deepEqual(results.map((r) => [r.created, r.created ? r.job?.status : undefined]), [
        [true, undefined],
        [true, 'waiting'],
        [true, 'waiting'],
        [true, 'waiting'],
      ]);
    });

    test('an unknown parent throws InvalidArgumentError naming it, and the batch creates nothing', async (store) => {
      await store.enqueueJobs([flowJob('stored')]);
      await assert.rejects(
        store.enqueueJobs([flowJob('first'), flowJob('child', ['stored', 'ghost']), flowJob('after')]),
        isInvalidArgumentNaming('ghost'),
      );
      assert.deepEqual((await store.listJobs({})).map((job) => job.id), ['stored']);
      assert.equal(await store.getJob('first'), null, 'a job before the bad one in the batch is not created either');
      // Nothing half-written either: the same ids can be created afterwards.
      const again = await store.enqueueJobs([flowJob('first'), flowJob('child', ['stored'])]);
      assert.deepEqual(again.map((r) => r.created), [true, true]);
    });

    test('a parent later in the same batch is unknown: the batch throws', async (store) => {
      await assert.rejects(store.enqueueJobs([flowJob('child', ['parent']), flowJob('parent')]), isInvalidArgumentNaming('parent'));
      assert.deepEqual(await store.listJobs({}), []);
    });

    test('every parent already succeeded: created queued, runnable at once', async (store) => {
      await store.enqueueJobs([flowJob('p-1'), flowJob('p-2')]);
      await end(store, 'p-1', 'succeeded', t0 + 1);
      await end(store, 'p-2', 'succeeded', t0 + 2);
      const [result] = await store.enqueueJobs([flowJob('child', ['p-1', 'p-2'], { createdAtMs: t0 + 5, runAtMs: t0 + 5 })]);
      const child = await read(store, 'child');
      assert.equal(child.status, 'queued');
      assert.equal(child.runAtMs, t0 + 5);
      assert.deepEqual(result, { created: true, job: child });
      assert.equal(await claimOne(store, 'child', t0 + 5), 1);
    });

    test('a parent already dead or cancelled: fail → dead, cancel → cancelled, ignore → queued', async (store) => {
      await store.enqueueJobs([flowJob('dead-parent'), flowJob('cancelled-parent', [], { runAtMs: t0 + 1_000 })]);
      await end(store, 'dead-parent', 'dead', t0 + 1);
      await store.cancelJob({ jobId: 'cancelled-parent', nowMs: t0 + 2, reason: 'r' });
      const at = t0 + 10;
      const results = await store.enqueueJobs([
        flowJob('fail', ['dead-parent'], { createdAtMs: at, runAtMs: at }),
        flowJob('cancel', ['dead-parent'], { createdAtMs: at, runAtMs: at, onParentFailure: 'cancel' }),
        flowJob('ignore', ['dead-parent'], { createdAtMs: at, runAtMs: at, onParentFailure: 'ignore' }),
        flowJob('fail-on-cancelled', ['cancelled-parent'], { createdAtMs: at, runAtMs: at }),
      ]);
      const fail = await read(store, 'fail');
      assert.deepEqual(results[0], { created: true, job: fail });
      assert.equal(fail.status, 'dead');
      assert.deepEqual(fail.error, parentFailedError('dead-parent', 'dead'));
      assert.equal(fail.finishedAtMs, at, 'finished at its creation (the only instant an enqueue has)');
      assert.deepEqual([fail.attempt, fail.attempts], [0, []], 'no attempt recorded');
      const cancel = await read(store, 'cancel');
      assert.deepEqual([cancel.status, cancel.error, cancel.finishedAtMs], ['cancelled', parentFailedError('dead-parent', 'dead'), at]);
      assert.equal((await read(store, 'ignore')).status, 'queued');
      const onCancelled = await read(store, 'fail-on-cancelled');
      assert.deepEqual([onCancelled.status, onCancelled.error], ['dead', parentFailedError('cancelled-parent', 'cancelled')]);
    });

    test('a parent already dead ends a fail child at once, even while another parent is unfinished', async (store) => {
      await store.enqueueJobs([flowJob('dead-parent'), flowJob('open-parent')]);
      await end(store, 'dead-parent', 'dead', t0 + 1);
      await store.enqueueJobs([
        flowJob('fail', ['open-parent', 'dead-parent'], { createdAtMs: t0 + 5 }),
        flowJob('ignore', ['open-parent', 'dead-parent'], { createdAtMs: t0 + 5, onParentFailure: 'ignore' }),
      ]);
      assert.deepEqual(await statuses(store, ['fail', 'ignore']), { fail: 'dead', ignore: 'waiting' });
      // The other parent succeeding later does not bring it back.
      await end(store, 'open-parent', 'succeeded', t0 + 9);
      assert.deepEqual(await statuses(store, ['fail', 'ignore']), { fail: 'dead', ignore: 'queued' });
    });

    test("a waiting job's dedupeKey blocks a duplicate (waiting is not final)", async (store) => {
      await store.enqueueJobs([flowJob('parent'), flowJob('child', ['parent'], { dedupeKey: 'k' })]);
      const [dup] = await store.enqueueJobs([flowJob('child-2', ['parent'], { dedupeKey: 'k' })]);
      assert.ok(dup && !dup.created);
      assert.deepEqual([dup.job.id, dup.job.status], ['child', 'waiting']);
    });
  });

  describe('flows: a parent reaching a final status resolves its children', () => {
    test('fan-in: the child waits for its LAST parent, then is queued at max(runAtMs, nowMs)', async (store) => {
      await store.enqueueJobs([
        flowJob('p-1'),
        flowJob('p-2'),
        flowJob('p-3'),
        flowJob('child', ['p-1', 'p-2', 'p-3'], { runAtMs: t0 }),
        flowJob('child-later', ['p-1', 'p-2', 'p-3'], { runAtMs: t0 + 60_000 }),
      ]);
      await end(store, 'p-2', 'succeeded', t0 + 10);
      await end(store, 'p-1', 'succeeded', t0 + 20);
      assert.deepEqual(await statuses(store, ['child', 'child-later']), { child: 'waiting', 'child-later': 'waiting' });
      await end(store, 'p-3', 'succeeded', t0 + 30);
      const child = await read(store, 'child');
      assert.deepEqual([child.status, child.runAtMs, child.updatedAtMs, child.finishedAtMs], ['queued', t0 + 30, t0 + 30, null]);
      const later = await read(store, 'child-later');
      assert.deepEqual([later.status, later.runAtMs], ['queued', t0 + 60_000], 'a later runAtMs is kept');
    });

    test('fan-out: every child of a parent is released in the same step', async (store) => {
      await store.enqueueJobs([flowJob('parent'), flowJob('c-1', ['parent']), flowJob('c-2', ['parent']), flowJob('c-3', ['parent'])]);
      await end(store, 'parent', 'succeeded', t0 + 5);
      assert.deepEqual(await statuses(store, ['c-1', 'c-2', 'c-3']), { 'c-1': 'queued', 'c-2': 'queued', 'c-3': 'queued' });
    });

    test('fail policy: a parent ending dead makes the child dead at once: ParentFailedError, finishedAtMs = nowMs, no attempt', async (store) => {
      await store.enqueueJobs([flowJob('p-ok'), flowJob('p-bad'), flowJob('child', ['p-ok', 'p-bad'])]);
      await end(store, 'p-bad', 'dead', t0 + 7);
      const child = await read(store, 'child');
      assert.equal(child.status, 'dead', 'at once, though p-ok is unfinished');
      assert.deepEqual(child.error, parentFailedError('p-bad', 'dead'));
      assert.deepEqual([child.finishedAtMs, child.updatedAtMs, child.attempt, child.attempts], [t0 + 7, t0 + 7, 0, []]);
      await end(store, 'p-ok', 'succeeded', t0 + 8);
      assert.equal((await read(store, 'child')).status, 'dead', 'the other parent succeeding later changes nothing');
      assert.equal((await read(store, 'child')).updatedAtMs, t0 + 7);
    });

    test('cancel policy: a parent ending dead or cancelled makes the child cancelled', async (store) => {
      await store.enqueueJobs([
        flowJob('p-dead'),
        flowJob('p-cancelled'),
        flowJob('c-1', ['p-dead'], { onParentFailure: 'cancel' }),
        flowJob('c-2', ['p-cancelled'], { onParentFailure: 'cancel' }),
      ]);
      await end(store, 'p-dead', 'dead', t0 + 3);
      await end(store, 'p-cancelled', 'cancelled', t0 + 4);
      const c1 = await read(store, 'c-1');
      const c2 = await read(store, 'c-2');
      assert.deepEqual([c1.status, c1.error, c1.finishedAtMs, c1.attempts], ['cancelled', parentFailedError('p-dead', 'dead'), t0 + 3, []]);
      assert.deepEqual([c2.status, c2.error, c2.finishedAtMs], ['cancelled', parentFailedError('p-cancelled', 'cancelled'), t0 + 4]);
    });

    test('fail policy: a parent whose node cancelled it makes the child dead, naming the status', async (store) => {
      await store.enqueueJobs([flowJob('parent'), flowJob('child', ['parent'])]);
      await end(store, 'parent', 'cancelled', t0 + 2);
      const child = await read(store, 'child');
      assert.deepEqual([child.status, child.error], ['dead', parentFailedError('parent', 'cancelled')]);
    });

    test('ignore policy: a failed parent counts as finished; the child waits for the others, then is queued', async (store) => {
      await store.enqueueJobs([flowJob('p-bad'), flowJob('p-ok'), flowJob('child', ['p-bad', 'p-ok'], { onParentFailure: 'ignore' })]);
      await end(store, 'p-bad', 'dead', t0 + 1);
      assert.equal((await read(store, 'child')).status, 'waiting');
      await end(store, 'p-ok', 'succeeded', t0 + 2);
      const child = await read(store, 'child');
      assert.deepEqual([child.status, child.error, child.runAtMs], ['queued', null, t0 + 2]);
    });

    test('propagates: a failed parent ends its children and grandchildren in the same step, each naming its own parent', async (store) => {
      await store.enqueueJobs([
        flowJob('root'),
        flowJob('child', ['root']),
        flowJob('grandchild', ['child']),
        flowJob('great', ['grandchild'], { onParentFailure: 'cancel' }),
        flowJob('ignoring', ['child'], { onParentFailure: 'ignore' }),
      ]);
      await end(store, 'root', 'dead', t0 + 9);
      const [child, grandchild, great] = [await read(store, 'child'), await read(store, 'grandchild'), await read(store, 'great')];
      assert.deepEqual([child.status, child.error, child.finishedAtMs], ['dead', parentFailedError('root', 'dead'), t0 + 9]);
      assert.deepEqual([grandchild.status, grandchild.error, grandchild.finishedAtMs], ['dead', parentFailedError('child', 'dead'), t0 + 9]);
      assert.deepEqual([great.status, great.error, great.updatedAtMs], ['cancelled', parentFailedError('grandchild', 'dead'), t0 + 9]);
      const ignoring = await read(store, 'ignoring');
      assert.deepEqual([ignoring.status, ignoring.runAtMs], ['queued', t0 + 9], 'its only parent ended: it runs');
    });

    test('a child released to the queue is not final: its own children keep waiting', async (store) => {
      await store.enqueueJobs([flowJob('root'), flowJob('child', ['root']), flowJob('grandchild', ['child'])]);
      await end(store, 'root', 'succeeded', t0 + 1);
      assert.deepEqual(await statuses(store, ['child', 'grandchild']), { child: 'queued', grandchild: 'waiting' });
      await end(store, 'child', 'succeeded', t0 + 2);
      assert.equal((await read(store, 'grandchild')).status, 'queued');
    });

    test('a failed attempt with a retry planned is not final: children keep waiting until the retry ends', async (store) => {
      await store.enqueueJobs([flowJob('parent'), flowJob('child', ['parent'])]);
      const token = await claimOne(store, 'parent', t0);
      await completeJob(store, { jobId: 'parent', fencingToken: token, nowMs: t0 + 1, completion: { status: 'retry', error: boom, retryAtMs: t0 + 100 } });
      assert.equal((await read(store, 'child')).status, 'waiting');
      await end(store, 'parent', 'succeeded', t0 + 100);
      assert.equal((await read(store, 'child')).status, 'queued');
    });

    test('a parent given back (released) is not final: children keep waiting', async (store) => {
      await store.enqueueJobs([flowJob('parent'), flowJob('child', ['parent'])]);
      const token = await claimOne(store, 'parent', t0);
      await completeJob(store, { jobId: 'parent', fencingToken: token, nowMs: t0 + 1, completion: { status: 'released' } });
      assert.equal((await read(store, 'child')).status, 'waiting');
    });

    test('parents ending in one completeJobs call resolve the child once', async (store) => {
      await store.enqueueJobs([flowJob('p-1'), flowJob('p-2'), flowJob('child', ['p-1', 'p-2'])]);
      const t1 = await claimOne(store, 'p-1', t0);
      const t2 = await claimOne(store, 'p-2', t0);
      const results = await store.completeJobs([
        { jobId: 'p-1', fencingToken: t1, nowMs: t0 + 4, completion: { status: 'succeeded', result: null } },
        { jobId: 'p-2', fencingToken: t2, nowMs: t0 + 4, completion: { status: 'succeeded', result: null } },
      ]);
      assert.deepEqual(results.map((r) => r.completed), [true, true]);
      const child = await read(store, 'child');
      assert.deepEqual([child.status, child.runAtMs], ['queued', t0 + 4]);
    });

    test('completeAndClaim resolves the children before its claim: the released child is claimed in the same call', async (store) => {
      await store.enqueueJobs([flowJob('parent'), flowJob('child', ['parent'])]);
      const token = await claimOne(store, 'parent', t0);
      const { claimed } = await store.completeAndClaim({
        completions: [{ jobId: 'parent', fencingToken: token, nowMs: t0 + 3, completion: { status: 'succeeded', result: null } }],
        claim: { nodeId: 'node-a', nowMs: t0 + 3, leaseMs: 30_000, limit: 5, tasks: ['child'] },
      });
      assert.deepEqual(claimed.map((job) => [job.id, job.parents]), [['child', ['parent']]]);
    });

    test('the change feed shows the children a completion resolved (updatedAtMs = nowMs)', async (store) => {
      await store.enqueueJobs([
        flowJob('p-ok'),
        flowJob('p-bad'),
        flowJob('released', ['p-ok']),
        flowJob('ended', ['p-bad']),
        flowJob('grand', ['ended']),
        flowJob('unrelated', [], { runAtMs: t0 + 60_000 }),
      ]);
      await end(store, 'p-ok', 'succeeded', t0 + 50);
      await end(store, 'p-bad', 'dead', t0 + 60);
      const feed = await store.listJobs({ updatedAfterMs: t0 + 49 });
      assert.deepEqual(
        feed.map((job) => [job.id, job.status, job.updatedAtMs]),
        [
          ['p-ok', 'succeeded', t0 + 50],
          ['released', 'queued', t0 + 50],
          ['ended', 'dead', t0 + 60],
          ['grand', 'dead', t0 + 60],
          ['p-bad', 'dead', t0 + 60],
        ],
      );
    });
  });

  defineFlowControlTests(api);
}
