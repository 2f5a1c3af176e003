import type { BreakerRecord, BreakerState, Store } from '../index.ts';

/** A breaker's change as the event stream announces it (`breaker.changed`). */
export interface BreakerChange {
  task: string;
  /** Its state at the previous listing; 'closed' for a breaker that had no record (automatic, closed). */
  from: BreakerState;
  to: BreakerState;
  forced: BreakerRecord['forced'];
  breaker: BreakerRecord;
}

/**
 * Turns successive readings of the breakers into change events, like `ScheduleWatcher` does for
 * schedules: breakers have no change feed, and the `breaker.changed` scheduler event reaches only
 * listeners of the node that wrote it. Every write bumps a breaker's version, so a version that
 * moved is a change; calls being counted are not (they would announce every attempt). The first
 * poll only takes the baseline.
 */
export class BreakerWatcher {
  #known: Map<string, BreakerRecord> | null = null;

  async poll(store: Store): Promise<BreakerChange[]> {
    // The calls as `GET /breakers` counts them: every bucket the store still keeps.
    const current = new Map((await store.readBreakers({ sinceMs: 0 })).map((breaker) => [breaker.task, breaker]));
    const previous = this.#known;
    this.#known = current;
    if (previous === null) return [];
    const changes: BreakerChange[] = [];
    for (const [task, breaker] of current) {
      const before = previous.get(task);
      if (before?.version === breaker.version) continue;
      changes.push({ task, from: before?.state ?? 'closed', to: breaker.state, forced: breaker.forced, breaker });
    }
    return changes;
  }
}
