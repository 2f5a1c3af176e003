import type { JobError, Store } from '../../src/index.ts';

/**
 * An hour of history, written through the store contract as a node would have written it: so the
 * charts of the overview have something to show. Deterministic (no randomness), oldest first.
 */
export async function seedHistory(store: Store, nowMs: number): Promise<void> {
  const minuteMs = 60_000;
  let n = 0;
  for (let minute = 58; minute >= 1; minute--) {
    const wave = Math.round(6 + 4 * Math.sin(minute / 6) + ((minute * 7) % 5));
    for (let i = 0; i < wave; i++) {
      const dead = (minute % 11 === 3 && i === 0) || (minute % 17 === 5 && i < 2);
      const cancelled = minute % 23 === 7 && i === 1;
      const startMs = nowMs - minute * minuteMs + i * 3_000;
      const runAtMs = startMs - (i % 4) * 40 - 15;
      const id = `0190${String(++n).padStart(4, '0')}-seed-7000-8000-${String(startMs).padStart(12, '0')}`;
      const taskName = ['send-digest', 'sync-inventory', 'charge-renewals'][i % 3]!;
      await store.enqueueJobs([
        { id, task: taskName, data: { seq: n }, origin: 'enqueue', scheduleId: null, fireAtMs: null, priority: 0, runAtMs, maxAttempts: 1, dedupeKey: null, createdAtMs: runAtMs },
      ]);
      const [claimed] = await store.claimJobs({ nodeId: 'worker-b:4122:7f3a', nowMs: startMs, leaseMs: 30_000, limit: 1, tasks: [taskName] });
      if (!claimed) throw new Error(`seed job ${id} was not claimable`);
      const endMs = startMs + 120 + ((i * 97) % 900);
      const error: JobError = { name: 'Error', message: 'upstream answered 503 Service Unavailable', stack: 'Error: upstream answered 503 Service Unavailable\n    at syncInventory (src/tasks/sync.ts:42:11)' };
      await store.completeJobs([
        {
          jobId: claimed.id,
          fencingToken: claimed.fencingToken,
          nowMs: endMs,
          completion: dead ? { status: 'dead', error } : cancelled ? { status: 'cancelled', error: { name: 'JobCancelledError', message: 'cancelled by operator' } } : { status: 'succeeded', result: { ok: true } },
        },
      ]);
    }
  }
  // A node that stopped reporting a few minutes ago, next to the live one.
  await store.upsertNode({
    id: 'worker-b:4122:7f3a',
    hostname: 'worker-b',
    pid: 4122,
    roles: { schedules: false, jobs: true },
    tasks: ['send-digest', 'sync-inventory', 'charge-renewals'],
    concurrency: 20,
    running: 0,
    startedAtMs: nowMs - 3 * 3_600_000,
    lastSeenAtMs: nowMs - 4 * 60_000,
    version: '0.1.0',
    clusterEvents: [],
  });
}
