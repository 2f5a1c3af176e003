import { Scheduler, type Store } from '../index.ts';
import { openStoreFromUrl } from './store-url.ts';

/**
 * Runs `action` with a client scheduler (it fires no schedule and runs no job) on the store at
 * `storeUrl`, then stops it and closes the store, whatever happens. `action` gets the store too,
 * for what a scheduler does not offer (the nodes).
 */
export async function withClient<T>(storeUrl: string, action: (scheduler: Scheduler, store: Store) => Promise<T>): Promise<T> {
  const store = await openStoreFromUrl(storeUrl, { mustExist: true });
  const scheduler = new Scheduler({ store, roles: { schedules: false, jobs: false }, logger: 'error' });
  try {
    return await action(scheduler, store);
  } finally {
    await scheduler.stop();
    // stop() closes only a store the scheduler opened itself; close it in any case (idempotent).
    await store.close();
  }
}
