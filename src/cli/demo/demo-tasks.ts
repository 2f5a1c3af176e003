import { NonRetryableError, task, type TaskDefinition } from '../../index.ts';

/** Counters the report task prints; the demo's event listeners keep them. */
export interface DemoStats {
  succeeded: number;
  failed: number;
  dead: number;
}

/** Every how many flaky-sync jobs one exhausts its retries and dies (the first one does). */
const syncDeadEvery = 3;
/** Every how many report runs one fails with a NonRetryableError (the second one does). */
const reportDeadEvery = 3;

/**
 * The demo's three tasks, so that the dashboard's failures and dead letters have something to
 * show from the first minute. Deterministic (counters, no randomness):
 * - `heartbeat` always succeeds.
 * - `flaky-sync` retries with a fixed backoff: of every three jobs, one fails all three attempts
 *   and dies (the first), one fails twice and succeeds on its third attempt, one succeeds at once.
 * - `report` prints the counters; one run in three (the second, then every third) fails with a
 *   `NonRetryableError` and goes straight to the dead letters.
 * `print` writes one line to the terminal.
 */
export function demoTasks(print: (line: string) => void, stats: DemoStats): Array<TaskDefinition<{ reason?: string } | null>> {
  let beats = 0;
  let reports = 0;
  let syncs = 0;
  /** The sequence number of each flaky-sync job in progress, given at its first attempt. */
  const syncNumbers = new Map<string, number>();
  const heartbeat = task<{ reason?: string } | null>('heartbeat', {
    run({ job }) {
      beats += 1;
      print(`    heartbeat #${beats}: node ${job.nodeId} is alive`);
    },
  });
  const report = task<{ reason?: string } | null>('report', {
    run({ data }) {
      reports += 1;
      if (reports % reportDeadEvery === 2) throw new NonRetryableError(`report recipients list is empty (simulated, report #${reports}): not worth a retry`);
      const why = data?.reason ? ` (${data.reason})` : '';
      print(`    report${why}: ${stats.succeeded} jobs succeeded, ${stats.failed} failed attempts, ${stats.dead} dead so far`);
      return { ...stats };
    },
  });
  const flakySync = task<{ reason?: string } | null>('flaky-sync', {
    retry: { attempts: 3, backoff: { type: 'fixed', delay: '1s', jitter: 0 } },
    run({ job, attempt }) {
      let n = syncNumbers.get(job.id);
      if (n === undefined) {
        n = ++syncs;
        syncNumbers.set(job.id, n);
      }
      const kind = n % syncDeadEvery;
      const failing = kind === 1 || (kind === 2 && attempt < 3);
      if (failing) {
        if (attempt >= 3) syncNumbers.delete(job.id);
        throw new Error(`upstream timed out (simulated, sync #${n}, attempt ${attempt} of 3)`);
      }
      syncNumbers.delete(job.id);
      print(`    flaky-sync #${n}: synced on attempt ${attempt}`);
      return { synced: true, attempt };
    },
  });
  return [heartbeat, report, flakySync];
}
