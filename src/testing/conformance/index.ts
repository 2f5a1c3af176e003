import type { Store } from '../../store/store.ts';
import { defineBatchTests } from './batches.ts';
import { defineBreakerTests } from './breakers.ts';
import { defineChangeFeedTests } from './change-feed.ts';
import { defineClaimCapTests } from './claim-caps.ts';
import { defineDeferredTests } from './deferred.ts';
import { defineEnqueueTests } from './enqueue.ts';
import { defineEventLogTests } from './event-log.ts';
import { defineFlowRaceTests } from './flow-races.ts';
import { defineFlowTests } from './flows.ts';
import { defineJobClaimTests } from './jobs-claim.ts';
import { defineJobCompleteTests } from './jobs-complete.ts';
import { defineJobControlTests } from './jobs-control.ts';
import { defineJobRoutingTests } from './jobs-routing.ts';
import { defineLeaseTests } from './leases.ts';
import { defineLeadershipTests } from './leadership.ts';
import { defineLifecycleTests } from './lifecycle.ts';
import { defineNodeTests } from './nodes.ts';
import { defineQueryTests } from './queries.ts';
import { defineScheduleLeaseTests } from './schedule-leases.ts';
import { defineScheduleOptionTests } from './schedule-options.ts';
import type { DamageRecord } from './damage.ts';
import { defineQuarantineTests } from './quarantine.ts';
import { defineRateTokenTests } from './rate-tokens.ts';
import { defineReservationTests } from './reservations.ts';
import { defineScheduleTests } from './schedules.ts';
import { defineSchedulerIdTests } from './scheduler-ids.ts';
import { defineSchedulerUpsertTests } from './scheduler-upsert.ts';
import { defineStatsTests } from './stats.ts';
import { defineTraceContextTests } from './trace-context.ts';
import type { SuiteApi } from './suite-api.ts';
import { defineWakeTests } from './wake.ts';
import { defineWriteOptionsTests } from './write-options.ts';

export { fireJob, leaseMs, newJob, releaseRequest, scheduleWrite, t0 } from './fixtures.ts';
export type { DamageRecord, DamageTarget, Garbage } from './damage.ts';

/** The few functions the suite needs from a test runner: vitest, jest and node:test all provide them. */
export interface ConformanceRunner {
  /** Groups tests under `name` (`describe`). */
  describe(name: string, fn: () => void): void;
  /** Registers one test (`test` or `it`). */
  test(name: string, fn: () => Promise<void> | void): void;
  /** Runs `fn` before each test of the enclosing group. */
  beforeEach(fn: () => Promise<void> | void): void;
  /** Runs `fn` after each test of the enclosing group (the suite closes its stores there). */
  afterEach(fn: () => Promise<void> | void): void;
  /**
   * Optional: registers a skipped test (vitest/jest `test.skip`). Without it, a skipped test is
   * not registered and its reason is printed instead.
   */
  skip?(name: string, fn: () => Promise<void> | void): void;
}

/**
 * The options of `defineStoreConformanceSuite`: how to create a fresh store for each test, and the optional
 * hooks (a peer instance, raw damage) that unlock more tests.
 */
export interface StoreConformanceOptions {
  /** A fresh, empty, opened store for each test. */
  createStore(): Promise<Store>;
  /**
   * Optional: a second store instance over the SAME data (another connection / process view), to
   * test exclusivity across instances. Omit for stores without one (memory); those tests are then
   * skipped with their reason printed.
   */
  openPeer?(store: Store): Promise<Store>;
  /**
   * Optional: writes garbage straight into a stored field (raw SQL, HSET), to test that a damaged
   * record is isolated and never fails a call. Omit for stores that keep live objects (memory);
   * those tests are then skipped with their reason printed.
   */
  damage?: DamageRecord;
  /** Called after each test with the store(s) created; default closes them. */
  destroyStore?(store: Store): Promise<void>;
}

/**
 * Registers the store conformance suite: every behaviour the `Store` TSDoc promises, one focused
 * test each. Runner-agnostic (assertions come from `node:assert/strict`).
 *
 * @example
 * ```ts
 * import { describe, test, beforeEach, afterEach } from 'vitest';
 * defineStoreConformanceSuite('memory', { createStore: async () => { const s = new MemoryStore(); await s.open(); return s; } },
 *   { describe, test, beforeEach, afterEach, skip: test.skip });
 * ```
 */
export function defineStoreConformanceSuite(storeName: string, options: StoreConformanceOptions, runner: ConformanceRunner): void {
  const destroy = options.destroyStore ?? ((store: Store) => store.close());
  let current: Store | null = null;
  let created: Store[] = [];

  const requireStore = (): Store => {
    if (current === null) throw new Error('conformance suite: no store (beforeEach did not run)');
    return current;
  };

  const openPeer = options.openPeer;
  const damage = options.damage;
  const api: SuiteApi = {
    describe: (name, fn) => runner.describe(name, fn),
    test: (name, fn) => runner.test(name, () => fn(requireStore())),
    peerTest: (name, fn) => {
      if (openPeer === undefined) {
        const reason = `the ${storeName} store has no second instance (no openPeer given)`;
        if (runner.skip) runner.skip(`${name} [skipped: ${reason}]`, () => {});
        else console.info(`[sundial conformance] skipped "${name}": ${reason}`);
        return;
      }
      runner.test(name, async () => {
        const store = requireStore();
        const peer = await openPeer(store);
        created.push(peer);
        await fn(store, peer);
      });
    },
    damageTest: (name, fn) => {
      if (damage === undefined) {
        const reason = `the ${storeName} store keeps no encoded records to damage (no damage given)`;
        if (runner.skip) runner.skip(`${name} [skipped: ${reason}]`, () => {});
        else console.info(`[sundial conformance] skipped "${name}": ${reason}`);
        return;
      }
      runner.test(name, () => fn(requireStore(), damage));
    },
  };

  runner.describe(`store conformance: ${storeName}`, () => {
    runner.beforeEach(async () => {
      current = await options.createStore();
      created = [current];
    });
    runner.afterEach(async () => {
      // Peers first: they may share resources the first store owns.
      const stores = created.reverse();
      created = [];
      current = null;
      for (const store of stores) await destroy(store);
    });

    defineLifecycleTests(api);
    defineScheduleTests(api);
    defineScheduleLeaseTests(api);
    defineEnqueueTests(api);
    defineJobClaimTests(api);
    defineJobRoutingTests(api);
    defineReservationTests(api);
    defineLeaseTests(api);
    defineJobCompleteTests(api);
    defineJobControlTests(api);
    defineQueryTests(api);
    defineWakeTests(api);
    defineBatchTests(api);
    defineChangeFeedTests(api);
    defineStatsTests(api);
    defineNodeTests(api);
    defineLeadershipTests(api);
    defineEventLogTests(api);
    defineWriteOptionsTests(api);
    defineSchedulerUpsertTests(api);
    defineSchedulerIdTests(api);
    defineQuarantineTests(api);
    defineTraceContextTests(api);
    defineFlowTests(api);
    defineFlowRaceTests(api);
    defineDeferredTests(api);
    defineClaimCapTests(api);
    defineBreakerTests(api);
    defineRateTokenTests(api);
    defineScheduleOptionTests(api);
  });
}
