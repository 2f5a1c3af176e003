// Helpers for the scripts that drive Sundial itself: the single-store scripts
// (bench/src/{sqlite,postgres,redis}.ts), the harness's Sundial system and the profiles.
import type { Redis } from 'ioredis';
import { Scheduler, type Store } from '../../../src/index.ts';
import type { NewJob } from '../../../src/domain/job.ts';
import { keyPattern } from '../../../src/redis/key-layout.ts';

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

/** Removes every key of a Redis store's `prefix` (SCAN + UNLINK, so a large store never blocks Redis). */
export async function deleteRedisPrefix(admin: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', keyPattern(prefix), 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) await admin.unlink(...keys);
  } while (cursor !== '0');
}

/** `n` queued no-op jobs, due now, as a store's enqueueJobs takes them (in calls of 1,000 at most). */
export async function enqueueNoopJobs(store: Store, n: number): Promise<void> {
  const nowMs = Date.now();
  for (let offset = 0; offset < n; offset += 1000) {
    await store.enqueueJobs(Array.from({ length: Math.min(1000, n - offset) }, (_, i): NewJob => ({
      id: `job-${String(offset + i).padStart(7, '0')}`, task: 'noop', data: { key: offset + i }, origin: 'enqueue',
      scheduleId: null, fireAtMs: null, priority: 0, runAtMs: nowMs, maxAttempts: 3, dedupeKey: null, createdAtMs: nowMs,
    })));
  }
}
