import assert from 'node:assert/strict';
import type { ClusterEventWrite } from '../../store/store.ts';
import { t0 } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

function event(type: string, atMs = t0, data: ClusterEventWrite['data'] = { n: 1 }, nodeId = 'node-a'): ClusterEventWrite {
  return { type, nodeId, atMs, data };
}

function strip(record: { seq: number } & ClusterEventWrite): ClusterEventWrite {
  return { type: record.type, nodeId: record.nodeId, atMs: record.atMs, data: record.data };
}

/** Waits for a condition the store's push wake-up makes true, failing after `ms` of wall time. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

export function defineEventLogTests({ describe, test, peerTest }: SuiteApi): void {
  describe('cluster event log', () => {
    test('an empty log: cursor 0, nothing to read, nothing trimmed', async (store) => {
      assert.equal(await store.eventCursor(), 0);
      assert.deepEqual(await store.readEvents({ afterSeq: 0, limit: 10 }), { events: [], trimmedThroughSeq: 0 });
    });

    test('appended events come back in order, exactly as written, with increasing seqs', async (store) => {
      const written = [
        event('job.succeeded', t0, { jobId: 'job-1', nested: { list: [1, 'two', null, true] } }),
        event('leader.elected', t0 + 1, { name: 'e', term: 3 }, 'node-b'),
        event('controller.enqueued', t0 + 2, 'just a string'),
        event('x.y', t0 + 3, null),
      ];
      await store.appendEvents(written.slice(0, 2));
      await store.appendEvents(written.slice(2));
      const { events } = await store.readEvents({ afterSeq: 0, limit: 10 });
      assert.deepEqual(events.map(strip), written);
      for (let i = 1; i < events.length; i++) assert.ok(events[i]!.seq > events[i - 1]!.seq, 'seqs increase');
      assert.ok(events[0]!.seq > 0);
      assert.equal(await store.eventCursor(), events.at(-1)!.seq);
    });

    test('appending nothing is a no-op', async (store) => {
      await store.appendEvents([]);
      assert.equal(await store.eventCursor(), 0);
    });

    test('readEvents answers only seq > afterSeq, at most limit', async (store) => {
      await store.appendEvents(Array.from({ length: 7 }, (_, i) => event(`e.${i}`, t0 + i)));
      const all = (await store.readEvents({ afterSeq: 0, limit: 100 })).events;
      assert.equal(all.length, 7);
      const page = await store.readEvents({ afterSeq: all[2]!.seq, limit: 3 });
      assert.deepEqual(
        page.events.map((e) => e.type),
        ['e.3', 'e.4', 'e.5'],
      );
      const rest = await store.readEvents({ afterSeq: page.events.at(-1)!.seq, limit: 100 });
      assert.deepEqual(
        rest.events.map((e) => e.type),
        ['e.6'],
      );
      assert.deepEqual((await store.readEvents({ afterSeq: all[6]!.seq, limit: 100 })).events, []);
    });

    test('the cursor taken before an append reads exactly the events appended after it', async (store) => {
      await store.appendEvents([event('old.1'), event('old.2')]);
      const cursor = await store.eventCursor();
      await store.appendEvents([event('new.1')]);
      const { events } = await store.readEvents({ afterSeq: cursor, limit: 10 });
      assert.deepEqual(
        events.map((e) => e.type),
        ['new.1'],
      );
    });

    test('trimEvents deletes events older than beforeMs and reports the trimmed seq to readers', async (store) => {
      await store.appendEvents([event('a', t0), event('b', t0 + 10), event('c', t0 + 20), event('d', t0 + 30)]);
      const all = (await store.readEvents({ afterSeq: 0, limit: 10 })).events;
      assert.equal(await store.trimEvents({ beforeMs: t0 + 20 }), 2);
      const after = await store.readEvents({ afterSeq: 0, limit: 10 });
      assert.deepEqual(
        after.events.map((e) => e.type),
        ['c', 'd'],
      );
      assert.equal(after.trimmedThroughSeq, all[1]!.seq);
      assert.equal(await store.trimEvents({ beforeMs: t0 + 20 }), 0, 'nothing more to trim');
      assert.equal((await store.readEvents({ afterSeq: 0, limit: 10 })).trimmedThroughSeq, all[1]!.seq, 'trimmedThroughSeq never goes back');
    });

    test('trimEvents with keepLast keeps only the newest, whatever their age', async (store) => {
      await store.appendEvents(Array.from({ length: 6 }, (_, i) => event(`e.${i}`, t0 + 1_000 + i)));
      const all = (await store.readEvents({ afterSeq: 0, limit: 10 })).events;
      assert.equal(await store.trimEvents({ beforeMs: t0, keepLast: 2 }), 4);
      const after = await store.readEvents({ afterSeq: 0, limit: 10 });
      assert.deepEqual(
        after.events.map((e) => e.type),
        ['e.4', 'e.5'],
      );
      assert.equal(after.trimmedThroughSeq, all[3]!.seq);
    });

    test('seqs are never reused after a trim', async (store) => {
      await store.appendEvents([event('a'), event('b')]);
      const before = await store.eventCursor();
      await store.trimEvents({ beforeMs: t0 + 1 });
      await store.appendEvents([event('c')]);
      const { events } = await store.readEvents({ afterSeq: 0, limit: 10 });
      assert.equal(events.length, 1);
      assert.ok(events[0]!.seq > before);
      assert.equal(await store.eventCursor(), events[0]!.seq);
    });

    peerTest('appends from two instances at once: every event read once, in seq order', async (store, peer) => {
      const rounds = 20;
      await Promise.all(
        Array.from({ length: rounds }, (_, i) =>
          Promise.all([
            store.appendEvents([event(`a.${i}`, t0, i, 'node-a'), event(`a.${i}.bis`, t0, i, 'node-a')]),
            peer.appendEvents([event(`b.${i}`, t0, i, 'node-b')]),
          ]),
        ),
      );
      const seen: string[] = [];
      let cursor = 0;
      for (;;) {
        const { events } = await peer.readEvents({ afterSeq: cursor, limit: 7 });
        if (events.length === 0) break;
        for (const e of events) {
          assert.ok(e.seq > cursor, 'ascending across pages');
          cursor = e.seq;
          seen.push(e.type);
        }
      }
      assert.equal(seen.length, rounds * 3);
      assert.equal(new Set(seen).size, rounds * 3);
      // One instance's batch stays in its order.
      for (let i = 0; i < rounds; i++) assert.ok(seen.indexOf(`a.${i}`) < seen.indexOf(`a.${i}.bis`));
    });

    peerTest('a reader never sees a seq below one it already read, while others append', async (store, peer) => {
      // The outbox hazard: an append that commits after a later one must not slip behind a reader.
      let cursor = 0;
      let read = 0;
      let writing = true;
      const writer = (async () => {
        for (let i = 0; i < 60; i++) await (i % 2 === 0 ? store : peer).appendEvents([event(`w.${i}`)]);
        writing = false;
      })();
      const others = Promise.all(Array.from({ length: 30 }, (_, i) => peer.appendEvents([event(`p.${i}`)])));
      while (writing || read < 90) {
        const { events } = await store.readEvents({ afterSeq: cursor, limit: 5 });
        for (const e of events) {
          assert.ok(e.seq > cursor);
          cursor = e.seq;
          read++;
        }
        if (!writing && events.length === 0) break;
      }
      await writer;
      await others;
      const { events } = await store.readEvents({ afterSeq: cursor, limit: 100 });
      read += events.length;
      assert.equal(read, 90, 'every event was read, none skipped');
    });

    peerTest('a store with push wake-ups signals the events another instance appends', async (store, peer) => {
      if (!store.capabilities.pushWakeups || store.subscribe === undefined) return;
      const signals: string[] = [];
      const unsubscribe = store.subscribe((signal) => signals.push(signal));
      try {
        // Give the subscription time to reach the server before the append (LISTEN, SUBSCRIBE).
        await new Promise((resolve) => setTimeout(resolve, 200));
        await peer.appendEvents([event('wake.me')]);
        assert.ok(await eventually(() => signals.includes('events'), 5_000), `signals seen: ${signals.join(',')}`);
      } finally {
        unsubscribe();
      }
    });
  });
}
