// The whole store conformance suite against a real Redis Cluster of three masters started by this
// file (test/fixtures/redis-cluster.ts), through an ioredis `Cluster` client. Each test gets its
// own random prefix, i.e. its own hash tag, so tests land on different masters; cleanup scans
// every master, and the file checks at the end that every master held some test's store.
// The peer is a second RedisStore on a second Cluster client (its own connections, as another
// process would have). Push wake-ups (pub/sub through the client's `duplicate()`) and the
// durability warnings (CONFIG GET on every node) are checked here too: the suite itself calls neither.
import type { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { RedisStore } from '../../src/redis/index.ts';
import type { Store, StoreSignal } from '../../src/store/store.ts';
import { defineStoreConformanceSuite, newJob, t0 } from '../../src/testing/conformance/index.ts';
import { damageRedisRecord } from '../fixtures/redis-damage.ts';
import { randomPrefix } from '../fixtures/redis-test-helpers.ts';
import { requireRedisCluster, startRedisCluster, type RedisClusterProcess } from '../fixtures/redis-cluster.ts';

const available = requireRedisCluster('the Redis Cluster conformance suite');

let cluster: RedisClusterProcess;
let client: Cluster;
let peerClient: Cluster;
/** Which master (port) held each test's keys, found by the cleanup. */
const prefixesByPort = new Map<number, number>();

async function destroy(store: Store): Promise<void> {
  await store.close();
  const deleted = await cluster.deletePrefix((store as RedisStore).prefix);
  for (const [port, count] of deleted) if (count > 0) prefixesByPort.set(port, (prefixesByPort.get(port) ?? 0) + 1);
}

if (available) {
  beforeAll(async () => {
    cluster = await startRedisCluster();
    client = cluster.connect();
    peerClient = cluster.connect();
  }, 60_000);
  afterAll(async () => {
    try {
      // Random hash tags spread the tests over the masters: with 100+ tests, each master got some.
      const byPort = (a: number, b: number) => a - b;
      expect([...prefixesByPort.keys()].sort(byPort), `masters that held a test's keys (of ${cluster.spec})`).toEqual(cluster.nodes.map((node) => node.port).sort(byPort));
    } finally {
      client?.disconnect();
      peerClient?.disconnect();
      await cluster?.stop();
    }
  }, 30_000);

  defineStoreConformanceSuite(
    'redis (cluster of 3 masters)',
    {
      async createStore() {
        const store = new RedisStore({ client, prefix: randomPrefix('cconf') });
        await store.open();
        return store;
      },
      damage: (store, target) => damageRedisRecord(peerClient, (store as RedisStore).prefix, target),
      async openPeer(store) {
        const peer = new RedisStore({ client: peerClient, prefix: (store as RedisStore).prefix });
        await peer.open();
        return peer;
      },
      destroyStore: destroy,
    },
    { describe, test, beforeEach, afterEach, skip: test.skip },
  );

  describe('RedisStore on a Redis Cluster', () => {
    test('with read scaling (scaleReads), the expired-lease scan still reads the master: a reaper must not act on a stale replica', async () => {
      // ioredis asks `scaleReads` where to send each read-only command (the master here: this cluster
      // has no replicas). A reaper that took a replica's stale "expired" for the truth would fence out
      // a node that had just renewed its lease, and run the job twice.
      const offeredToReplicas: string[] = [];
      const scaling = cluster.connect({
        scaleReads: (nodes: unknown[], command: { name: string }) => {
          offeredToReplicas.push(command.name);
          return nodes[0];
        },
      });
      const store = new RedisStore({ client: scaling, prefix: randomPrefix('cscale') });
      try {
        await store.open();
        await store.enqueueJobs([newJob('job-1', { runAtMs: t0 })]);
        await store.claimJobs({ nodeId: 'n', nowMs: t0, leaseMs: 1000, limit: 1, tasks: ['task-a'] });
        offeredToReplicas.length = 0;
        expect((await store.findExpiredLeases({ nowMs: t0 + 1000, limit: 10 })).map((job) => job.id)).toEqual(['job-1']);
        expect(offeredToReplicas, 'commands of findExpiredLeases offered to replicas').toEqual([]);
        // The hook does see reads that may be stale: the next wake-up is only a hint.
        await store.nextWakeAtMs();
        expect(offeredToReplicas).toEqual(['evalsha']);
      } finally {
        await destroy(store);
        scaling.disconnect();
      }
    });

    test('durabilityWarnings checks every node: persistence-off names all three masters (started without AOF or RDB)', async () => {
      const store = new RedisStore({ client, prefix: randomPrefix('cdurability') });
      await store.open();
      try {
        const warnings = await store.durabilityWarnings();
        expect(warnings.map((warning) => warning.code)).toEqual(['persistence-off']);
        for (const node of cluster.nodes) expect(warnings[0]!.message).toContain(`${node.host}:${node.port}`);
      } finally {
        await destroy(store);
      }
    });

    test('wakes a subscriber on another client through pub/sub, whichever master holds the prefix', async () => {
      // Several prefixes: their hash tags fall on different masters, and a PUBLISH from a script on
      // one master must reach a subscriber connected to any node.
      for (const prefix of ['wake-a', 'wake-b', 'wake-c', 'wake-d']) {
        const listener = new RedisStore({ client, prefix: randomPrefix(prefix) });
        const writer = new RedisStore({ client: peerClient, prefix: listener.prefix });
        await listener.open();
        await writer.open();
        try {
          const signals: StoreSignal[] = [];
          let wake: () => void = () => {};
          const woken = new Promise<void>((resolve) => (wake = resolve));
          const unsubscribe = listener.subscribe((signal) => {
            signals.push(signal);
            wake();
          });
          // The subscription is asynchronous: publish until the first message arrives.
          let n = 0;
          const deadline = Date.now() + 10_000;
          while (signals.length === 0 && Date.now() < deadline) {
            await writer.enqueueJobs([newJob(`job-${n++}`, { runAtMs: t0 })]);
            await Promise.race([woken, new Promise((resolve) => setTimeout(resolve, 100))]);
          }
          unsubscribe();
          expect(signals[0]).toBe('jobs');
        } finally {
          await writer.close();
          await destroy(listener);
        }
      }
    });
  });
} else {
  test.skip('store conformance: redis cluster [skipped: redis-server or redis-cli missing; see the printed reason]', () => {});
}
