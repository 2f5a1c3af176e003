import assert from 'node:assert/strict';
import type { NewJob } from '../../domain/job.ts';
import { parentFailedError } from '../../domain/parent-resolution.ts';
import { completeJob } from '../../store/single-calls.ts';
import type { Store } from '../../store/store.ts';
import { boom, flowJob, read } from './flow-fixtures.ts';
import { leaseMs, t0 } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

// Flows under concurrency: two store instances over the same data (see `peerTest`) resolve the
// same child at the same instant. Each race runs for many rounds, so that a resolution which reads
// the parents (or the child) and then writes without a lock or an atomic script loses an update
// in some round. Every round has jobs of its own (ids end with the round), all set up in one batch
// beforehand so that a round costs little more than its race. The instances swap sides every
// round. (An in-process SQLite peer is synchronous: there the calls take turns; the race is real
// across OS processes, which the runtime's multi-node tests cover.)

const rounds = 30;
const range = Array.from({ length: rounds }, (_, round) => round);

/** The instant round `round` races at. */
const at = (round: number): number => t0 + 10 + round;

/** The two instances, in the order round `round` uses them. */
function sides(store: Store, peer: Store, round: number): [Store, Store] {
  return round % 2 === 0 ? [store, peer] : [peer, store];
}

/** Claims every job of `ids` (each runs a task named after its id); returns their fencing tokens. */
async function claimAll(store: Store, ids: readonly string[]): Promise<Map<string, number>> {
  const claimed = await store.claimJobs({ nodeId: 'node-a', nowMs: t0, leaseMs, limit: ids.length, tasks: ids });
  assert.deepEqual(claimed.map((job) => job.id).sort(), [...ids].sort(), 'every parent is claimed');
  return new Map(claimed.map((job) => [job.id, job.fencingToken]));
}

/** Ends job `id` (held under its token in `tokens`) with `status`, on instance `on`. */
function finish(on: Store, tokens: Map<string, number>, id: string, status: 'succeeded' | 'dead', nowMs: number): Promise<void> {
  const fencingToken = tokens.get(id);
  assert.ok(fencingToken !== undefined, `${id} is held`);
  const completion = status === 'succeeded' ? { status, result: null } : { status, error: boom };
  return completeJob(on, { jobId: id, fencingToken, nowMs, completion });
}

/** Both instances claim job `id` at once: exactly one of them gets it, once. */
async function claimedOnce(store: Store, peer: Store, id: string, nowMs: number, label: string): Promise<void> {
  const batches = await Promise.all(
    [store, peer].map((on, i) => on.claimJobs({ nodeId: `node-${i}`, nowMs, leaseMs, limit: 5, tasks: [id] })),
  );
  assert.deepEqual(batches.flat().map((job) => [job.id, job.attempt]), [[id, 1]], `${label}: claimed exactly once`);
}

/** Neither instance can claim job `id`. */
async function unclaimable(store: Store, peer: Store, id: string, nowMs: number, label: string): Promise<void> {
  const batches = await Promise.all([store, peer].map((on) => on.claimJobs({ nodeId: 'node-c', nowMs, leaseMs, limit: 5, tasks: [id] })));
  assert.deepEqual(batches.flat().map((job) => job.id), [], `${label}: not claimable`);
}

