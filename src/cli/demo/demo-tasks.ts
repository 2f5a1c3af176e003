import { task, type TaskDefinition } from '../../index.ts';

/** Counters the report task prints; the demo's event listeners keep them. */
export interface DemoStats {
  succeeded: number;
  failed: number;
  dead: number;
}

/**
 * The demo's three tasks. `print` writes one line to the terminal. `flaky-sync` fails on its
 * first two attempts and succeeds on the third, to show retries with a fixed backoff.
 */
export function demoTasks(print: (line: string) => void, stats: DemoStats): Array<TaskDefinition<{ reason?: string } | null>> {
  let beats = 0;
  const heartbeat = task<{ reason?: string } | null>('heartbeat', {
    run({ job }) {
      beats += 1;
      print(`    heartbeat #${beats}: node ${job.nodeId} is alive`);
    },
  });
  const report = task<{ reason?: string } | null>('report', {
    run({ data }) {
      const why = data?.reason ? ` (${data.reason})` : '';
      print(`    report${why}: ${stats.succeeded} jobs succeeded, ${stats.failed} failed attempts, ${stats.dead} dead so far`);
      return { ...stats };
    },
  });
  const flakySync = task<{ reason?: string } | null>('flaky-sync', {
    retry: { attempts: 3, backoff: { type: 'fixed', delay: '1s', jitter: 0 } },
    run({ attempt }) {
      if (attempt < 3) throw new Error(`upstream timed out (simulated, attempt ${attempt} of 3)`);
      print('    flaky-sync: synced on attempt 3');
      return { synced: true };
    },
  });
  return [heartbeat, report, flakySync];
}
