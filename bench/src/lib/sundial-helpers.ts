// Helpers for the single-store scripts (bench/src/{sqlite,postgres,redis}.ts) that drive Sundial itself.
import { Scheduler, type Store } from '../../../src/index.ts';

/** A client node on `store`: it writes and reads the store but fires and runs nothing. */
export function clientOf(store: Store): Scheduler {
  return new Scheduler({ store, roles: { schedules: false, jobs: false }, logger: 'error' });
}

/** Resolves when `n` jobs have succeeded on `scheduler`, or rejects after `timeoutMs`. */
export function whenSucceeded(scheduler: Scheduler, n: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = 0;
    const deadline = setTimeout(() => reject(new Error(`only ${done} of ${n} jobs succeeded in ${timeoutMs} ms`)), timeoutMs);
    const off = scheduler.on('job.succeeded', () => {
      if (++done < n) return;
      clearTimeout(deadline);
      off();
      resolve();
    });
  });
}
