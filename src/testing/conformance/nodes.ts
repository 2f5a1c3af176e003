import assert from 'node:assert/strict';
import type { NodeRecord } from '../../domain/node.ts';
import { t0 } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

function node(id: string, overrides: Partial<NodeRecord> = {}): NodeRecord {
  return {
    id,
    hostname: `host-${id}`,
    pid: 4242,
    roles: { schedules: true, jobs: false },
    // Not sorted on purpose: the order must round-trip.
    tasks: ['task-z', 'task-a', 'task-m'],
    concurrency: 8,
    running: 3,
    startedAtMs: t0,
    lastSeenAtMs: t0 + 10,
    version: '1.2.3',
    // Not sorted either.
    clusterEvents: ['job.succeeded', 'job.dead', 'leader.elected'],
    ...overrides,
  };
}

export function defineNodeTests({ describe, test }: SuiteApi): void {
  describe('nodes', () => {
    test('listNodes of an empty store is empty', async (store) => {
      assert.deepEqual(await store.listNodes(), []);
    });

    test('upsertNode inserts; listNodes returns the records exactly, ordered by id', async (store) => {
      const b = node('node-b', { roles: { schedules: false, jobs: true }, tasks: [] });
      const a = node('node-a');
      const c = node('node-c', { roles: { schedules: false, jobs: false } });
      await store.upsertNode(b);
      await store.upsertNode(c);
      await store.upsertNode(a);
      assert.deepEqual(await store.listNodes(), [a, b, c]);
    });

    test('upsertNode replaces the record with the same id', async (store) => {
      await store.upsertNode(node('node-a'));
      const replaced = node('node-a', {
        hostname: 'other-host',
        pid: 7,
        roles: { schedules: false, jobs: true },
        tasks: ['task-b'],
        concurrency: 2,
        running: 0,
        startedAtMs: t0 + 100,
        lastSeenAtMs: t0 + 200,
        version: '2.0.0',
        clusterEvents: [],
      });
      await store.upsertNode(replaced);
      assert.deepEqual(await store.listNodes(), [replaced]);
    });

    test('seenAfterMs keeps only nodes seen strictly after it', async (store) => {
      await store.upsertNode(node('node-a', { lastSeenAtMs: t0 + 10 }));
      await store.upsertNode(node('node-b', { lastSeenAtMs: t0 + 20 }));
      await store.upsertNode(node('node-c', { lastSeenAtMs: t0 + 5 }));
      const seen = async (seenAfterMs: number) => (await store.listNodes({ seenAfterMs })).map((n) => n.id);
      assert.deepEqual(await seen(t0 + 9), ['node-a', 'node-b']);
      assert.deepEqual(await seen(t0 + 10), ['node-b']);
      assert.deepEqual(await seen(t0 + 20), []);
      assert.deepEqual((await store.listNodes({})).map((n) => n.id), ['node-a', 'node-b', 'node-c']);
    });

    test('removeNode deletes one node; removing an unknown id is a no-op', async (store) => {
      await store.upsertNode(node('node-a'));
      await store.upsertNode(node('node-b'));
      await store.removeNode('node-a');
      await store.removeNode('node-unknown');
      assert.deepEqual((await store.listNodes()).map((n) => n.id), ['node-b']);
    });

    test('records are copies: changing a returned or given node does not change the store', async (store) => {
      const given = node('node-a');
      await store.upsertNode(given);
      given.tasks.push('task-late');
      given.roles.jobs = true;
      const [listed] = await store.listNodes();
      assert.ok(listed);
      listed.tasks.push('task-mutated');
      assert.deepEqual(await store.listNodes(), [node('node-a')]);
    });
  });
}
