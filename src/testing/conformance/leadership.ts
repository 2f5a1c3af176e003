import assert from 'node:assert/strict';
import type { Store } from '../../store/store.ts';
import { t0 } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

const leaseMs = 5_000;

function acquire(store: Store, nodeId: string, observedVersion: number | null, nowMs = t0, name = 'election-a') {
  return store.acquireLeadership({ name, nodeId, nowMs, leaseMs, observedVersion });
}

export function defineLeadershipTests({ describe, test, peerTest }: SuiteApi): void {
  describe('leadership', () => {
    test('getLeader of an unknown election is null; listLeaders of an empty store is empty', async (store) => {
      assert.equal(await store.getLeader('election-a'), null);
      assert.deepEqual(await store.listLeaders(), []);
    });

    test('the first acquisition creates the record: term 1, version 1, holder the node', async (store) => {
      const record = await acquire(store, 'node-a', null);
      const expected = { name: 'election-a', holder: 'node-a', term: 1, version: 1, acquiredAtMs: t0, renewedAtMs: t0, leaseMs };
      assert.deepEqual(record, expected);
      assert.deepEqual(await store.getLeader('election-a'), expected);
    });

    test('a held lease is not taken without the observed version: the record is answered unchanged', async (store) => {
      const held = await acquire(store, 'node-a', null);
      const refused = await acquire(store, 'node-b', null, t0 + 60_000);
      assert.deepEqual(refused, held);
      assert.deepEqual(await acquire(store, 'node-b', held.version + 7, t0 + 60_000), held);
      assert.deepEqual(await store.getLeader('election-a'), held);
    });

    test('a candidate naming the version it watched takes over with the next term', async (store) => {
      const held = await acquire(store, 'node-a', null);
      const taken = await acquire(store, 'node-b', held.version, t0 + 6_000);
      assert.deepEqual(taken, {
        name: 'election-a',
        holder: 'node-b',
        term: 2,
        version: 2,
        acquiredAtMs: t0 + 6_000,
        renewedAtMs: t0 + 6_000,
        leaseMs,
      });
    });

    test('a renewal moves the version on, so an older observation no longer takes over', async (store) => {
      const held = await acquire(store, 'node-a', null);
      const renewed = await store.renewLeadership({ name: 'election-a', nodeId: 'node-a', term: 1, nowMs: t0 + 1_000, leaseMs });
      assert.deepEqual(renewed, { ...held, version: 2, renewedAtMs: t0 + 1_000 });
      const refused = await acquire(store, 'node-b', held.version, t0 + 6_000);
      assert.equal(refused.holder, 'node-a');
      assert.equal(refused.term, 1);
      assert.equal(refused.version, 2);
    });

    test('renewLeadership is fenced: another node or an older term is refused and changes nothing', async (store) => {
      const held = await acquire(store, 'node-a', null);
      const taken = await acquire(store, 'node-b', held.version, t0 + 6_000);
      assert.equal(await store.renewLeadership({ name: 'election-a', nodeId: 'node-a', term: 1, nowMs: t0 + 7_000, leaseMs }), null);
      assert.equal(await store.renewLeadership({ name: 'election-a', nodeId: 'node-a', term: 2, nowMs: t0 + 7_000, leaseMs }), null);
      assert.equal(await store.renewLeadership({ name: 'election-a', nodeId: 'node-b', term: 1, nowMs: t0 + 7_000, leaseMs }), null);
      assert.equal(await store.renewLeadership({ name: 'election-z', nodeId: 'node-b', term: 2, nowMs: t0 + 7_000, leaseMs }), null);
      assert.deepEqual(await store.getLeader('election-a'), taken);
    });

    test('renewLeadership records the lease the holder now promises', async (store) => {
      await acquire(store, 'node-a', null);
      const renewed = await store.renewLeadership({ name: 'election-a', nodeId: 'node-a', term: 1, nowMs: t0 + 10, leaseMs: 9_000 });
      assert.equal(renewed?.leaseMs, 9_000);
      assert.equal((await store.getLeader('election-a'))?.leaseMs, 9_000);
    });

    test('releaseLeadership clears the holder and keeps the term; the next acquisition takes term + 1 at once', async (store) => {
      await acquire(store, 'node-a', null);
      assert.equal(await store.releaseLeadership({ name: 'election-a', nodeId: 'node-a', term: 1, nowMs: t0 + 100 }), true);
      const released = await store.getLeader('election-a');
      assert.equal(released?.holder, null);
      assert.equal(released?.term, 1);
      assert.equal(released?.version, 2);
      const next = await acquire(store, 'node-b', null, t0 + 200);
      assert.equal(next.holder, 'node-b');
      assert.equal(next.term, 2);
      assert.equal(next.version, 3);
      assert.equal(next.acquiredAtMs, t0 + 200);
    });

    test('releaseLeadership under another node or an older term is refused', async (store) => {
      const held = await acquire(store, 'node-a', null);
      assert.equal(await store.releaseLeadership({ name: 'election-a', nodeId: 'node-b', term: 1, nowMs: t0 }), false);
      assert.equal(await store.releaseLeadership({ name: 'election-a', nodeId: 'node-a', term: 0, nowMs: t0 }), false);
      assert.equal(await store.releaseLeadership({ name: 'election-b', nodeId: 'node-a', term: 1, nowMs: t0 }), false);
      assert.deepEqual(await store.getLeader('election-a'), held);
    });

    test('a node that released may lead again, under a new term', async (store) => {
      await acquire(store, 'node-a', null);
      await store.releaseLeadership({ name: 'election-a', nodeId: 'node-a', term: 1, nowMs: t0 });
      const again = await acquire(store, 'node-a', null, t0 + 1);
      assert.equal(again.holder, 'node-a');
      assert.equal(again.term, 2);
    });

    test('terms keep growing over many hand-overs', async (store) => {
      let record = await acquire(store, 'node-0', null);
      for (let i = 1; i <= 5; i++) record = await acquire(store, `node-${i}`, record.version, t0 + i * 10_000);
      assert.equal(record.term, 6);
      assert.equal(record.holder, 'node-5');
    });

    test('elections are independent; listLeaders orders them by name', async (store) => {
      await acquire(store, 'node-a', null, t0, 'election-b');
      await acquire(store, 'node-b', null, t0, 'election-a');
      await acquire(store, 'node-a', null, t0, 'election-c');
      const leaders = await store.listLeaders();
      assert.deepEqual(
        leaders.map((l) => [l.name, l.holder, l.term]),
        [
          ['election-a', 'node-b', 1],
          ['election-b', 'node-a', 1],
          ['election-c', 'node-a', 1],
        ],
      );
    });

    peerTest('two instances acquiring a new election at once: exactly one leads', async (store, peer) => {
      for (let round = 0; round < 10; round++) {
        const name = `race-${round}`;
        const [a, b] = await Promise.all([acquire(store, 'node-a', null, t0, name), acquire(peer, 'node-b', null, t0, name)]);
        assert.equal(a.holder, b.holder, `both answers name one leader (round ${round})`);
        assert.equal(a.term, 1);
        assert.equal(b.term, 1);
      }
    });

    peerTest('two instances taking over the same observed version: exactly one wins', async (store, peer) => {
      const held = await acquire(store, 'node-a', null);
      const [b, c] = await Promise.all([acquire(store, 'node-b', held.version, t0 + 6_000), acquire(peer, 'node-c', held.version, t0 + 6_000)]);
      const winners = [b, c].filter((r, i) => r.holder === ['node-b', 'node-c'][i]);
      assert.equal(winners.length, 1);
      const final = await peer.getLeader('election-a');
      assert.equal(final?.term, 2);
      assert.equal(final?.holder, winners[0]?.holder);
    });
  });
}
