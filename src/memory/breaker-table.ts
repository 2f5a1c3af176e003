import type { BreakerRecord, ReadBreakersRequest, RecordBreakerCallsRequest, WriteBreakerRequest } from '../store/gate-types.ts';

type BreakerState = Omit<BreakerRecord, 'succeeded' | 'failed'>;

interface Calls {
  succeeded: number;
  failed: number;
}

/**
 * MemoryStore's circuit breakers: one record per task, written by compare-and-set on its version,
 * and the task's calls per time bucket beside it (see gate-types.ts). Calls are kept apart from
 * the record, so calls recorded before a task's first write count once it exists.
 */
export class BreakerTable {
  readonly #records = new Map<string, BreakerState>();
  /** Per task: bucket start → calls in it. */
  readonly #calls = new Map<string, Map<number, Calls>>();

  read(request: ReadBreakersRequest): BreakerRecord[] {
    const tasks = request.tasks === undefined ? [...this.#records.keys()] : [...new Set(request.tasks)];
    const out: BreakerRecord[] = [];
    for (const task of tasks.sort(compareStrings)) {
      const record = this.#records.get(task);
      if (record === undefined) continue;
      let succeeded = 0;
      let failed = 0;
      for (const [startMs, calls] of this.#calls.get(task) ?? []) {
        if (startMs < request.sinceMs) continue;
        succeeded += calls.succeeded;
        failed += calls.failed;
      }
      out.push({ ...record, succeeded, failed });
    }
    return out;
  }

  record(request: RecordBreakerCallsRequest): void {
    const bucketStartMs = Math.floor(request.nowMs / request.bucketMs) * request.bucketMs;
    for (const { task, succeeded, failed } of request.calls) {
      let buckets = this.#calls.get(task);
      if (buckets === undefined) this.#calls.set(task, (buckets = new Map()));
      const calls = buckets.get(bucketStartMs);
      if (calls === undefined) buckets.set(bucketStartMs, { succeeded, failed });
      else {
        calls.succeeded += succeeded;
        calls.failed += failed;
      }
      // These buckets have left every window.
      for (const startMs of buckets.keys()) if (startMs < request.pruneBeforeMs) buckets.delete(startMs);
    }
  }

  /** True when written: the stored version equals `expectedVersion` (0: no record yet). */
  write(request: WriteBreakerRequest): boolean {
    const current = this.#records.get(request.task);
    if ((current?.version ?? 0) !== request.expectedVersion) return false;
    const { task, state, forced, changedAtMs, openUntilMs, probeOwner, probeUntilMs } = request;
    this.#records.set(task, { task, state, forced, changedAtMs, openUntilMs, probeOwner, probeUntilMs, version: request.expectedVersion + 1 });
    if (request.clearCalls) this.#calls.delete(task);
    return true;
  }
}

/** Code-unit order, like SQL's binary collation, independent of the locale. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
