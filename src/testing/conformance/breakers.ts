import assert from 'node:assert/strict';
import type { BreakerRecord, Store, WriteBreakerRequest } from '../../store/store.ts';
import { t0 } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

// Circuit breakers as the store keeps them (see gate-types.ts): a record per task written by
// compare-and-set on its version, and calls counted per time bucket beside it.

const bucketMs = 10_000;

/** A write of a closed breaker for `task`, unless overridden. */
function breakerWrite(task: string, expectedVersion: number, overrides: Partial<WriteBreakerRequest> = {}): WriteBreakerRequest {
  return {
    task,
    expectedVersion,
    state: 'closed',
    forced: null,
    changedAtMs: t0,
    openUntilMs: null,
    probeOwner: null,
    probeUntilMs: null,
    clearCalls: false,
    ...overrides,
  };
}

/** Records one batch of calls at `nowMs`, pruning nothing unless told. */
function record(store: Store, nowMs: number, calls: Array<{ task: string; succeeded: number; failed: number }>, pruneBeforeMs = 0): Promise<void> {
  return store.recordBreakerCalls({ nowMs, bucketMs, calls, pruneBeforeMs });
}

async function counts(store: Store, task: string, sinceMs: number): Promise<[number, number] | undefined> {
  const [breaker] = await store.readBreakers({ tasks: [task], sinceMs });
  return breaker === undefined ? undefined : [breaker.succeeded, breaker.failed];
}

