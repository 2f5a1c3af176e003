import type { Store } from '../../store/store.ts';
import type { DamageRecord } from './damage.ts';

/**
 * What each topic file of the suite registers its tests through. Every test gets the fresh store
 * of its run; `peerTest`s also get a second instance over the same data, and are skipped (with
 * the reason printed) for stores that have none.
 */
export interface SuiteApi {
  describe(name: string, fn: () => void): void;
  test(name: string, fn: (store: Store) => Promise<void>): void;
  peerTest(name: string, fn: (store: Store, peer: Store) => Promise<void>): void;
  /** A test that damages stored records directly; skipped (reason printed) for stores without `damage`. */
  damageTest(name: string, fn: (store: Store, damage: DamageRecord) => Promise<void>): void;
}