export function defineFlowRaceTests({ describe, peerTest }: SuiteApi): void {
  describe('flows: races between two instances', () => {
    peerTest('race: both parents ending at once on two instances queue their child, exactly once', async (store, peer) => {
      await store.enqueueJobs(range.flatMap((r) => [flowJob(`a-${r}`), flowJob(`b-${r}`), flowJob(`child-${r}`, [`a-${r}`, `b-${r}`])]));
      const tokens = await claimAll(store, range.flatMap((r) => [`a-${r}`, `b-${r}`]));
      for (const r of range) {
        const [one, other] = sides(store, peer, r);
        await Promise.all([finish(one, tokens, `a-${r}`, 'succeeded', at(r)), finish(other, tokens, `b-${r}`, 'succeeded', at(r))]);
        const child = await read(other, `child-${r}`);
        assert.deepEqual([child.status, child.runAtMs, child.updatedAtMs], ['queued', at(r), at(r)], `round ${r}: never left waiting`);
        await claimedOnce(store, peer, `child-${r}`, at(r), `round ${r}`);
      }
    });

    peerTest('race: a parent succeeding and one ending dead at once: fail → dead, cancel → cancelled, ignore → queued', async (store, peer) => {
      const children = (r: number): NewJob[] => [
        flowJob(`fail-${r}`, [`a-${r}`, `b-${r}`]),
        flowJob(`cancel-${r}`, [`a-${r}`, `b-${r}`], { onParentFailure: 'cancel' }),
        flowJob(`ignore-${r}`, [`a-${r}`, `b-${r}`], { onParentFailure: 'ignore' }),
      ];
      await store.enqueueJobs(range.flatMap((r) => [flowJob(`a-${r}`), flowJob(`b-${r}`), ...children(r)]));
      const tokens = await claimAll(store, range.flatMap((r) => [`a-${r}`, `b-${r}`]));
      for (const r of range) {
        const [one, other] = sides(store, peer, r);
        await Promise.all([finish(one, tokens, `a-${r}`, 'succeeded', at(r)), finish(other, tokens, `b-${r}`, 'dead', at(r))]);
        const failed = parentFailedError(`b-${r}`, 'dead');
        const fail = await read(one, `fail-${r}`);
        assert.deepEqual([fail.status, fail.error, fail.finishedAtMs, fail.attempts], ['dead', failed, at(r), []], `round ${r}: fail`);
        const cancel = await read(one, `cancel-${r}`);
        assert.deepEqual([cancel.status, cancel.error, cancel.finishedAtMs], ['cancelled', failed, at(r)], `round ${r}: cancel`);
        const ignore = await read(other, `ignore-${r}`);
        assert.deepEqual([ignore.status, ignore.error, ignore.runAtMs], ['queued', null, at(r)], `round ${r}: ignore, never left waiting`);
        await claimedOnce(store, peer, `ignore-${r}`, at(r), `round ${r}: ignore`);
        await unclaimable(store, peer, `fail-${r}`, at(r), `round ${r}: fail`);
      }
    });

    peerTest('race: enqueueing a child while its parent ends on the other instance never leaves it waiting', async (store, peer) => {
      await store.enqueueJobs(range.flatMap((r) => [flowJob(`ok-${r}`), flowJob(`bad-${r}`)]));
      const tokens = await claimAll(store, range.flatMap((r) => [`ok-${r}`, `bad-${r}`]));
      for (const r of range) {
        const [one, other] = sides(store, peer, r);
        const created = { createdAtMs: at(r), runAtMs: at(r) };
        const [results] = await Promise.all([
          one.enqueueJobs([flowJob(`child-${r}`, [`ok-${r}`], created), flowJob(`orphan-${r}`, [`bad-${r}`], created)]),
          finish(other, tokens, `ok-${r}`, 'succeeded', at(r)),
          finish(other, tokens, `bad-${r}`, 'dead', at(r)),
        ]);
        assert.deepEqual(results.map((result) => result.created), [true, true], `round ${r}: created`);
        const child = await read(other, `child-${r}`);
        assert.deepEqual([child.status, child.runAtMs], ['queued', at(r)], `round ${r}: the child of a succeeded parent`);
        const orphan = await read(other, `orphan-${r}`);
        assert.deepEqual([orphan.status, orphan.error], ['dead', parentFailedError(`bad-${r}`, 'dead')], `round ${r}: the child of a dead parent`);
        await claimedOnce(store, peer, `child-${r}`, at(r), `round ${r}`);
      }
    });

    peerTest('race: cancelling a waiting child while its parent ends on the other instance: cancelled, never waiting, the cancel not lost', async (store, peer) => {
      await store.enqueueJobs(range.flatMap((r) => [flowJob(`p-${r}`), flowJob(`child-${r}`, [`p-${r}`])]));
      const tokens = await claimAll(store, range.map((r) => `p-${r}`));
      for (const r of range) {
        const [one, other] = sides(store, peer, r);
        const [answered] = await Promise.all([
          one.cancelJob({ jobId: `child-${r}`, nowMs: at(r), reason: 'race' }),
          finish(other, tokens, `p-${r}`, 'succeeded', at(r)),
        ]);
        // Whichever comes first, a waiting or a queued child is cancelled now (see `Store.cancelJob`);
        // queued here would mean the release overwrote the cancel it raced with.
        assert.equal(answered?.status, 'cancelled', `round ${r}: cancelJob's answer`);
        const child = await read(other, `child-${r}`);
        assert.deepEqual(
          [child.status, child.finishedAtMs, child.error],
          [answered.status, answered.finishedAtMs, answered.error],
          `round ${r}: the child stays as cancelJob answered`,
        );
        await unclaimable(store, peer, `child-${r}`, at(r), `round ${r}`);
      }
    });
  });
}
