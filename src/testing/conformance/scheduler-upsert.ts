import assert from 'node:assert/strict';
import type { TriggerSpec } from '../../domain/trigger.ts';
import { Scheduler } from '../../runtime/scheduler.ts';
import type { Store } from '../../store/store.ts';
import { task } from '../../tasks/task.ts';
import { cron } from '../../triggers/cron.ts';
import { every } from '../../triggers/every.ts';
import { VirtualClock } from '../virtual-clock.ts';
import { leaseMs, t0 } from './fixtures.ts';
import type { SuiteApi } from './suite-api.ts';

// The store as the runtime uses it: `Scheduler.schedule()` reads the stored trigger back to decide
// whether a schedule changed. Every node schedules its schedules at start, so a trigger that does
// not come back equal (keys reordered, an option dropped) moves — or drops — fires at each restart.

const noop = task('task-a', { run: () => {} });

/** A scheduler that never starts: it only writes schedules, at the virtual clock's time. */
function clientOn(store: Store, clock: VirtualClock): Scheduler {
  return new Scheduler({ store, clock, tasks: [noop], nodeId: 'conformance-client' });
}

const triggers: Array<[string, TriggerSpec]> = [
  ['every with start, end and jitter', every('1h', { startAt: t0 + 1_000, endAt: t0 + 86_400_000, jitter: '5m' })],
  ['cron with time zone and strict dst', cron('0 15 * * * *', { tz: 'Europe/Berlin', dst: 'strict', jitter: '1s' })],
  ['cron with defaults', cron('*/10 * * * *')],
];

export function defineSchedulerUpsertTests({ describe, test }: SuiteApi): void {
  describe('scheduling an unchanged schedule again (as every node does at start)', () => {
    for (const [name, trigger] of triggers) {
      test(`keeps nextFireAtMs and a due fire no node took yet: ${name}`, async (store) => {
        const clock = new VirtualClock(t0);
        const first = await clientOn(store, clock).schedule({ id: 'sched-1', task: noop, data: { n: 1 }, trigger });
        assert.notEqual(first.nextFireAtMs, null);
        const dueAtMs = first.nextFireAtMs!;

        // The fire comes due while no node runs; then a node starts and schedules it again.
        await clock.advance(dueAtMs + 1 - t0);
        const again = await clientOn(store, clock).schedule({ id: 'sched-1', task: noop, data: { n: 1 }, trigger });
        assert.equal(again.nextFireAtMs, dueAtMs);
        assert.equal((await store.getSchedule('sched-1'))?.nextFireAtMs, dueAtMs);

        const acquired = await store.acquireDueSchedules({ nodeId: 'node-a', nowMs: clock.now(), leaseMs, limit: 10 });
        assert.deepEqual(
          acquired.map(({ schedule }) => [schedule.id, schedule.nextFireAtMs]),
          [['sched-1', dueAtMs]],
        );
      });
    }

    test('a changed trigger does move the next fire', async (store) => {
      const clock = new VirtualClock(t0);
      const first = await clientOn(store, clock).schedule({ id: 'sched-1', task: noop, trigger: every('1h') });
      const changed = await clientOn(store, clock).schedule({ id: 'sched-1', task: noop, trigger: every('2h') });
      assert.equal(first.nextFireAtMs, t0 + 3_600_000);
      assert.equal(changed.nextFireAtMs, t0 + 7_200_000);
      const dst = await clientOn(store, clock).schedule({ id: 'sched-2', task: noop, trigger: cron('30 2 * * *', { tz: 'Europe/Berlin' }) });
      const strict = await clientOn(store, clock).schedule({
        id: 'sched-2',
        task: noop,
        trigger: cron('30 2 * * *', { tz: 'Europe/Berlin', dst: 'strict' }),
      });
      assert.deepEqual((await store.getSchedule('sched-2'))?.trigger, strict.trigger);
      assert.notDeepEqual(strict.trigger, dst.trigger);
    });
  });
}
