import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../errors.ts';
import type { Store } from '../../store/store.ts';
import { newJob, scheduleWrite } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

const skipReason = 'store joins transactions; tested by its own suite';

/** For `assert.rejects`: an InvalidArgumentError that names the option. */
function isTxRefused(err: unknown): boolean {
  assert.ok(err instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${String(err)}`);
  assert.equal(err.code, 'INVALID_ARGUMENT');
  assert.match(err.message, /options\.tx/);
  return true;
}

/**
 * Capabilities are known only once a store exists, so a store that joins transactions skips
 * these tests at run time (with the reason printed) rather than at registration.
 */
function joinsTransactions(store: Store, name: string): boolean {
  if (!store.capabilities.transactionalWrites) return false;
  console.info(`[sundial conformance] skipped "${name}": ${skipReason}`);
  return true;
}

export function defineWriteOptionsTests({ describe, test }: SuiteApi): void {
  describe('write options (options.tx)', () => {
    test('capabilities.transactionalWrites is declared', async (store) => {
      assert.equal(typeof store.capabilities.transactionalWrites, 'boolean');
    });

    const upsertName = 'without transactionalWrites, upsertSchedule with options.tx rejects and writes nothing';
    test(upsertName, async (store) => {
      if (joinsTransactions(store, upsertName)) return;
      await assert.rejects(store.upsertSchedule(scheduleWrite('s-1'), { tx: {} }), isTxRefused);
      assert.equal(await store.getSchedule('s-1'), null);
      assert.deepEqual(await store.listSchedules(), []);
    });

    const enqueueName = 'without transactionalWrites, enqueueJobs with options.tx rejects and writes nothing';
    test(enqueueName, async (store) => {
      if (joinsTransactions(store, enqueueName)) return;
      await assert.rejects(store.enqueueJobs([newJob('job-1'), newJob('job-2')], { tx: {} }), isTxRefused);
      assert.equal(await store.getJob('job-1'), null);
      assert.deepEqual(await store.listJobs(), []);
    });

    test('empty write options (no tx) write as usual', async (store) => {
      await store.upsertSchedule(scheduleWrite('s-1'), {});
      const [result] = await store.enqueueJobs([newJob('job-1')], { tx: undefined });
      assert.equal(result?.created, true);
      assert.equal((await store.getSchedule('s-1'))?.id, 's-1');
      assert.equal((await store.getJob('job-1'))?.id, 'job-1');
    });
  });
}
