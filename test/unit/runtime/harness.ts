import { MemoryStore } from '../../../src/memory/index.ts';
import { SqliteStore } from '../../../src/sqlite/index.ts';
import { Scheduler } from '../../../src/index.ts';
import type { SchedulerOptions, SchedulerEventName, SchedulerEvents, Store } from '../../../src/index.ts';
import { VirtualClock } from '../../../src/testing/virtual-clock.ts';

export const t0 = Date.UTC(2026, 0, 1, 0, 0, 0);

/** The runtime's behaviour must not depend on the store: every runtime test runs on each of these. */
export const storeFactories: Array<[string, () => Store]> = [
  ['memory', () => new MemoryStore()],
  ['sqlite', () => new SqliteStore(':memory:')],
];

export interface Harness {
  clock: VirtualClock;
  store: Store;
  scheduler: Scheduler<unknown>;
  events: Array<{ name: SchedulerEventName; payload: unknown }>;
  eventsOf<E extends SchedulerEventName>(name: E): Array<SchedulerEvents[E]>;
}

const recorded: SchedulerEventName[] = [
  'schedule.fired',
  'schedule.missed',
  'schedule.skipped',
  'schedule.ended',
  'job.enqueued',
  'job.started',
  'job.succeeded',
  'job.failed',
  'job.dead',
  'job.cancelled',
  'job.released',
  'lease.lost',
  'lease.expired',
  'error',
];

export function createHarness(makeStore: () => Store, options: Omit<SchedulerOptions<unknown>, 'store' | 'clock'> = {}, clock = new VirtualClock(t0), store = makeStore()): Harness {
  // One process, one clock: local changes wake the loop, so a long poll only saves virtual-clock steps.
  const scheduler = new Scheduler({ logger: 'silent', pollInterval: '1h', ...options, store, clock });
  const events: Harness['events'] = [];
  for (const name of recorded) scheduler.on(name, (payload) => events.push({ name, payload }));
  return {
    clock,
    store,
    scheduler,
    events,
    eventsOf: <E extends SchedulerEventName>(name: E) =>
      events.filter((event) => event.name === name).map((event) => event.payload as SchedulerEvents[E]),
  };
}

/** A promise with its resolver outside: lets a test hold a handler open. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * The store as a node sees it, but its close() does nothing: two nodes of one test share a store,
 * and the first one's stop() must not close it under the second (a `:memory:` database is gone
 * once closed).
 */
export function unclosable(store: Store): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'close') return async () => {};
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
