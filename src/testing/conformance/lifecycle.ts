import assert from 'node:assert/strict';
import { newJob, scheduleWrite, t0 } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

export function defineLifecycleTests({ describe, test, peerTest }: SuiteApi): void {
  describe('lifecycle', () => {
    test('has a name and boolean capability flags', async (store) => {
      assert.equal(typeof store.name, 'string');
      assert.ok(store.name.length > 0, 'name is empty');
      assert.equal(typeof store.capabilities.multiProcess, 'boolean');
      assert.equal(typeof store.capabilities.pushWakeups, 'boolean');
      if (store.capabilities.pushWakeups) assert.equal(typeof store.subscribe, 'function', 'pushWakeups without subscribe()');
    });

    test('open is idempotent: a second open keeps the data and the store usable', async (store) => {
      await store.enqueueJobs([newJob('job-1')]);
      await store.open();
      await store.open();
      assert.equal((await store.getJob('job-1'))?.id, 'job-1');
      await store.upsertSchedule(scheduleWrite('sched-1'));
      assert.equal((await store.getSchedule('sched-1'))?.id, 'sched-1');
    });

    test('close is idempotent', async (store) => {
      await store.close();
      await store.close();
    });

    test('a fresh store is empty', async (store) => {
      assert.deepEqual(await store.listSchedules(), []);
      assert.deepEqual(await store.listJobs(), []);
      assert.equal(await store.nextWakeAtMs(), null);
    });

    test('records handed out are copies: mutating them (or the input) does not change the store', async (store) => {
      const input = newJob('job-1', { data: { list: [1, 2], nested: { a: 'x' } } });
      await store.enqueueJobs([input]);
      (input.data as { list: number[] }).list.push(3);
      const read = await store.getJob('job-1');
      assert.ok(read);
      (read.data as { nested: { a: string } }).nested.a = 'mutated';
      read.status = 'dead';
      const [claimed] = await store.claimJobs({ nodeId: 'n', nowMs: t0 - 1_000_000, leaseMs: 1000, limit: 1, tasks: ['task-a'] });
      assert.equal(claimed, undefined);
      const fetched = await store.getJob('job-1');
      assert.ok(fetched);
      assert.deepEqual(fetched.data, { list: [1, 2], nested: { a: 'x' } });
      assert.equal(fetched.status, 'queued');
      fetched.attempts.push({ attempt: 9, nodeId: 'x', fencingToken: 9, startedAtMs: t0, finishedAtMs: null, outcome: 'running', error: null });
      assert.deepEqual((await store.getJob('job-1'))?.attempts, []);

      const schedule = await store.upsertSchedule(scheduleWrite('sched-1'));
      schedule.paused = true;
      (schedule.data as { from: string }).from = 'mutated';
      const stored = await store.getSchedule('sched-1');
      assert.equal(stored?.paused, false);
      assert.deepEqual(stored?.data, { from: 'sched-1' });
    });

    peerTest('a peer instance sees what the first one wrote, and the reverse', async (store, peer) => {
      assert.equal(store.capabilities.multiProcess, true, 'a store with a peer instance should declare multiProcess');
      await store.enqueueJobs([newJob('job-1')]);
      assert.equal((await peer.getJob('job-1'))?.id, 'job-1');
      await peer.upsertSchedule(scheduleWrite('sched-1'));
      assert.equal((await store.getSchedule('sched-1'))?.id, 'sched-1');
    });
  });
}
