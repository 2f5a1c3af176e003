import type { Store } from '../index.ts';

/**
 * The caller's store, for a scheduler the admin makes and stops: every call goes to `store` but
 * `close()`, which does nothing. A scheduler closes its store when it stops; this store is the
 * caller's, who closes it when done with it (after `admin.close()`).
 */
export function borrowedStore(store: Store): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'close' || property === Symbol.asyncDispose) return async () => {};
      const value: unknown = Reflect.get(target, property, target);
      // Bound to the store itself: its methods may use private fields, which a proxy does not have.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
