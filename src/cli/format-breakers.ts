import type { BreakerRecord } from '../index.ts';
import { formatTable } from './format-table.ts';
import { formatTime } from './format-time.ts';

/** One row per task: where its breaker is, who holds it there, and the calls it counted. */
export function formatBreakerTable(breakers: readonly BreakerRecord[], nowMs: number): string {
  if (breakers.length === 0) return 'No breakers. A task with the `breaker` option gets one when its calls are first counted.';
  return formatTable(
    ['task', 'state', 'forced', 'failed/total', 'open until', 'changed'],
    breakers.map((b) => [
      b.task,
      b.state,
      b.forced ?? '-',
      `${b.failed}/${b.failed + b.succeeded}`,
      formatTime(b.openUntilMs, nowMs),
      formatTime(b.changedAtMs, nowMs),
    ]),
  );
}