export function defineBreakerTests({ describe, test, peerTest }: SuiteApi): void {
  describe('circuit breakers', () => {
    test('readBreakers of an empty store is empty; tasks without a record are left out', async (store) => {
      assert.deepEqual(await store.readBreakers({ sinceMs: 0 }), []);
      await record(store, t0, [{ task: 'task-a', succeeded: 1, failed: 1 }]);
      assert.deepEqual(await store.readBreakers({ sinceMs: 0 }), [], 'calls alone make no record');
      assert.deepEqual(await store.readBreakers({ tasks: ['task-a', 'nope'], sinceMs: 0 }), []);
    });

    test('expectedVersion 0 creates the record at version 1 with the given fields', async (store) => {
      const write = breakerWrite('task-a', 0, { state: 'half-open', forced: null, changedAtMs: t0 + 1, openUntilMs: null, probeOwner: 'node-a', probeUntilMs: t0 + 500 });
      assert.equal(await store.writeBreaker(write), true);
      const expected: BreakerRecord = {
        task: 'task-a',
        state: 'half-open',
        forced: null,
        changedAtMs: t0 + 1,
        openUntilMs: null,
        probeOwner: 'node-a',
        probeUntilMs: t0 + 500,
        version: 1,
        succeeded: 0,
        failed: 0,
      };
      assert.deepEqual(await store.readBreakers({ sinceMs: 0 }), [expected]);
    });

    test('expectedVersion 0 is refused when the record exists; a version is refused when none does', async (store) => {
      assert.equal(await store.writeBreaker(breakerWrite('task-a', 3)), false, 'no record: only version 0 may write');
      assert.deepEqual(await store.readBreakers({ sinceMs: 0 }), []);
      assert.equal(await store.writeBreaker(breakerWrite('task-a', 0)), true);
      assert.equal(await store.writeBreaker(breakerWrite('task-a', 0, { state: 'open' })), false);
      const [breaker] = await store.readBreakers({ sinceMs: 0 });
      assert.deepEqual([breaker?.state, breaker?.version], ['closed', 1]);
    });

    test('a write under the current version applies every field and bumps the version; a stale one changes nothing', async (store) => {
      await store.writeBreaker(breakerWrite('task-a', 0));
      const open = breakerWrite('task-a', 1, { state: 'open', forced: 'open', changedAtMs: t0 + 10, openUntilMs: t0 + 60_000 });
      assert.equal(await store.writeBreaker(open), true);
      const written: BreakerRecord = {
        task: 'task-a',
        state: 'open',
        forced: 'open',
        changedAtMs: t0 + 10,
        openUntilMs: t0 + 60_000,
        probeOwner: null,
        probeUntilMs: null,
        version: 2,
        succeeded: 0,
        failed: 0,
      };
      assert.deepEqual(await store.readBreakers({ sinceMs: 0 }), [written]);
      assert.equal(await store.writeBreaker(breakerWrite('task-a', 1, { state: 'half-open' })), false, 'version 1 is stale');
      assert.equal(await store.writeBreaker(breakerWrite('task-a', 3, { state: 'half-open' })), false, 'version 3 is not there yet');
      assert.deepEqual(await store.readBreakers({ sinceMs: 0 }), [written]);
      assert.equal(await store.writeBreaker(breakerWrite('task-a', 2, { forced: 'closed' })), true);
      const [after] = await store.readBreakers({ sinceMs: 0 });
      assert.deepEqual([after?.state, after?.forced, after?.openUntilMs, after?.version], ['closed', 'closed', null, 3]);
    });

    test('calls are added to the bucket of floor(nowMs / bucketMs); a read counts the buckets starting at or after sinceMs', async (store) => {
      await store.writeBreaker(breakerWrite('task-a', 0));
      const start = t0 + 3 * bucketMs; // a multiple of bucketMs, as t0 is
      await record(store, start + 1, [{ task: 'task-a', succeeded: 1, failed: 0 }]);
      await record(store, start + bucketMs - 1, [{ task: 'task-a', succeeded: 2, failed: 1 }]); // same bucket
      await record(store, start + bucketMs, [{ task: 'task-a', succeeded: 0, failed: 4 }]);
      await record(store, start + 2 * bucketMs + 5, [{ task: 'task-a', succeeded: 8, failed: 0 }]);
      assert.deepEqual(await counts(store, 'task-a', 0), [11, 5]);
      assert.deepEqual(await counts(store, 'task-a', start), [11, 5]);
      assert.deepEqual(await counts(store, 'task-a', start + 1), [8, 4], 'a bucket starting before sinceMs is out');
      assert.deepEqual(await counts(store, 'task-a', start + bucketMs), [8, 4]);
      assert.deepEqual(await counts(store, 'task-a', start + 2 * bucketMs), [8, 0]);
      assert.deepEqual(await counts(store, 'task-a', start + 3 * bucketMs), [0, 0]);
    });

    test('calls are counted per task, several tasks in one request', async (store) => {
      await store.writeBreaker(breakerWrite('task-a', 0));
      await store.writeBreaker(breakerWrite('task-b', 0));
      await record(store, t0, [
        { task: 'task-a', succeeded: 1, failed: 2 },
        { task: 'task-b', succeeded: 5, failed: 0 },
      ]);
      await record(store, t0 + 1, [{ task: 'task-a', succeeded: 0, failed: 1 }]);
      assert.deepEqual(await counts(store, 'task-a', t0), [1, 3]);
      assert.deepEqual(await counts(store, 'task-b', t0), [5, 0]);
    });

    test('calls recorded before the record exists count once it is written (unless that write clears them)', async (store) => {
      await record(store, t0, [
        { task: 'task-a', succeeded: 2, failed: 3 },
        { task: 'task-b', succeeded: 2, failed: 3 },
      ]);
      await store.writeBreaker(breakerWrite('task-a', 0));
      await store.writeBreaker(breakerWrite('task-b', 0, { clearCalls: true }));
      assert.deepEqual(await counts(store, 'task-a', t0), [2, 3]);
      assert.deepEqual(await counts(store, 'task-b', t0), [0, 0]);
    });

    test("clearCalls deletes the task's counted calls in the write; other tasks keep theirs; later calls count", async (store) => {
      await store.writeBreaker(breakerWrite('task-a', 0));
      await store.writeBreaker(breakerWrite('task-b', 0));
      await record(store, t0, [
        { task: 'task-a', succeeded: 3, failed: 7 },
        { task: 'task-b', succeeded: 1, failed: 1 },
      ]);
      assert.equal(await store.writeBreaker(breakerWrite('task-a', 1, { state: 'open', clearCalls: false })), true);
      assert.deepEqual(await counts(store, 'task-a', t0), [3, 7], 'a write without clearCalls keeps the calls');
      assert.equal(await store.writeBreaker(breakerWrite('task-a', 2, { clearCalls: true })), true);
      assert.deepEqual(await counts(store, 'task-a', t0), [0, 0]);
      assert.deepEqual(await counts(store, 'task-b', t0), [1, 1]);
      await record(store, t0 + 1, [{ task: 'task-a', succeeded: 1, failed: 0 }]);
      assert.deepEqual(await counts(store, 'task-a', t0), [1, 0], 'the same bucket counts again from zero');
    });

    test('a refused write with clearCalls clears nothing', async (store) => {
      await store.writeBreaker(breakerWrite('task-a', 0));
      await record(store, t0, [{ task: 'task-a', succeeded: 0, failed: 4 }]);
      assert.equal(await store.writeBreaker(breakerWrite('task-a', 7, { clearCalls: true })), false);
      assert.deepEqual(await counts(store, 'task-a', t0), [0, 4]);
    });

    test("pruneBeforeMs deletes the request's tasks' buckets starting before it; other tasks' stay", async (store) => {
      await store.writeBreaker(breakerWrite('task-a', 0));
      await store.writeBreaker(breakerWrite('task-b', 0));
      await record(store, t0, [
        { task: 'task-a', succeeded: 1, failed: 0 },
        { task: 'task-b', succeeded: 1, failed: 0 },
      ]);
      await record(store, t0 + bucketMs, [{ task: 'task-a', succeeded: 2, failed: 0 }]);
      await record(store, t0 + 2 * bucketMs, [{ task: 'task-a', succeeded: 4, failed: 0 }], t0 + bucketMs);
      assert.deepEqual(await counts(store, 'task-a', 0), [6, 0], 'the bucket at t0 is gone; the one at t0 + bucketMs stays');
      assert.deepEqual(await counts(store, 'task-b', 0), [1, 0], 'task-b was not in the request');
    });

    test('readBreakers orders records by task and keeps only the given tasks', async (store) => {
      for (const task of ['task-c', 'task-a', 'task-b']) await store.writeBreaker(breakerWrite(task, 0));
      assert.deepEqual((await store.readBreakers({ sinceMs: 0 })).map((b) => b.task), ['task-a', 'task-b', 'task-c']);
      assert.deepEqual((await store.readBreakers({ tasks: ['task-c', 'task-a', 'nope'], sinceMs: 0 })).map((b) => b.task), ['task-a', 'task-c']);
      assert.deepEqual(await store.readBreakers({ tasks: [], sinceMs: 0 }), []);
    });

    peerTest('two instances writing under the same version: exactly one wins', async (store, peer) => {
      for (let round = 0; round < 10; round++) {
        const task = `race-${round}`;
        const created = await Promise.all([
          store.writeBreaker(breakerWrite(task, 0, { probeOwner: 'node-a' })),
          peer.writeBreaker(breakerWrite(task, 0, { probeOwner: 'node-b' })),
        ]);
        assert.equal(created.filter(Boolean).length, 1, `one creation wins (round ${round})`);
        const changed = await Promise.all([
          store.writeBreaker(breakerWrite(task, 1, { state: 'open' })),
          peer.writeBreaker(breakerWrite(task, 1, { state: 'half-open' })),
        ]);
        assert.equal(changed.filter(Boolean).length, 1, `one update wins (round ${round})`);
        const [after] = await peer.readBreakers({ tasks: [task], sinceMs: 0 });
        assert.equal(after?.version, 2);
        assert.equal(after?.state, changed[0] ? 'open' : 'half-open');
      }
    });

    peerTest('calls recorded by two instances at once all count', async (store, peer) => {
      await store.writeBreaker(breakerWrite('task-a', 0));
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => record(i % 2 === 0 ? store : peer, t0 + i, [{ task: 'task-a', succeeded: 1, failed: 2 }])),
      );
      assert.deepEqual(await counts(peer, 'task-a', t0), [20, 40]);
    });
  });
}
