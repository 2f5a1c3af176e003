/**
 * The virtual clock for tests of code that uses Sundial, and the store conformance suite for anyone
 * writing a store.
 *
 * @packageDocumentation
 * @module sundial-scheduler/testing
 */
export { VirtualClock } from './virtual-clock.ts';
export { liveSchedulers } from '../runtime/live-schedulers.ts';
export {
  defineStoreConformanceSuite,
  type ConformanceRunner,
  type StoreConformanceOptions,
  type DamageRecord,
  type DamageTarget,
  type Garbage,
} from './conformance/index.ts';
