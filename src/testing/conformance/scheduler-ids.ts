import assert from 'node:assert/strict';
import { InvalidArgumentError, PayloadNotSerializableError } from '../../errors.ts';
import { Scheduler } from '../../runtime/scheduler.ts';
import type { Store } from '../../store/store.ts';
import { task } from '../../tasks/task.ts';
import { every } from '../../triggers/every.ts';
import { VirtualClock } from '../virtual-clock.ts';
import { t0 } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

// Ids and keys are checked once, in the core, before any store sees them: a NUL or a lone
// surrogate is refused with a typed error on every store (PostgreSQL would fail with a raw
// 22021; a store replacing lone surrogates with U+FFFD would make two ids one).

const noop = task('task-a', { run: () => {} });

function clientOn(store: Store): Scheduler {
  return new Scheduler({ store, clock: new VirtualClock(t0), tasks: [noop], nodeId: 'conformance-client' });
}

const unstorable = ['with\u0000nul', 'half\uD800', 'half\uDFFF', '\uDC00\uD800'];

export function defineSchedulerIdTests({ describe, test }: SuiteApi): void {
  describe('ids and keys at the boundary', () => {
    test('ids with a NUL or a lone surrogate are refused with InvalidArgumentError by every call', async (store) => {
      const scheduler = clientOn(store);
      for (const id of unstorable) {
        const calls: Array<[string, () => Promise<unknown>]> = [
          ['schedule', () => scheduler.schedule({ id, task: noop, trigger: every('1m') })],
          ['getSchedule', () => scheduler.getSchedule(id)],
          ['pause', () => scheduler.pause(id)],
          ['resume', () => scheduler.resume(id)],
          ['trigger', () => scheduler.trigger(id)],
          ['unschedule', () => scheduler.unschedule(id)],
          ['getJob', () => scheduler.getJob(id)],
          ['cancelJob', () => scheduler.cancelJob(id)],
          ['retryJob', () => scheduler.retryJob(id)],
          ['enqueue dedupeKey', () => scheduler.enqueue({ task: noop, dedupeKey: id })],
          ['listJobs scheduleId', () => scheduler.listJobs({ scheduleId: id })],
          ['listJobs task', () => scheduler.listJobs({ task: id })],
          ['listSchedules idPrefix', () => scheduler.listSchedules({ idPrefix: id })],
        ];
        for (const [name, call] of calls) {
          await assert.rejects(call, InvalidArgumentError, `${name}(${JSON.stringify(id)})`);
        }
      }
      assert.deepEqual(await store.listSchedules(), []);
      assert.deepEqual(await store.listJobs(), []);
    });

    test('payload strings and property names with a NUL or a lone surrogate are refused before the store', async (store) => {
      const scheduler = clientOn(store);
      for (const bad of unstorable) {
        await assert.rejects(() => scheduler.enqueue({ task: noop, data: { text: bad } }), PayloadNotSerializableError);
        await assert.rejects(() => scheduler.enqueue({ task: noop, data: { [bad]: 1 } }), PayloadNotSerializableError);
        await assert.rejects(
          () => scheduler.schedule({ id: 'sched-1', task: noop, data: [bad], trigger: every('1m') }),
          PayloadNotSerializableError,
        );
      }
      assert.deepEqual(await store.listJobs(), []);
    });

    test('any other Unicode id is kept exactly, and ids that differ only in astral characters stay apart', async (store) => {
      const scheduler = clientOn(store);
      const ids = ['emoji-\u{1F600}', 'emoji-\u{1F601}', 'e\u0301', '\u00e9', 'tab\there', 'x'.repeat(200)];
      for (const id of ids) await scheduler.schedule({ id, task: noop, data: { id }, trigger: every('1m') });
      for (const id of ids) assert.deepEqual((await scheduler.getSchedule(id))?.data, { id });
      assert.equal((await store.listSchedules({ limit: 100 })).length, ids.length);
      await assert.rejects(() => scheduler.schedule({ id: 'x'.repeat(201), task: noop, trigger: every('1m') }), InvalidArgumentError);
    });
  });
}
